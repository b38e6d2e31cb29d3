"""The pure half of the Sheets emulator: A1 ranges, cell storage, value input/render, trimming, formulas.

No HTTP, locking or clocks live here, so every rule that decides *what Google would answer* can be read
and tested on its own; `emulators/sheets.py` wraps a `Spreadsheet` in a WSGI app. Behaviour follows
/work/shared/reference/google-sheets-api.md (sections 2-4) and gspread's recorded cassettes.

Cells are stored as: `None` (empty), `str` (text), `bool`, `int`/`float` (number), `Formula` (text that
began with `=` under USER_ENTERED) or `Formatted` (a number shown with a format: dates, currency, grouped
digits, percentages typed under USER_ENTERED).
"""

from __future__ import annotations

import copy
import datetime as _dt
import random
import re
from dataclasses import dataclass, field

MAX_COLUMNS = 18278  # column ZZZ
MAX_CELLS = 10_000_000  # per spreadsheet, all tabs together
DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26  # what Google gives a new tab

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATETIME_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
VALUE_INPUT = ("RAW", "USER_ENTERED")
DIMENSIONS = ("ROWS", "COLUMNS")

# Verbatim from a real spreadsheets.get answer (cassettes), so metadata compares equal to Google's.
DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {}, "fontFamily": "arial,sans,sans-serif", "fontSize": 10, "bold": False,
        "italic": False, "strikethrough": False, "underline": False, "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME_COLORS = [
    ("TEXT", {}), ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
SPREADSHEET_THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [{"colorType": t, "color": {"rgbColor": rgb}} for t, rgb in _THEME_COLORS],
}


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


# ---------------------------------------------------------------------------------------------- A1 notation

def col_letters(n: int) -> str:
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_SIMPLE_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CELL_LIKE = re.compile(r"([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|TRUE|FALSE)\Z", re.I)


def echo_title(title: str) -> str:
    """How Google writes a tab name in an answer: bare when a plain identifier that can't be read as a
    cell (`Sheet1`, `inv_tbl`), else quoted with `'` doubled (`'D3'`, `'My tab'`, `'Jon''s'`)."""
    if _SIMPLE_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


_A1_SIDE = r"\$?([A-Za-z]{1,3})?\$?([0-9]+)?"
_A1 = re.compile(rf"{_A1_SIDE}(?::{_A1_SIDE})?\Z")


@dataclass(frozen=True)
class A1Ref:
    """A parsed A1 reference; None in a bound means "open" (whole column / whole row / to the edge)."""

    c1: int | None
    r1: int | None
    c2: int | None
    r2: int | None


def parse_a1(text: str) -> A1Ref | None:
    """`B2`, `A1:B2`, `A:A`, `1:2`, `A5:A`, `A1:Z`; None if `text` is not A1 notation."""
    m = _A1.match(text)
    if not m:
        return None
    ca, ra, cb, rb = m.groups()
    nums = [int(x) for x in (ra, rb) if x]
    if any(n < 1 for n in nums):
        return None
    c1, r1 = (col_number(ca) if ca else None), (int(ra) if ra else None)
    if ":" not in text:
        return A1Ref(c1, r1, c1, r1) if ca and ra else None
    c2, r2 = (col_number(cb) if cb else None), (int(rb) if rb else None)
    if not (ca or ra) or not (cb or rb):
        return None
    if (ca is None) != (cb is None) and not (ca and ra):  # `1:B2`, `A:5` make no sense
        return None
    return A1Ref(c1, r1, c2, r2)


