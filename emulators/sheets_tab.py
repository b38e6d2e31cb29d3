"""One tab of the Sheets emulator: its grid size and ragged cell storage, and ranges resolved against it.

Below `Spreadsheet` and its batchUpdate requests (both edit tabs through `Sheet`), so neither imports
the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emulators.sheets_a1 import col_letters, echo_title

MAX_COLUMNS = 18278  # column ZZZ
MAX_CELLS = 10_000_000  # per spreadsheet, all tabs together
DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26  # what Google gives a new tab


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

    def insert_rows(self, before: int, count: int) -> None:
        while len(self.cells) < before - 1:
            self.cells.append([])
        self.cells[before - 1:before - 1] = [[] for _ in range(count)]
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
