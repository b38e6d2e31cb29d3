"""The shape of `inv_tbl`: its columns, header validation and rows as text records. Pure, no I/O except
`read_table`, which reads a worksheet through the `Worksheet` interface once.

Columns are found by header name, never by position, and extra columns survive untouched; the dashboards and
the QuickBooks sync share this one reading of the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from spreadsheet.base import Worksheet, column_letter
from tracker.errors import HeaderError

__all__ = [
    "INV_TBL", "WORKSHEET_NAMES", "SOURCE_HEADERS", "QB_HEADERS", "QB_INVOICE_HEADERS", "QB_BILL_HEADERS",
    "EXPECTED_HEADERS", "HeaderMap", "Table", "validate_headers", "rows_to_records", "inv_tbl_records", "read_table",
    "cell_text",
]

INV_TBL = "inv_tbl"
WORKSHEET_NAMES: dict[int, str] = {1: INV_TBL}

# The columns people maintain. They are required: without them the dashboards and the sync cannot work.
SOURCE_HEADERS: tuple[str, ...] = (
    "invoice", "inv_link", "status", "inv_from", "to_client", "end_client", "task_descr", "job_name",
    "inv_dollars", "owed2ACD", "owed2workers", "submitted_date", "Inv_paid_date", "job_start", "job_end",
    "notes", "thread",
)
# Written by the sync only; its `migrate` step appends the missing ones, so validation must not demand them.
QB_INVOICE_HEADERS: tuple[str, ...] = ("qb_invoice_id", "qb_invoice_url", "qb_sync_status", "qb_synced_at", "qb_error",
                                       "qb_balance", "qb_paid_date")
QB_BILL_HEADERS: tuple[str, ...] = ("qb_bill_id", "qb_bill_url", "qb_bill_status", "qb_bill_error",  # dual mode
                                    "qb_bill_balance", "qb_bill_paid_date")
QB_HEADERS: tuple[str, ...] = (*QB_INVOICE_HEADERS, *QB_BILL_HEADERS)
# Keyed by worksheet index, as the existing code does; `inv_tbl` is worksheet 1.
EXPECTED_HEADERS: dict[int, list[str]] = {1: [*SOURCE_HEADERS, *QB_HEADERS]}

# --------------------------------------------------------------------------------------------------- headers

def cell_text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class HeaderMap:
    """Where each named column sits in a worksheet, so code reads cells by name and survives reordering.

    ``names`` lists every non-blank header in sheet order, extras included.
    """

    worksheet: str
    columns: tuple[tuple[str, int], ...]
    width: int = 0
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", dict(self.columns))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def index(self, name: str) -> int:
        """0-based column of ``name``; ``KeyError`` when the sheet has no such column."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"worksheet '{self.worksheet}' has no column '{name}'") from None

    def get(self, row: Sequence[Any], name: str, default: str = "") -> str:
        """The cell of ``row`` under ``name``; ``default`` when the row is short or the column is absent.

        Sheets APIs drop trailing empty cells, and the qb_* columns may not exist yet, so neither is an error.
        """
        col = self._index.get(name)
        if col is None or col >= len(row) or row[col] is None:
            return default
        return cell_text(row[col])

    def missing(self, names: Iterable[str]) -> list[str]:
        """Those of ``names`` that the sheet lacks, in the order given."""
        return [name for name in names if name not in self._index]


def validate_headers(
    worksheet: str,
    header_row: Sequence[Any],
    required: Iterable[str],
    data_rows: Sequence[Sequence[Any]] | None = None,
) -> HeaderMap:
    """Check row 1 and map header names to columns; raise one ``HeaderError`` naming every problem.

    Names are compared after stripping spaces, otherwise exactly (``Inv_paid_date`` is spelled that way).
    A blank header is a problem only when ``data_rows`` hold something in that column: data nobody can name
    would be lost. Unknown columns are kept.
    """
    names = [cell_text(cell).strip() for cell in header_row]
    columns: list[tuple[str, int]] = []
    seen: set[str] = set()
    duplicate: list[str] = []
    for col, name in enumerate(names):
        if not name:
            continue
        if name in seen:
            if name not in duplicate:
                duplicate.append(name)
            continue
        seen.add(name)
        columns.append((name, col))

    missing = [name.strip() for name in required if name.strip() not in seen]

    unnamed_with_data: set[int] = set()
    unnamed = [col for col, name in enumerate(names) if not name]
    for row in data_rows or ():   # only the columns without a name are looked at (usually none)
        for col in (*unnamed, *range(len(names), len(row))):
            if col < len(row) and _text(row[col]).strip():
                unnamed_with_data.add(col)
    blank_columns = [column_letter(col + 1) for col in sorted(unnamed_with_data)]

    if missing or duplicate or blank_columns:
        raise HeaderError(worksheet, missing=missing, duplicate=duplicate, blank_columns=blank_columns)
    return HeaderMap(worksheet, tuple(columns), width=len(names))


def rows_to_records(
    header_map: HeaderMap, rows: Iterable[Sequence[Any]], first_row: int = 2
) -> list[dict[str, Any]]:
    """Turn data rows into dicts keyed by header (extras too), skipping rows that are entirely blank.

    Each record carries ``"_row"``, its 1-based sheet row (the header is row 1), so a write-back or an
    error message can point at the right row even after blank rows were skipped.
    """
    columns = header_map.columns
    records = []
    for offset, row in enumerate(rows):
        if not any(_text(cell).strip() for cell in row):
            continue
        width = len(row)
        record: dict[str, Any] = {name: _text(row[col]) if col < width else "" for name, col in columns}
        record["_row"] = first_row + offset
        records.append(record)
    return records


def _text(cell: Any) -> str:
    """`cell_text`, with the common case (already text, as both backends return cells) first."""
    return cell if cell.__class__ is str else ("" if cell is None else cell_text(cell))


def inv_tbl_records(values: Sequence[Sequence[Any]]) -> tuple[HeaderMap, list[dict[str, Any]]]:
    """Validate an ``inv_tbl`` read in one call (header row first) and return its map and records."""
    if not values:
        raise HeaderError(INV_TBL, missing=list(SOURCE_HEADERS))
    header_map = validate_headers(INV_TBL, values[0], SOURCE_HEADERS, values[1:])
    return header_map, rows_to_records(header_map, values[1:])


@dataclass(frozen=True)
class Table:
    """One worksheet read in one call: the raw rows (header first), the header map and the non-blank records."""

    worksheet: str
    headers: HeaderMap
    records: list[dict[str, str]]
    rows: list[list[str]] = field(default_factory=list, repr=False)


def read_table(worksheet: Worksheet, required: Iterable[str] = SOURCE_HEADERS) -> Table:
    """Read a worksheet once and validate its header row (missing, duplicate, blank headers)."""
    rows = worksheet.read_all()
    header_row, data_rows = (rows[0], rows[1:]) if rows else ([], [])
    headers = validate_headers(worksheet.title, header_row, list(required), data_rows)
    return Table(worksheet.title, headers, rows_to_records(headers, data_rows), rows)