def split_range(text: str) -> tuple[str | None, str | None]:
    """Split `'Tab'!A1`, `Tab!A1`, `'Tab'`, `A1:B2` or `Tab` into (title or None, a1 or None)."""
    t = text.strip()
    if t.startswith("'"):
        i, out = 1, []
        while i < len(t):
            if t[i] == "'":
                if t[i + 1:i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                break
            out.append(t[i])
            i += 1
        else:
            raise ValueError("unterminated quote")
        rest = t[i + 1:]
        if rest == "":
            return "".join(out), None
        if rest.startswith("!") and rest[1:]:
            return "".join(out), rest[1:]
        raise ValueError("junk after quoted title")
    if "!" in t:
        title, a1 = t.rsplit("!", 1)
        if not title or not a1:
            raise ValueError("empty part")
        return title, a1
    if parse_a1(t):
        return None, t
    return t, None


@dataclass
class GridRange:
    """A rectangle on one tab, 1-based and inclusive, already resolved against the tab's grid."""

    sheet: "Sheet"
    r1: int
    c1: int
    r2: int
    c2: int

    def a1(self) -> str:
        start = f"{col_letters(self.c1)}{self.r1}"
        if (self.r1, self.c1) == (self.r2, self.c2):
            return start
        return f"{start}:{col_letters(self.c2)}{self.r2}"

    def echo(self) -> str:
        return f"{echo_title(self.sheet.title)}!{self.a1()}"


# ------------------------------------------------------------------------------------------------- cells

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


def trim(rows: list[list]) -> list[list]:
    """Google's trimming: trailing empties per row dropped, then trailing empty rows; middle empties stay."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] in (None, ""):
            row.pop()
        out.append(["" if v is None else v for v in row])
    while out and not out[-1]:
        out.pop()
    return out


def _as_grid(values, where: str) -> list[list]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise invalid(f"Invalid value at '{where}': values must be a list of lists")
    return values


def _transpose(rows: list[list]) -> list[list]:
    width = max((len(r) for r in rows), default=0)
    return [[r[i] if i < len(r) else SKIP for r in rows] for i in range(width)]


# ------------------------------------------------------------------------------------------------- sheets

@dataclass
class Sheet:
    """One tab: grid size plus a ragged list of rows holding the stored cells (1-based accessors)."""

    sheet_id: int
    title: str
    index: int
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLUMNS
    cells: list[list] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # other SheetProperties, e.g. hidden, gridProperties extras

    def get(self, r: int, c: int):
        if r <= len(self.cells):
            row = self.cells[r - 1]
            if c <= len(row):
                return row[c - 1]
        return None

    def put(self, r: int, c: int, value) -> None:
        if value is None and self.get(r, c) is None:
            return
        while len(self.cells) < r:
            self.cells.append([])
        row = self.cells[r - 1]
        if len(row) < c:
            row.extend([None] * (c - len(row)))
        row[c - 1] = value

    def extent(self) -> tuple[int, int]:
        """(last row, last column) holding a value; (0, 0) for an empty tab."""
        last_row = last_col = 0
        for i, row in enumerate(self.cells, 1):
            used = [j for j, v in enumerate(row, 1) if v is not None]
            if used:
                last_row, last_col = i, max(last_col, used[-1])
        return last_row, last_col

    def resize(self, rows: int, cols: int) -> None:
        self.row_count, self.column_count = rows, cols
        del self.cells[rows:]
        for row in self.cells:
            del row[cols:]

    def insert_rows(self, before: int, count: int, data: list[list] | None = None) -> None:
        while len(self.cells) < before - 1:
            self.cells.append([])
        new = [list(r) for r in (data or [])] + [[] for _ in range(count - len(data or []))]
        self.cells[before - 1:before - 1] = new
        self.row_count += count

    def delete_rows(self, start: int, count: int) -> None:
        del self.cells[start - 1:start - 1 + count]
        self.row_count -= count

    def insert_columns(self, before: int, count: int) -> None:
        for row in self.cells:
            if len(row) >= before:
                row[before - 1:before - 1] = [None] * count
        self.column_count += count

    def delete_columns(self, start: int, count: int) -> None:
        for row in self.cells:
            del row[start - 1:start - 1 + count]
        self.column_count -= count

    def properties(self) -> dict:
        grid = {"rowCount": self.row_count, "columnCount": self.column_count}
        grid.update(self.extra.get("gridProperties", {}))
        props = {"sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID",
                 "gridProperties": grid}
        props.update({k: v for k, v in self.extra.items() if k != "gridProperties"})
        return props


class Spreadsheet:
    """One spreadsheet's tabs and every values/batchUpdate operation on them; raises `SheetsError`."""

    def __init__(self, spreadsheet_id: str, title: str = "Untitled spreadsheet", locale: str = "en_US",
                 time_zone: str = "Etc/GMT"):
        self.id, self.title, self.locale, self.time_zone = spreadsheet_id, title, locale, time_zone
        self.sheets: list[Sheet] = []

    def clone(self) -> "Spreadsheet":
        """A copy to apply a batch to, so a failing subrequest leaves the original untouched (atomicity)."""
        twin = copy.copy(self)
        twin.sheets = [copy.copy(s) for s in self.sheets]
        for s in twin.sheets:
            s.cells = [list(r) for r in s.cells]
            s.extra = copy.deepcopy(s.extra)
        return twin

    # ---- tabs
    def metadata(self) -> dict:
        return {
            "spreadsheetId": self.id,
            "properties": {"title": self.title, "locale": self.locale, "autoRecalc": "ON_CHANGE",
                           "timeZone": self.time_zone, "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
                           "spreadsheetTheme": copy.deepcopy(SPREADSHEET_THEME)},
            "sheets": [{"properties": s.properties()} for s in sorted(self.sheets, key=lambda s: s.index)],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.id}/edit",
        }

    def sheet(self, title: str) -> Sheet | None:
        for s in self.sheets:
            if s.title == title:
                return s
        return next((s for s in self.sheets if s.title.lower() == title.lower()), None)

    def sheet_by_id(self, sheet_id) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def add_sheet(self, title: str | None = None, rows: int = DEFAULT_ROWS, cols: int = DEFAULT_COLUMNS,
                  sheet_id: int | None = None, index: int | None = None) -> Sheet:
        title = title if title is not None else f"Sheet{len(self.sheets) + 1}"
        if self.sheet(title):
            raise invalid(f'A sheet with the name "{title}" already exists. Please enter another name.')
        if sheet_id is None:
            sheet_id = 0 if not self.sheets else random.randint(1, 2 ** 31 - 1)
            while self.sheet_by_id(sheet_id):
                sheet_id = random.randint(1, 2 ** 31 - 1)
        elif self.sheet_by_id(sheet_id):
            raise invalid(f"Sheet with id {sheet_id} already exists.")
        self._check_size(rows, cols, extra=rows * cols)
        index = len(self.sheets) if index is None else max(0, min(index, len(self.sheets)))
        for s in self.sheets:
            if s.index >= index:
                s.index += 1
        sheet = Sheet(sheet_id, title, index, rows, cols)
        self.sheets.append(sheet)
        return sheet

    def _check_size(self, rows: int, cols: int, extra: int = 0, replacing: Sheet | None = None) -> None:
        if rows < 1 or cols < 1:
            raise invalid("Grid must have at least one row and one column.")
        if cols > MAX_COLUMNS:
            raise invalid(f"This action would increase the number of columns in the sheet above the limit "
                          f"of {MAX_COLUMNS}.")
        total = sum(s.row_count * s.column_count for s in self.sheets if s is not replacing) + extra
        if replacing is not None:
            total += rows * cols
        if total > MAX_CELLS:
            raise invalid(f"This action would increase the number of cells in the workbook above the limit "
                          f"of {MAX_CELLS} cells.")

    # ---- ranges
    def resolve(self, text: str) -> GridRange:
        """Parse a range and bind it to the grid; open ends become the grid edge, explicit cells must fit."""
        try:
            title, a1 = split_range(text)
        except ValueError:
            raise invalid(f"Unable to parse range: {text}") from None
        if title is None:
            visible = [s for s in sorted(self.sheets, key=lambda s: s.index) if not s.extra.get("hidden")]
            sheet = (visible or sorted(self.sheets, key=lambda s: s.index))[0]
        else:
            sheet = self.sheet(title)
        if sheet is None:
            raise invalid(f"Unable to parse range: {text}")
        if a1 is None:
            return GridRange(sheet, 1, 1, sheet.row_count, sheet.column_count)
        ref = parse_a1(a1)
        if ref is None:
            raise invalid(f"Unable to parse range: {text}")
        explicit_rows = [r for r in (ref.r1, ref.r2) if r is not None]
        explicit_cols = [c for c in (ref.c1, ref.c2) if c is not None]
        if any(r > sheet.row_count for r in explicit_rows) or any(c > sheet.column_count for c in explicit_cols):
            raise invalid(f"Range ({echo_title(sheet.title)}!{a1.upper()}) exceeds grid limits. "
                          f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}")
        r1, r2 = ref.r1 or 1, ref.r2 or sheet.row_count
        c1, c2 = ref.c1 or 1, ref.c2 or sheet.column_count
        return GridRange(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    # ---- reading
    def read(self, text: str, value_render=None, dt_render=None, major=None) -> dict:
        vr = enum_option(value_render, VALUE_RENDER, "FORMATTED_VALUE", "value_render_option", "ValueRenderOption")
        dr = enum_option(dt_render, DATETIME_RENDER, "SERIAL_NUMBER", "date_time_render_option",
                         "DateTimeRenderOption")
        md = enum_option(major, DIMENSIONS + ("DIMENSION_UNSPECIFIED",), "ROWS", "major_dimension", "Dimension")
        md = "ROWS" if md == "DIMENSION_UNSPECIFIED" else md
        return self.value_range(self.resolve(text), vr, dr, md)

    def value_range(self, rng: GridRange, vr="FORMATTED_VALUE", dr="SERIAL_NUMBER", md="ROWS") -> dict:
        sheet = rng.sheet
        last_row = min(rng.r2, len(sheet.cells))
        rows = [[self.render(sheet, r, c, vr, dr) for c in range(rng.c1, rng.c2 + 1)]
                for r in range(rng.r1, last_row + 1)]
        if md == "COLUMNS":
            width = rng.c2 - rng.c1 + 1
            rows = [[row[i] for row in rows] for i in range(width)]
        body = {"range": rng.echo(), "majorDimension": md}
        values = trim(rows)
        if values:
            body["values"] = values
        return body

    def render(self, sheet: Sheet, r: int, c: int, vr: str, dr: str, depth: int = 0):
        cell = sheet.get(r, c)
        if isinstance(cell, Formula):
            if vr == "FORMULA":
                return cell.text
            cell = _FormulaEval(self, sheet, depth).run(cell.text)
        return render_scalar(cell, vr, dr)

    # ---- writing
    def write(self, text: str, values, option: str, major=None, *, grow: bool = False,
              anchor_only: bool = False) -> tuple[GridRange, dict]:
        """Write `values` at the range's top-left; a bounded range must hold them, the grid must too
        (unless `grow`, used by append and by test-side edits). Returns (written rectangle, counts)."""
        option = enum_option(option, VALUE_INPUT, "", "value_input_option", "ValueInputOption")
        if not option:
            raise invalid("'valueInputOption' is required but not specified")
        md = enum_option(major, DIMENSIONS + ("DIMENSION_UNSPECIFIED",), "ROWS", "major_dimension", "Dimension")
        rows = _as_grid(values, "data.values")
        if md == "COLUMNS":
            rows = _transpose(rows)
        rng = self.resolve(text)
        return self.write_at(rng, rows, option, grow=grow, bounded=not anchor_only and self._is_bounded(text))

    @staticmethod
    def _is_bounded(text: str) -> bool:
        """Only an explicit `A1:B2` limits how far a write may extend; `'Tab'` or `A1` are anchors."""
        try:
            _, a1 = split_range(text)
        except ValueError:
            return False
        return bool(a1 and ":" in a1)

    def write_at(self, rng: GridRange, rows: list[list], option: str, *, grow: bool = False,
                 bounded: bool = False) -> tuple[GridRange, dict]:
        sheet = rng.sheet
        height, width = len(rows), max((len(r) for r in rows), default=0)
        cells = [[input_cell(v, option, f"[{i}][{j}]") for j, v in enumerate(row)] for i, row in enumerate(rows)]
        if height == 0 or width == 0:
            return GridRange(sheet, rng.r1, rng.c1, rng.r1, rng.c1), {}
        last_r, last_c = rng.r1 + height - 1, rng.c1 + width - 1
        if bounded and last_r > rng.r2:
            raise invalid(f"Requested writing within range [{rng.echo()}], but tried writing to row [{last_r}]")
        if bounded and last_c > rng.c2:
            raise invalid(f"Requested writing within range [{rng.echo()}], but tried writing to column "
                          f"[{col_letters(last_c)}]")
        if last_r > sheet.row_count or last_c > sheet.column_count:
            if not grow:
                raise invalid(f"Range ({GridRange(sheet, rng.r1, rng.c1, last_r, last_c).echo()}) exceeds grid "
                              f"limits. Max rows: {sheet.row_count}, max columns: {sheet.column_count}")
            rows_needed, cols_needed = max(sheet.row_count, last_r), max(sheet.column_count, last_c)
            self._check_size(rows_needed, cols_needed, replacing=sheet)
            sheet.row_count, sheet.column_count = rows_needed, cols_needed
        touched_rows, touched_cols, count = set(), set(), 0
        for i, row in enumerate(cells):
            for j, cell in enumerate(row):
                if cell is SKIP:
                    continue
                sheet.put(rng.r1 + i, rng.c1 + j, cell)
                touched_rows.add(rng.r1 + i)
                touched_cols.add(rng.c1 + j)
                count += 1
        written = GridRange(sheet, rng.r1, rng.c1, last_r, last_c)
        return written, {"rows": touched_rows, "cols": touched_cols, "cells": count}

    def update_response(self, written: GridRange, counts: dict, include_values: bool = False,
                        vr=None, dr=None) -> dict:
        body = {"spreadsheetId": self.id, "updatedRange": written.echo()}
        for key, name in (("rows", "updatedRows"), ("cols", "updatedColumns")):
            if counts.get(key):
                body[name] = len(counts[key])
        if counts.get("cells"):
            body["updatedCells"] = counts["cells"]
        if include_values:
            vr = enum_option(vr, VALUE_RENDER, "FORMATTED_VALUE", "response_value_render_option",
                             "ValueRenderOption")
            dr = enum_option(dr, DATETIME_RENDER, "SERIAL_NUMBER", "response_date_time_render_option",
                             "DateTimeRenderOption")
            body["updatedData"] = self.value_range(written, vr, dr)
        return body

    def update(self, text: str, body: dict, option, include_values=False, vr=None, dr=None) -> dict:
        written, counts = self.write(text, body.get("values"), option, body.get("majorDimension"))
        return self.update_response(written, counts, include_values, vr, dr)

    def batch_update_values(self, body: dict) -> dict:
        """values:batchUpdate; call on a clone, since a bad entry must leave everything unchanged."""
        option = body.get("valueInputOption")
        include = parse_bool(body.get("includeValuesInResponse"))
        responses, rows, cols, sheets, cells = [], set(), set(), set(), 0
        for i, item in enumerate(body.get("data") or []):
            if not isinstance(item, dict) or "range" not in item:
                raise invalid(f"Invalid data[{i}]: range is required")
            written, counts = self.write(item["range"], item.get("values"), option, item.get("majorDimension"))
            responses.append(self.update_response(written, counts, include, body.get("responseValueRenderOption"),
                                                  body.get("responseDateTimeRenderOption")))
            sid = written.sheet.sheet_id
            if counts.get("cells"):
                sheets.add(sid)
                rows |= {(sid, r) for r in counts["rows"]}
                cols |= {(sid, c) for c in counts["cols"]}
                cells += counts["cells"]
        if option is None and not responses:
            raise invalid("'valueInputOption' is required but not specified")
        out = {"spreadsheetId": self.id}
        for name, n in (("totalUpdatedRows", len(rows)), ("totalUpdatedColumns", len(cols)),
                        ("totalUpdatedCells", cells), ("totalUpdatedSheets", len(sheets))):
            if n:
                out[name] = n
        if responses:
            out["responses"] = responses
        return out

    def append(self, text: str, body: dict, option, insert_data_option=None, include_values=False,
               vr=None, dr=None) -> dict:
        """values:append: find the table in the range, write below its last row from its first column."""
        insert = enum_option(insert_data_option, ("OVERWRITE", "INSERT_ROWS"), "OVERWRITE",
                             "insert_data_option", "InsertDataOption")
        option = enum_option(option, VALUE_INPUT, "", "value_input_option", "ValueInputOption")
        if not option:
            raise invalid("'valueInputOption' is required but not specified")
        rng = self.resolve(text)
        sheet = rng.sheet
        table = self._find_table(rng)
        start_row, start_col = (table.r2 + 1, table.c1) if table else (rng.r1, rng.c1)
        rows = _as_grid(body.get("values"), "data.values")
        if body.get("majorDimension") == "COLUMNS":
            rows = _transpose(rows)
        if insert == "INSERT_ROWS" and rows and start_row <= sheet.row_count:
            self._check_size(sheet.row_count + len(rows), sheet.column_count, replacing=sheet)
            sheet.insert_rows(start_row, len(rows))
        target = GridRange(sheet, start_row, start_col, start_row, start_col)
        written, counts = self.write_at(target, rows, option, grow=True)
        out = {"spreadsheetId": self.id}
        if table:
            out["tableRange"] = table.echo()
        out["updates"] = self.update_response(written, counts, parse_bool(include_values), vr, dr)
        return out

    @staticmethod
    def _find_table(rng: GridRange) -> GridRange | None:
        """The "logical table" append writes below: from the first used row in the range down through
        consecutive used rows (it may run past the range's last row; a blank row ends it)."""
        sheet = rng.sheet

        def used(r: int) -> list[int]:
            return [c for c in range(rng.c1, rng.c2 + 1) if sheet.get(r, c) is not None]

        top = next((r for r in range(rng.r1, min(rng.r2, len(sheet.cells)) + 1) if used(r)), None)
        if top is None:
            return None
        bottom = top
        while bottom < len(sheet.cells) and used(bottom + 1):
            bottom += 1
        cols = [c for r in range(top, bottom + 1) for c in used(r)]
        return GridRange(sheet, top, min(cols), bottom, max(cols))

    def clear(self, text: str) -> str:
        rng = self.resolve(text)
        for r in range(rng.r1, min(rng.r2, len(rng.sheet.cells)) + 1):
            for c in range(rng.c1, rng.c2 + 1):
                rng.sheet.put(r, c, None)
        return rng.echo()

    # ---- spreadsheets:batchUpdate
    def apply_requests(self, requests: list) -> dict:
        """spreadsheets:batchUpdate; call on a clone (all-or-nothing). Unknown request kinds are a 400."""
        if not requests:
            raise invalid("Must specify at least one request.")
        replies = []
        for i, req in enumerate(requests):
            if not isinstance(req, dict) or len(req) != 1:
                raise invalid(f"Invalid requests[{i}]: exactly one request kind must be set")
            (kind, args), = req.items()
            handler = getattr(self, f"_req_{kind}", None)
            if handler is None:
                raise invalid(f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                              f"Cannot find field.")
            try:
                replies.append(handler(args or {}))
            except SheetsError as exc:
                raise invalid(f"Invalid requests[{i}].{kind}: {exc.message}") from None
        return {"spreadsheetId": self.id, "replies": replies}

    def _grid_sheet(self, sheet_id) -> Sheet:
        sheet = self.sheet_by_id(sheet_id or 0)
        if sheet is None:
            raise invalid(f"No grid with id: {sheet_id}")
        return sheet

    def _req_updateSheetProperties(self, args: dict) -> dict:
        props, fields = args.get("properties") or {}, args.get("fields") or ""
        sheet = self._grid_sheet(props.get("sheetId"))
        paths = [p.strip().replace("/", ".") for p in fields.split(",") if p.strip()]
        if "*" in paths:
            paths = [k for k in props if k != "sheetId"]
        grid = props.get("gridProperties") or {}
        rows, cols = sheet.row_count, sheet.column_count
        for path in paths:
            head, _, tail = path.partition(".")
            if head == "title":
                title = props.get("title") or ""
                clash = self.sheet(title)
                if not title or (clash and clash is not sheet):
                    raise invalid(f'A sheet with the name "{title}" already exists. Please enter another name.')
                sheet.title = title
            elif head == "index":
                self._move(sheet, int(props.get("index") or 0))
            elif head == "gridProperties":
                keys = [tail] if tail else list(grid)
                for key in keys:
                    if key == "rowCount":
                        rows = int(grid.get("rowCount") or 0)
                    elif key == "columnCount":
                        cols = int(grid.get("columnCount") or 0)
                    elif key in grid:
                        sheet.extra.setdefault("gridProperties", {})[key] = grid[key]
                    else:
                        sheet.extra.get("gridProperties", {}).pop(key, None)
            elif head == "sheetType" or head == "sheetId":
                continue
            elif head == "hidden":
                if not props.get("hidden"):
                    sheet.extra.pop("hidden", None)
                elif all(s.extra.get("hidden") or s is sheet for s in self.sheets):
                    raise invalid("You can't hide all the sheets in a document.")
                else:
                    sheet.extra["hidden"] = True
            elif head in props:
                sheet.extra[head] = copy.deepcopy(props[head])
            else:
                sheet.extra.pop(head, None)
        if (rows, cols) != (sheet.row_count, sheet.column_count):
            self._check_size(rows, cols, replacing=sheet)
            sheet.resize(rows, cols)
        return {}

    def _move(self, sheet: Sheet, index: int) -> None:
        order = sorted((s for s in self.sheets if s is not sheet), key=lambda s: s.index)
        order.insert(max(0, min(index, len(order))), sheet)
        for i, s in enumerate(order):
            s.index = i

    def _req_addSheet(self, args: dict) -> dict:
        props = args.get("properties") or {}
        grid = props.get("gridProperties") or {}
        sheet = self.add_sheet(props.get("title"), int(grid.get("rowCount") or DEFAULT_ROWS),
                               int(grid.get("columnCount") or DEFAULT_COLUMNS), props.get("sheetId"),
                               props.get("index"))
        for key in ("hidden", "tabColorStyle", "rightToLeft"):
            if key in props:
                sheet.extra[key] = props[key]
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_deleteSheet(self, args: dict) -> dict:
        sheet = self._grid_sheet(args.get("sheetId"))
        if len(self.sheets) == 1:
            raise invalid("You can't remove all the sheets in a document.")
        self.sheets.remove(sheet)
        self._move(self.sheets[0], self.sheets[0].index)  # renumber indexes 0..n-1
        return {}

    def _dimension(self, args: dict) -> tuple[Sheet, str, int, int]:
        rng = args.get("range") or {}
        sheet = self._grid_sheet(rng.get("sheetId"))
        dim = rng.get("dimension")
        if dim not in DIMENSIONS:
            raise invalid("range.dimension must be ROWS or COLUMNS")
        start, end = int(rng.get("startIndex") or 0), rng.get("endIndex")
        end = int(end) if end is not None else (sheet.row_count if dim == "ROWS" else sheet.column_count)
        if end <= start or start < 0:
            raise invalid("range.endIndex must be greater than range.startIndex")
        return sheet, dim, start, end

    def _req_insertDimension(self, args: dict) -> dict:
        sheet, dim, start, end = self._dimension(args)
        limit = sheet.row_count if dim == "ROWS" else sheet.column_count
        if start > limit:
            raise invalid(f"range.startIndex must be less than or equal to the grid's size ({limit})")
        n = end - start
        if dim == "ROWS":
            self._check_size(sheet.row_count + n, sheet.column_count, replacing=sheet)
            sheet.insert_rows(start + 1, n)
        else:
            self._check_size(sheet.row_count, sheet.column_count + n, replacing=sheet)
            sheet.insert_columns(start + 1, n)
        return {}

    def _req_appendDimension(self, args: dict) -> dict:
        sheet = self._grid_sheet(args.get("sheetId"))
        n = int(args.get("length") or 0)
        rows = sheet.row_count + (n if args.get("dimension") == "ROWS" else 0)
        cols = sheet.column_count + (n if args.get("dimension") == "COLUMNS" else 0)
        self._check_size(rows, cols, replacing=sheet)
        sheet.row_count, sheet.column_count = rows, cols
        return {}

    def _req_deleteDimension(self, args: dict) -> dict:
        sheet, dim, start, end = self._dimension(args)
        limit = sheet.row_count if dim == "ROWS" else sheet.column_count
        end = min(end, limit)
        if start == 0 and end >= limit:
            what = "rows" if dim == "ROWS" else "columns"
            raise invalid(f"You can't delete all the {what} on the sheet.")
        if dim == "ROWS":
            sheet.delete_rows(start + 1, end - start)
        else:
            sheet.delete_columns(start + 1, end - start)
        return {}

    def _req_sortRange(self, args: dict) -> dict:
        rng = args.get("range") or {}
        sheet = self._grid_sheet(rng.get("sheetId"))
        specs = args.get("sortSpecs") or [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}]
        r1 = int(rng.get("startRowIndex") or 0) + 1
        r2 = int(rng.get("endRowIndex") or sheet.row_count)
        c1 = int(rng.get("startColumnIndex") or 0) + 1
        c2 = int(rng.get("endColumnIndex") or sheet.column_count)
        for spec in reversed(specs):
            self.sort(sheet, int(spec.get("dimensionIndex") or 0) + 1, r1, r2,
                      spec.get("sortOrder") == "DESCENDING", (c1, c2))
        return {}

    def sort(self, sheet: Sheet, column: int, start_row: int, end_row: int | None = None,
             reverse: bool = False, columns: tuple[int, int] | None = None) -> None:
        """Sort rows like the UI does: numbers before text (case-insensitive) before booleans, blanks last."""
        end_row = min(end_row or sheet.row_count, len(sheet.cells))
        if end_row < start_row:
            return
        c1, c2 = columns or (1, sheet.column_count)
        block = [[sheet.get(r, c) for c in range(c1, c2 + 1)] for r in range(start_row, end_row + 1)]
        values = {id(row): self.render(sheet, r, column, "UNFORMATTED_VALUE", "SERIAL_NUMBER")
                  for r, row in zip(range(start_row, end_row + 1), block)}

        def key(row):
            v = values[id(row)]
            if isinstance(v, bool):
                return (2, int(v))
            if isinstance(v, (int, float)):
                return (0, v)
            return (1, str(v).lower())

        filled = [row for row in block if values[id(row)] not in (None, "")]
        blanks = [row for row in block if values[id(row)] in (None, "")]
        ordered = sorted(filled, key=key, reverse=reverse) + blanks
        for r, row in zip(range(start_row, end_row + 1), ordered):
            for c, cell in zip(range(c1, c2 + 1), row):
                sheet.put(r, c, cell)


