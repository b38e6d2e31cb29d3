"""Strict readers for the `inv_tbl` cells the QuickBooks sync sends.

`spreadsheet/cells.py` is lenient on purpose (a dashboard skips an odd cell). Here an unreadable cell must fail the
row instead: a guessed amount or date in an accounting system is worse than no invoice. Every reader raises
`ValueError` whose message names the column and the value and says what to type instead, because that text
lands in the row's `qb_error` cell for a finance person to act on. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from spreadsheet.cells import SERIAL_EPOCH

__all__ = ["parse_money", "parse_optional_money", "parse_sheet_date", "clean_text", "normalize_name",
           "iso_utc", "shown_utc", "MAX_AMOUNT", "YEAR_MIN", "YEAR_MAX"]

# QuickBooks amounts are "max 15 digits in 10.5 format": at most 10 digits before the point.
MAX_AMOUNT = Decimal("10000000000")
CENT = Decimal("0.01")
YEAR_MIN, YEAR_MAX = 1950, 2099
_SERIAL_MIN = (date(YEAR_MIN, 1, 1) - SERIAL_EPOCH).days
_SERIAL_MAX = (date(YEAR_MAX + 1, 1, 1) - SERIAL_EPOCH).days

# Spaces people (and locales) put between thousands: plain, no-break, narrow no-break, thin.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_MINUS_SIGNS = ("-", "\u2212", "\u2013")
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+", re.ASCII)
_US_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)        # 1,234  1,234.50
_SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?", re.ASCII)   # 1 234  1 234.50  1 234,50
_EU_DOT_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+,\d{2}", re.ASCII)      # 1.234,50
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?[eE][+-]?\d+", re.ASCII)

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"
                       r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?", re.ASCII)
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_SERIAL = re.compile(r"\d+(?:\.\d+)?", re.ASCII)

_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def parse_money(text: str, column: str = "inv_dollars") -> Decimal:
    """A positive dollar amount such as ``1500``, ``$1,234.50`` or ``1 234,50``, as a Decimal to the cent.

    Refuses what a person would have to guess at: blanks, zero, negatives, text, fractions of a cent,
    scientific notation, and ``1,23`` (a decimal comma is read only next to thousands separators that make
    the European reading certain). Amounts of 10,000,000,000 or more exceed QuickBooks' number format.
    """
    if not (text or "").strip():
        hint = "enter the invoice total" if column == "inv_dollars" else "enter the amount"
        raise ValueError(f"{column} is blank: {hint}")
    amount = _parse_amount(text, column)
    if amount == 0:
        raise ValueError(f"{column} is 0: enter the amount to charge, above zero")
    return amount


def parse_optional_money(text: str, column: str) -> Decimal | None:
    """Like `parse_money` for a share (``owed2ACD``, ``owed2workers``): blank gives None and zero is allowed."""
    if not (text or "").strip():
        return None
    return _parse_amount(text, column)


def _parse_amount(text: str, column: str) -> Decimal:
    shown = text.strip()
    body = shown.translate(_SPACES)
    body = " ".join(body.split())
    negative = body.startswith("(") and body.endswith(")")
    if negative:
        body = body[1:-1].strip()
    if body.startswith(_MINUS_SIGNS):
        negative, body = True, body[1:].strip()
    if body.startswith("$"):
        body = body[1:].strip()
    if body.startswith(_MINUS_SIGNS):  # "$-5"
        negative, body = True, body[1:].strip()
    if body.endswith("$"):  # "1500 $"
        body = body[:-1].strip()
    if negative:
        raise ValueError(f"{column} '{shown}' is negative: enter a positive amount "
                         "(record refunds and credits in QuickBooks itself)")
    number = _canonical_number(body)
    if number is None:
        if _SCIENTIFIC.fullmatch(body):
            raise ValueError(f"{column} '{shown}' is in scientific notation: format the cell as a plain number "
                             "with 2 decimals, e.g. 1234.50")
        if re.fullmatch(r"[0-9.,' ]+", body) and any(ch.isdigit() for ch in body):
            raise ValueError(f"{column} '{shown}' is ambiguous: write it like 1234.50 or 1,234.50 "
                             "(dot for cents, commas between thousands)")
        raise ValueError(f"{column} '{shown}' is not an amount: enter a number such as 1234.50")
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the patterns above only let digits and one dot through
        raise ValueError(f"{column} '{shown}' is not an amount: enter a number such as 1234.50") from None
    if value != value.quantize(CENT):
        raise ValueError(f"{column} '{shown}' has more than 2 decimals: QuickBooks takes at most 2 decimals "
                         "(whole cents); round it")
    if value >= MAX_AMOUNT:
        raise ValueError(f"{column} '{shown}' is too large: QuickBooks accepts amounts below 10,000,000,000")
    return value.quantize(CENT)


def _canonical_number(body: str) -> str | None:
    """``1234.56``-style text for the accepted layouts, or None when the layout is not one of them."""
    if _PLAIN.fullmatch(body):
        return body
    if _US_GROUPED.fullmatch(body):
        return body.replace(",", "")
    if _SPACE_GROUPED.fullmatch(body):
        whole, _, cents = body.replace(",", ".").partition(".")
        if "," in body and len(cents) != 2:  # "1 234,5" could be a typo of either reading
            return None
        return whole.replace(" ", "") + ("." + cents if cents else "")
    if _EU_DOT_GROUPED.fullmatch(body):
        return body.replace(".", "").replace(",", ".")
    return None


def parse_sheet_date(text: str, column: str) -> date | None:
    """A date typed as ``2026-03-02`` (time ignored), ``03/15/2026`` (US, month first) or a sheet serial number.

    Blank gives None. Serials (days since 1899-12-30, how date cells arrive through the API) and typed years
    must fall in 1950-2099: ``300`` or ``2062-13-01`` in a date column is a typo, not a date to book.
    """
    shown = (text or "").strip()
    if not shown:
        return None
    fix = "use YYYY-MM-DD or MM/DD/YYYY"
    year = month = day = None
    if match := _ISO_DATE.fullmatch(shown):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _US_DATE.fullmatch(shown):
        year, month, day = int(match[3]), int(match[1]), int(match[2])
    elif _SERIAL.fullmatch(shown):
        serial = float(shown)
        if not _SERIAL_MIN <= serial < _SERIAL_MAX:
            raise ValueError(f"{column} '{shown}' is not a date: {fix} (as a sheet date number it would fall "
                             f"outside {YEAR_MIN}-{YEAR_MAX})")
        return SERIAL_EPOCH + timedelta(days=int(serial))
    if year is None:
        raise ValueError(f"{column} '{shown}' is not a date: {fix}")
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise ValueError(f"{column} '{shown}' is not a date: {fix}") from None
    if not YEAR_MIN <= parsed.year <= YEAR_MAX:
        raise ValueError(f"{column} '{shown}' has the year {parsed.year}: check it (dates must fall in "
                         f"{YEAR_MIN}-{YEAR_MAX})")
    return parsed


def clean_text(text: str) -> str:
    """Text without invisible troublemakers: control characters (keeping line breaks and tabs) and bidi overrides.

    Pasted cells carry NULs, carriage returns and right-to-left overrides that QuickBooks rejects or that make
    a note read backwards; accents, emoji and apostrophes are real content and stay.
    """
    kept = (ch for ch in (text or "")
            if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS))
    return "".join(kept).strip()


def normalize_name(text: str) -> str:
    """The form names are compared in: cleaned, Unicode-composed, case-folded, inner whitespace collapsed.

    Composition (NFC) makes a ``Zoë`` typed on a Mac (e + combining diaeresis) equal QuickBooks' ``Zoë``.
    """
    composed = unicodedata.normalize("NFC", clean_text(text))
    return " ".join(unicodedata.normalize("NFC", composed.casefold()).split())


def iso_utc(timestamp: float) -> str:
    """``2026-03-02T14:05:09Z``: how the sheet's `qb_synced_at` shows a moment (ISO 8601, UTC, whole seconds)."""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown_utc(timestamp: float | None, seconds: bool = True) -> str:
    """``2026-03-02 14:05:09 UTC`` for people (the admin page, the CLI); ``never`` when there is no moment."""
    if not timestamp:
        return "never"
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")
