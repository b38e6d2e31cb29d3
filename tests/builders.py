"""Test builders shared by the whole suite: sheet rows and tables (one way to write a row, not seven), and
the pure `SheetRow` the sync's rules take. Defaults describe a good, ready money-in row; a test names only
the cells it is about."""

from __future__ import annotations

from typing import Sequence

from quickbooks.rules.mapping import SheetRow
from spreadsheet.schema import QB_HEADERS, SOURCE_HEADERS

HEADER = [*SOURCE_HEADERS, *QB_HEADERS]   # a migrated inv_tbl: source columns, then every qb_* column

READY = {"status": "submitted", "inv_from": "ACD", "to_client": "Globex LLC", "end_client": "Initech",
         "inv_dollars": "1500", "task_descr": "Python training, 3 days", "job_name": "PY-301",
         "submitted_date": "2026-03-02"}


def cells(invoice: str = "ACD-1", **values: str) -> dict[str, str]:
    """Every column of `HEADER` for one row: blanks, the READY defaults, then `values`."""
    row = dict.fromkeys(HEADER, "")
    row.update(READY, invoice=invoice)
    row.update(values)
    return row


def sheet_row(invoice: str = "ACD-1", header: Sequence[str] = HEADER, **values: str) -> list[str]:
    """One row as a sheet holds it (text cells in `header` order)."""
    row = cells(invoice, **values)
    return [row.get(name, "") for name in header]


def table(*rows: list[str], header: Sequence[str] = HEADER) -> list[list[str]]:
    """A whole worksheet: the header row, then `rows`."""
    return [list(header), *rows]


def rule_row(number: int = 2, invoice: str = "ACD-1", **values: str) -> SheetRow:
    """The `SheetRow` the pure rules take: sheet row `number` with the READY defaults and `values`."""
    return SheetRow(number, cells(invoice, **values))