# ----------------------------------------------------------------------------------------------- formulas

class _FormulaError(Exception):
    pass


_TOKEN = re.compile(r"""\s*(?:
    (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)
        (?![A-Za-z0-9_(])
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&(),=<>])
)""", re.X)

_MAX_DEPTH = 50


def _num(v) -> float:
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return v
    try:
        return float(str(v).strip())
    except ValueError:
        raise _FormulaError("#VALUE!") from None


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return format_number(v)
    return str(v)


def _flat(args) -> list:
    out = []
    for a in args:
        out.extend(a if isinstance(a, list) else [a])
    return out


def _numbers(args) -> list:
    """Range arguments contribute only their numbers; direct arguments are coerced."""
    out = []
    for a in args:
        if isinstance(a, list):
            out.extend(v for v in a if isinstance(v, (int, float)) and not isinstance(v, bool))
        else:
            out.append(_num(a))
    return out


def _average(args):
    nums = _numbers(args)
    if not nums:
        raise _FormulaError("#DIV/0!")
    return sum(nums) / len(nums)


_AGGREGATES = {"SUM", "MIN", "MAX", "AVERAGE", "COUNT", "CONCATENATE"}  # take ranges; the rest take scalars
_FUNCTIONS = {
    "SUM": lambda a: sum(_numbers(a)),
    "MIN": lambda a: min(_numbers(a), default=0),
    "MAX": lambda a: max(_numbers(a), default=0),
    "AVERAGE": _average,
    "COUNT": lambda a: sum(1 for v in _flat(a) if isinstance(v, (int, float)) and not isinstance(v, bool)),
    "ABS": lambda a: abs(_num(a[0])),
    "ROUND": lambda a: round(_num(a[0]), int(_num(a[1])) if len(a) > 1 else 0),
    "CONCATENATE": lambda a: "".join(_text(v) for v in _flat(a)),
    "LEN": lambda a: len(_text(a[0])),
    "UPPER": lambda a: _text(a[0]).upper(),
    "LOWER": lambda a: _text(a[0]).lower(),
    "IF": lambda a: (a[1] if len(a) > 1 else True) if _num(a[0]) else (a[2] if len(a) > 2 else False),
}


