"""The spreadsheet interface the rest of the code uses, and the pure helpers both backends share.

Everything is text: a cell reads as the string a person sees (`00123` stays `00123`), and every write is
stored as-is (RAW), so nothing written by the app can turn into a formula or a number.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class CellUpdate:
    """One cell to write: 1-based sheet row and column, and its new text."""

    row: int
    col: int
    value: str

    def __post_init__(self) -> None:
        if self.row < 1:
            raise ValueError(f"row: must be 1 or more, got {self.row}")
        if self.col < 1:
            raise ValueError(f"col: must be 1 or more, got {self.col}")
        if not isinstance(self.value, str):
            raise ValueError(f"value: must be text, got {type(self.value).__name__}")


class Worksheet(ABC):
    """One tab of a spreadsheet."""

    title: str

    @abstractmethod
    def read_all(self) -> list[list[str]]:
        """The whole tab as text in one call: row 1 first, rows padded to the widest row."""

    @abstractmethod
    def write_cells(self, updates: Sequence[CellUpdate]) -> int:
        """Write many cells in one call (RAW); return the number of cells written."""

    def add_columns(self, names: Sequence[str]) -> list[str]:
        """Append the header names missing from row 1 at the far right; return those added.

        Existing columns never move, so formulas that refer to them survive.
        """
        rows = self.read_all()
        header = [cell.strip() for cell in rows[0]] if rows else []
        missing = [name for name in dict.fromkeys(names) if name not in header]
        if not missing:
            return []
        last_used = max((i + 1 for i, cell in enumerate(header) if cell), default=0)
        self._ensure_width(last_used + len(missing))
        self.write_cells([CellUpdate(1, last_used + 1 + i, name) for i, name in enumerate(missing)])
        return missing

    def _ensure_width(self, columns: int) -> None:
        """Grow the grid to at least `columns` columns (Google grids have a fixed size)."""


class Sheet(ABC):
    """A spreadsheet: a set of named worksheets."""

    label: str

    @abstractmethod
    def worksheet_titles(self) -> list[str]:
        """Titles of all tabs, in order."""

    @abstractmethod
    def worksheet(self, title: str) -> Worksheet:
        """The tab called `title`; `WorksheetNotFound` names the tabs that do exist."""


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA (A1 notation)."""
    if col < 1:
        raise ValueError(f"col: must be 1 or more, got {col}")
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def group_updates(updates: Iterable[CellUpdate]) -> list[tuple[int, int, list[str]]]:
    """Merge cells into runs of adjacent columns per row: (row, first column, values).

    The last update of a cell wins. Fewer, wider ranges keep the one batch request small.
    """
    cells: dict[tuple[int, int], str] = {}
    for update in updates:
        cells[(update.row, update.col)] = update.value
    runs: list[tuple[int, int, list[str]]] = []
    for row, col in sorted(cells):
        value = cells[(row, col)]
        if runs and runs[-1][0] == row and runs[-1][1] + len(runs[-1][2]) == col:
            runs[-1][2].append(value)
        else:
            runs.append((row, col, [value]))
    return runs


def pad_rows(rows: list[list[str]]) -> list[list[str]]:
    """Drop trailing empty rows and pad ragged rows to one width, like gspread's get_all_values."""
    while rows and not any(cell != "" for cell in rows[-1]):
        rows.pop()
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]
