"""The embedded default: a local `.xlsx` workbook, one worksheet per table.

Reads use python-calamine (a Rust reader, about 10x faster than openpyxl: 0.15 s instead of 1.6 s of CPU
for a 10,000-row sheet); writes use openpyxl. Writes are serialized by a file lock and atomic (a temp file
in the same folder, fsync, then rename), so two writers or a crash mid-save never leave a corrupt or
half-written workbook. Cells are stored as text.

A write changes only the cells it means to change, or nothing:
- the file keeps its permission bits (the temp file gets the original's mode before the rename); a workbook
  `create` makes is 0600, readable by its owner only;
- openpyxl keeps a formula but not its cached result: after a save, `=B2*0.25` that read as 250 reads as blank
  until Excel recalculates it. openpyxl cannot write both, so a write to a workbook holding formula cells with
  a cached result is refused with a `SheetError` naming each worksheet and those cells, before anything is
  written. A workbook without formulas (or whose formulas have no cached result yet) writes as before. The
  Google backend has no such limit: Sheets recalculates on every write.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import python_calamine
from filelock import FileLock, Timeout

from tracker import failpoints
from tracker.errors import SheetError, SheetNotFound, SheetUnreadable, WorksheetNotFound
from spreadsheet.base import CellUpdate, Sheet, Worksheet, pad_rows

if TYPE_CHECKING:   # openpyxl is imported where a workbook is written: reading (calamine) never needs it
    import openpyxl

LOCK_TIMEOUT_SECONDS = 60.0
NEW_FILE_MODE = 0o600     # a workbook `create` makes: the owner's only
LISTED_CELLS = 10         # formula cells named per worksheet in the refusal


def cell_text(value: object) -> str:
    """The text a person sees for a cell typed into Excel by hand (numbers, dates, booleans)."""
    if value.__class__ is str:   # most cells: the fast path (a 50,000-row sheet has 1.5 million of them)
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def storable_text(value: str) -> str:
    """Text the xlsx format can hold: control characters it forbids become U+FFFD."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


class LocalWorkbook(Sheet):
    """A workbook file; created by `create` (e.g. with demo data) when it does not exist yet."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.label = f"local workbook {self.path}"
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_SECONDS)
        if not self.path.exists():
            raise SheetNotFound(f"The {self.label} does not exist: check LOCAL_SHEET_PATH, or delete the "
                                "setting to use the default demo workbook")

    @classmethod
    def create(cls, path: Path | str, tables: dict[str, list[list[str]]]) -> "LocalWorkbook":
        """Write a new workbook holding `tables` (title -> rows), atomically; never overwrites one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_SECONDS):
            if not path.exists():
                import openpyxl

                workbook = openpyxl.Workbook()
                workbook.remove(workbook.active)
                for title, rows in tables.items():
                    sheet = workbook.create_sheet(title)
                    for row in rows:
                        sheet.append([storable_text(value) for value in row])
                    _force_text(sheet)
                _save_atomically(workbook, path, NEW_FILE_MODE)
        return cls(path)

    def worksheet_titles(self) -> list[str]:
        return list(self._read().sheet_names)

    def worksheet(self, title: str) -> "LocalWorksheet":
        titles = self.worksheet_titles()
        if title not in titles:
            raise WorksheetNotFound(f"The {self.label} has no worksheet '{title}' (it has: {', '.join(titles)}). "
                                    f"Add a tab named '{title}' or set INV_WORKSHEET.")
        return LocalWorksheet(self, title)

    def _read(self) -> python_calamine.CalamineWorkbook:
        try:
            return python_calamine.CalamineWorkbook.from_path(str(self.path))
        except FileNotFoundError as exc:
            raise SheetNotFound(f"The {self.label} disappeared: check LOCAL_SHEET_PATH") from exc
        except (python_calamine.CalamineError, OSError, ValueError) as exc:
            raise self._unreadable(exc) from exc

    def _load(self) -> openpyxl.Workbook:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            return openpyxl.load_workbook(self.path)
        except FileNotFoundError as exc:
            raise SheetNotFound(f"The {self.label} disappeared: check LOCAL_SHEET_PATH") from exc
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise self._unreadable(exc) from exc

    def _unreadable(self, exc: Exception) -> SheetUnreadable:
        return SheetUnreadable(f"The {self.label} cannot be read as an .xlsx workbook ({type(exc).__name__}). "
                               "Restore it from a backup, or move it away to start from a fresh demo workbook.")

    def _modify(self, change: Callable[[openpyxl.Workbook], None]) -> None:
        """Load, change and save under the lock, so concurrent writers never lose each other's cells."""
        try:
            with self._lock:
                workbook = self._load()
                mode = stat.S_IMODE(self.path.stat().st_mode)
                self._refuse_to_blank_formulas(workbook)
                change(workbook)
                _save_atomically(workbook, self.path, mode)
        except Timeout as exc:
            raise SheetError(f"The {self.label} stayed locked by another writer for {LOCK_TIMEOUT_SECONDS:.0f} s; "
                             f"if no sync is running, delete {self._lock.lock_file}") from exc

    def _refuse_to_blank_formulas(self, workbook: openpyxl.Workbook) -> None:
        """Raise before a save that would blank the cached result of a formula cell (openpyxl drops them)."""
        # `_cells` holds the cells that exist; iter_rows() would add empty ones to the workbook (openpyxl 3.1).
        formulas = {sheet.title: sorted((cell for cell in sheet._cells.values() if cell.data_type == "f"),
                                        key=lambda cell: (cell.row, cell.column))
                    for sheet in workbook.worksheets}
        if not any(formulas.values()):
            return
        cached = self._read()
        blanked = {}
        for title, cells in formulas.items():
            grid = cached.get_sheet_by_name(title).to_python(skip_empty_area=False) if cells else []
            addresses = [cell.coordinate for cell in cells if _has_value(grid, cell.row, cell.column)]
            if addresses:
                blanked[title] = addresses
        if blanked:
            raise SheetError(f"The {self.label} was not changed: saving it would blank the last results of formula "
                             f"cells ({_describe_cells(blanked)}), because openpyxl keeps formulas but not their "
                             "results. Replace those formulas with their values (Paste Special > Values) or move "
                             "them to another workbook, or use the Google Sheets backend.")