class _FormulaEval:
    """A deliberately small evaluator: arithmetic, `&`, comparisons, cell/range references and a handful
    of functions. Anything else yields `#NAME?`, as Google does for a function it does not know."""

    def __init__(self, book: Spreadsheet, sheet: Sheet, depth: int):
        self.book, self.sheet, self.depth = book, sheet, depth

    def run(self, text: str):
        if self.depth > _MAX_DEPTH:
            return "#REF!"
        try:
            self.tokens = self._tokenize(text[1:])
            self.pos = 0
            value = self._compare()
            if self.pos != len(self.tokens):
                raise _FormulaError("#ERROR!")
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, float) and value != value:
                raise _FormulaError("#NUM!")
            return _number(value) if isinstance(value, float) else value
        except _FormulaError as exc:
            return str(exc)
        except (ZeroDivisionError,):
            return "#DIV/0!"
        except (IndexError, TypeError, OverflowError, ValueError):
            return "#ERROR!"

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, pos = [], 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise _FormulaError("#ERROR!")
            kind = m.lastgroup
            tokens.append((kind, m.group(kind)))
            pos = m.end()
        return tokens

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def _take(self, value=None):
        tok = self._peek()
        if value is not None and tok[1] != value:
            raise _FormulaError("#ERROR!")
        self.pos += 1
        return tok

    def _binary(self, ops, sub, fn):
        left = sub()
        while self._peek()[0] == "op" and self._peek()[1] in ops:
            op = self._take()[1]
            left = fn(op, self._scalar(left), self._scalar(sub()))
        return left

    def _compare(self):
        def cmp(op, a, b):
            a, b = (a, b) if isinstance(a, str) or isinstance(b, str) else (_num(a), _num(b))
            if isinstance(a, str) or isinstance(b, str):
                a, b = _text(a).lower(), _text(b).lower()
            return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return self._binary(("=", "<>", "<", ">", "<=", ">="), self._concat, cmp)

    def _concat(self):
        return self._binary(("&",), self._additive, lambda op, a, b: _text(a) + _text(b))

    def _additive(self):
        return self._binary(("+", "-"), self._term,
                            lambda op, a, b: _num(a) + _num(b) if op == "+" else _num(a) - _num(b))

    def _term(self):
        def mul(op, a, b):
            if op == "*":
                return _num(a) * _num(b)
            if _num(b) == 0:
                raise _FormulaError("#DIV/0!")
            return _num(a) / _num(b)
        return self._binary(("*", "/"), self._power, mul)

    def _power(self):
        return self._binary(("^",), self._unary, lambda op, a, b: _num(a) ** _num(b))

    def _unary(self):
        kind, value = self._peek()
        if kind == "op" and value in ("+", "-"):
            self._take()
            operand = _num(self._scalar(self._unary()))
            return -operand if value == "-" else operand
        return self._primary()

    @staticmethod
    def _scalar(v):
        return (v[0] if v else None) if isinstance(v, list) else v

    def _primary(self):
        kind, value = self._take()
        if kind == "num":
            return float(value)
        if kind == "str":
            return value[1:-1].replace('""', '"')
        if kind == "ref":
            return self._ref(value)
        if kind == "op" and value == "(":
            inner = self._compare()
            self._take(")")
            return inner
        if kind == "name":
            upper = value.upper()
            if self._peek()[1] == "(":
                self._take("(")
                args = []
                if self._peek()[1] != ")":
                    args.append(self._compare())
                    while self._peek()[1] == ",":
                        self._take(",")
                        args.append(self._compare())
                self._take(")")
                fn = _FUNCTIONS.get(upper)
                if fn is None:
                    raise _FormulaError("#NAME?")
                return fn(args if upper in _AGGREGATES else [self._scalar(a) for a in args])
            if upper in ("TRUE", "FALSE"):
                return upper == "TRUE"
            raise _FormulaError("#NAME?")
        raise _FormulaError("#ERROR!")

    def _ref(self, text: str):
        sheet = self.sheet
        if "!" in text:
            title, text = split_range(text)
            sheet = self.book.sheet(title)
            if sheet is None:
                raise _FormulaError("#REF!")
        ref = parse_a1(text.replace("$", ""))
        values = []
        for r in range(min(ref.r1, ref.r2), max(ref.r1, ref.r2) + 1):
            for c in range(min(ref.c1, ref.c2), max(ref.c1, ref.c2) + 1):
                if r > sheet.row_count or c > sheet.column_count:
                    raise _FormulaError("#REF!")
                v = self.book.render(sheet, r, c, "UNFORMATTED_VALUE", "SERIAL_NUMBER", self.depth + 1)
                if v == "#REF!" and isinstance(sheet.get(r, c), Formula):
                    raise _FormulaError("#REF!")
                values.append(v)
        return values  # a list even for one cell: SUM(A1) ignores text in A1, A1+1 coerces it
