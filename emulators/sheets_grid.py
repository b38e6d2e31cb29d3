"""The pure half of the Sheets emulator: a spreadsheet's tabs, range resolution and the values endpoints.

No HTTP, locking or clocks live here, so every rule that decides *what Google would answer* can be read
and tested on its own; `emulators/sheets.py` wraps a `Spreadsheet` in a WSGI app. Behaviour follows
docs/reference/google-sheets-api.md (sections 2-4) and gspread's recorded cassettes. A1 parsing
is in `sheets_a1`, cell values in `sheets_values`, tab storage in `sheets_tab`, formulas in
`sheets_formula` and spreadsheets:batchUpdate in `sheets_requests`.
"""

from __future__ import annotations

import copy
import random

from emulators.sheets_a1 import col_letters, echo_title, parse_a1, split_range
from emulators.sheets_formula import _FormulaEval
from emulators.sheets_requests import BatchUpdateRequests
from emulators.sheets_tab import DEFAULT_COLUMNS, DEFAULT_ROWS, MAX_CELLS, MAX_COLUMNS, GridRange, Sheet
from emulators.sheets_values import (
    DATETIME_RENDER, DIMENSIONS, SKIP, VALUE_INPUT, VALUE_RENDER, Formula, enum_option, input_cell, invalid,
    parse_bool, render_scalar,
)

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


class Spreadsheet(BatchUpdateRequests):
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