class LocalWorksheet(Worksheet):
    def __init__(self, book: LocalWorkbook, title: str):
        self.book = book
        self.title = title

    def read_all(self) -> list[list[str]]:
        workbook = self.book._read()
        try:
            sheet = workbook.get_sheet_by_name(self.title)
        except python_calamine.CalamineError as exc:
            raise WorksheetNotFound(f"The {self.book.label} has no worksheet '{self.title}' any more") from exc
        # skip_empty_area=False keeps leading blank rows/columns, so row numbers match what people see.
        rows = sheet.to_python(skip_empty_area=False)
        return pad_rows([[cell_text(value) for value in row] for row in rows])

    def write_cells(self, updates: Sequence[CellUpdate]) -> int:
        updates = list(updates)
        if not updates:
            return 0

        def change(workbook: openpyxl.Workbook) -> None:
            if self.title not in workbook.sheetnames:
                raise WorksheetNotFound(f"The {self.book.label} has no worksheet '{self.title}' any more")
            sheet = workbook[self.title]
            for update in updates:
                cell = sheet.cell(row=update.row, column=update.col)
                cell.value = storable_text(update.value)
                cell.data_type = "s"  # RAW: text that starts with "=" stays text, never a formula

        self.book._modify(change)
        return len(updates)


def _force_text(sheet) -> None:
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _has_value(grid: list[list[object]], row: int, column: int) -> bool:
    """Whether calamine's cached-value grid holds something at (row, column), both 1-based."""
    return row <= len(grid) and column <= len(grid[row - 1]) and grid[row - 1][column - 1] not in ("", None)


def _describe_cells(blanked: dict[str, list[str]]) -> str:
    parts = []
    for title, addresses in blanked.items():
        more = len(addresses) - LISTED_CELLS
        listed = ", ".join(addresses[:LISTED_CELLS]) + (f" and {more} more" if more > 0 else "")
        parts.append(f"worksheet '{title}': {listed}")
    return "; ".join(parts)


def _save_atomically(workbook: openpyxl.Workbook, path: Path, mode: int) -> None:
    """Save to a temp file next to `path` with permission bits `mode`, flush it to disk, then rename over the
    old file (so a write keeps the file's mode, whatever the umask)."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            workbook.save(handle)
            handle.flush()
            os.fsync(handle.fileno())
        failpoints.hit("mid_save")  # the new file is written but not yet in place
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
