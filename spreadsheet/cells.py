"""Lenient readers for the cell values people type into `inv_tbl`.

These serve the dashboards: a cell that cannot be read becomes ``None`` so one odd row never breaks a chart.
The QuickBooks sync needs stricter rules (a wrong amount must fail the row, not vanish) and keeps its own.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

__all__ = ["parse_amount", "parse_date", "month_key", "SERIAL_EPOCH"]

# Google Sheets and Excel count days from 1899-12-30 (Excel's 1900 leap-year bug is baked into that choice).
SERIAL_EPOCH = date(1899, 12, 30)
# Only serials in 1950..2099 are taken as dates: a stray "2026" or "300" in a date column is a typo, not 1905.
_SERIAL_MIN = (date(1950, 1, 1) - SERIAL_EPOCH).days
_SERIAL_MAX = (date(2100, 1, 1) - SERIAL_EPOCH).days

_PLAIN_NUMBER = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)$")
# Thousands separators must be where a person would put them, so "1,05" is rejected rather than read as 105.
_GROUPED_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+\-Z]*)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SERIAL = re.compile(r"^\d+(?:\.\d+)?$")


def parse_amount(value: object) -> Decimal | None:
    """Read a dollar amount such as ``1500``, ``$2,345.67`` or ``(120.00)``; ``None`` when blank or unreadable.

    Accepts numbers too (openpyxl and unformatted API reads hand back floats). Accounting parentheses and
    a leading minus mean negative. NaN and infinity are refused: they would poison every total.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        result = Decimal(value)
        return result if result.is_finite() else None
    if isinstance(value, float):
        result = Decimal(repr(value))  # repr gives the shortest exact text: 0.1 stays 0.1
        return result if result.is_finite() else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    if text.startswith("$"):
        text = text[1:]
    if text.startswith("-") and not negative:  # "$-120"
        negative, text = True, text[1:]
    if _GROUPED_NUMBER.match(text):
        text = text.replace(",", "")
    elif not _PLAIN_NUMBER.match(text):
        return None
    result = Decimal(text)
    return -result if negative else result


def parse_date(value: object) -> date | None:
    """Read a date typed as ``2026-03-02``, ``03/15/2026`` (US order) or a sheet serial such as ``45000``.

    Date cells arrive as serial numbers through the Sheets API and as ``date``/``datetime`` from openpyxl;
    all of them become a ``date``. Anything else (including serials outside 1950-2099) gives ``None``.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float, Decimal)):
        return _from_serial(float(value))
    text = str(value).strip()
    if not text:
        return None
    match = _ISO_DATE.match(text)
    if match:
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    match = _US_DATE.match(text)
    if match:
        return _safe_date(int(match[3]), int(match[1]), int(match[2]))
    if _SERIAL.match(text):
        return _from_serial(float(text))
    return None


def month_key(value: object) -> str | None:
    """``"YYYY-MM"`` for a date cell, so months sort as text; ``None`` when there is no usable date."""
    parsed = parse_date(value)
    return f"{parsed.year:04d}-{parsed.month:02d}" if parsed else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # 2026-02-30, 13/01/2026 typed in day-first order, ...
        return None


def _from_serial(serial: float) -> date | None:
    if not (_SERIAL_MIN <= serial < _SERIAL_MAX):
        return None
    return SERIAL_EPOCH + timedelta(days=int(serial))
