"""Cell values for the Sheets emulator: API errors and enum options, RAW vs USER_ENTERED input, rendering.

Kept apart from the grid because these rules decide what one cell holds and shows, whatever tab it is on.
Cells are stored as: `None` (empty), `str` (text), `bool`, `int`/`float` (number), `Formula` (text that
began with `=` under USER_ENTERED) or `Formatted` (a number shown with a format: dates, currency, grouped
digits, percentages typed under USER_ENTERED).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATETIME_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
VALUE_INPUT = ("RAW", "USER_ENTERED")
DIMENSIONS = ("ROWS", "COLUMNS")


class SheetsError(Exception):
    """An error Google would answer with: HTTP code, gRPC status name and message."""

    def __init__(self, code: int, status: str, message: str):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def invalid(message: str) -> SheetsError:
    return SheetsError(400, "INVALID_ARGUMENT", message)


def enum_option(value, allowed: tuple, default: str, field_name: str, type_name: str) -> str:
    """Validate an enum query/body parameter the way Google reports a bad one; None means "not set"."""
    if value is None or value == "":
        return default
    if value not in allowed:
        raise invalid(f"Invalid value at '{field_name}' (type.googleapis.com/google.apps.sheets.v4.{type_name}), "
                      f'"{value}"')
    return value


def parse_bool(value) -> bool:
    """gspread sends Python bools as the strings True/False; JSON bodies carry real booleans or null."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true" if value is not None else False


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass(frozen=True)
class Formatted:
    """A number with a display format: what FORMATTED_VALUE shows is `display`."""

    value: float
    display: str
    is_date: bool = False


SKIP = object()  # a JSON null in written values: leave the cell as it is

_EPOCH = _dt.datetime(1899, 12, 30)
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_GROUPED = re.compile(r"([+-]?)(\$?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\Z")
_PERCENT = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))%\Z")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\Z")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?\Z")


def _number(x: float):
    """JSON numbers as Google sends them: integral doubles without `.0`."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2 ** 53:
        return int(x)
    return x


def format_number(x) -> str:
    """The automatic number format, approximately: `42`, `42.01`, `0.3333333333`."""
    x = _number(x)
    if isinstance(x, int):
        return str(x)
    s = f"{x:.10g}"
    return s.upper() if "e" in s else s


def _date_cell(m: re.Match, iso: bool) -> Formatted | None:
    g = [int(x) if x else 0 for x in m.groups()]
    y, mo, d = (g[0], g[1], g[2]) if iso else (g[2], g[0], g[1])
    hh, mm, ss = g[3], g[4], g[5]
    try:
        when = _dt.datetime(y, mo, d, hh, mm, ss)
    except ValueError:
        return None
    delta = when - _EPOCH
    serial = delta.days + delta.seconds / 86400
    display = f"{y:04d}-{mo:02d}-{d:02d}" if iso else f"{mo}/{d}/{y}"
    if m.group(4):
        display += f" {hh:02d}:{mm:02d}:{ss:02d}" if iso else f" {hh}:{mm:02d}:{ss:02d}"
    return Formatted(serial, display, is_date=True)


def parse_user_entered(s: str):
    """A string typed into the UI: `=` starts a formula, numbers/dates/booleans are recognised (en_US)."""
    if s == "":
        return None
    if s.startswith("'"):
        return s[1:] or None
    if s.startswith("=") and len(s) > 1:
        return Formula(s)
    t = s.strip()
    if t.upper() in ("TRUE", "FALSE"):
        return t.upper() == "TRUE"
    if _PLAIN_NUMBER.match(t):
        return _number(float(t))
    m = _GROUPED.match(t)
    if m and (m.group(2) or "," in m.group(3)):
        sign, dollar, digits, frac = m.groups()
        value = float(digits.replace(",", "") + (frac or "")) * (-1 if sign == "-" else 1)
        display = (f"{'-' if value < 0 else ''}${abs(value):,.2f}" if dollar else t.lstrip("+"))
        return Formatted(_number(value), display)
    m = _PERCENT.match(t)
    if m:
        return Formatted(_number(float(m.group(1)) / 100), t.lstrip("+"))
    for rx, iso in ((_ISO_DATE, True), (_US_DATE, False)):
        m = rx.match(t)
        if m and (cell := _date_cell(m, iso)):
            return cell
    return s


def input_cell(value, option: str, where: str):
    """Turn one JSON value from a write into a stored cell (or SKIP for null)."""
    if value is None:
        return SKIP
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return _number(float(value)) if isinstance(value, float) else value
    if isinstance(value, str):
        if option == "USER_ENTERED":
            return parse_user_entered(value)
        return value or None
    raise invalid(f"Invalid values{where}: {type(value).__name__}_value is not supported")


def stored_text(cell) -> object:
    """What `SheetsEmulator.values()` shows for a cell: formulas as text, formatted numbers as shown."""
    if cell is None:
        return ""
    if isinstance(cell, Formula):
        return cell.text
    if isinstance(cell, Formatted):
        return cell.display
    return cell


def render_scalar(cell, value_render: str, dt_render: str):
    """Render a non-formula cell (or a formula's result) as the API would."""
    if cell is None:
        return None
    if isinstance(cell, Formatted):
        if value_render == "FORMATTED_VALUE" or (cell.is_date and dt_render == "FORMATTED_STRING"):
            return cell.display
        return _number(cell.value)
    if isinstance(cell, bool):
        return ("TRUE" if cell else "FALSE") if value_render == "FORMATTED_VALUE" else cell
    if isinstance(cell, (int, float)):
        return format_number(cell) if value_render == "FORMATTED_VALUE" else _number(cell)
    return cell
