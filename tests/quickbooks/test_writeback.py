"""`write_back` against a real local workbook: what it costs (reads, writes) and where the cells land.

Each case is the sheet at the run's first read, what a person does before the writeback, and the results to
write; the expected outcome is the rows in the workbook afterwards, the Sheets calls made and the results
left unplaced. A small counting wrapper around the real worksheet checks the calls really made.
"""

from __future__ import annotations

from typing import Sequence

import pytest

from quickbooks.rules.placement import Target, row_fingerprint
from quickbooks.writeback import write_back
from spreadsheet.base import CellUpdate, Worksheet
from spreadsheet.local import LocalWorkbook
from spreadsheet.schema import read_table
from tests.builders import HEADER, cells, sheet_row, table

SYNCED = {"qb_invoice_id": "130", "qb_sync_status": "synced"}
FAILED = {"qb_sync_status": "failed", "qb_error": "Customer 'X' is not in QuickBooks"}


class Counting(Worksheet):
    """The real worksheet, counting the calls made through it."""

    def __init__(self, inner: Worksheet):
        self.inner, self.title, self.reads, self.writes = inner, inner.title, 0, 0

    def read_all(self) -> list[list[str]]:
        self.reads += 1
        return self.inner.read_all()

    def write_cells(self, updates: Sequence[CellUpdate]) -> int:
        self.writes += 1
        return self.inner.write_cells(updates)


def target(key: str, result: dict[str, str], **values: str) -> Target:
    return Target(key, row_fingerprint([cells(key, **values)]), result)


def replace_sheet(ws: Worksheet, rows: list[list[str]]) -> None:
    """A person rewrites the tab (insert, delete): every cell of `rows`, then blanks below them."""
    old = ws.read_all()
    padded = rows + [[""] * len(HEADER)] * max(0, len(old) - len(rows))
    ws.write_cells([CellUpdate(r, c, v) for r, line in enumerate(padded, 1) for c, v in enumerate(line, 1)])


def nothing(ws):
    pass


def insert_above(ws):
    replace_sheet(ws, table(sheet_row("NEW-1", status="draft"), sheet_row("ACD-1"), sheet_row("ACD-2", **SYNCED)))


def delete_acd2(ws):
    replace_sheet(ws, table(sheet_row("ACD-1")))


START = table(sheet_row("ACD-1"), sheet_row("ACD-2", **SYNCED))

# what a person does after the first read, the results, expected: every row after (key, cells) in sheet order,
# fresh reads, writes, keys left unplaced
BLANK = {"qb_sync_status": "", "qb_error": ""}
CASES = [
    pytest.param(nothing, [target("ACD-2", SYNCED)], [("ACD-1", BLANK), ("ACD-2", SYNCED)], 0, 0, [],
                 id="nothing-to-change-no-calls"),
    pytest.param(nothing, [target("ACD-1", FAILED), target("ACD-2", SYNCED)], [("ACD-1", FAILED), ("ACD-2", SYNCED)],
                 1, 1, [], id="changes-one-read-one-write"),
    pytest.param(insert_above, [target("ACD-1", FAILED)],
                 [("NEW-1", BLANK), ("ACD-1", FAILED), ("ACD-2", {**SYNCED, "qb_error": ""})], 1, 1, [],
                 id="row-inserted-above-is-followed"),
    pytest.param(delete_acd2, [target("ACD-2", FAILED)], [("ACD-1", BLANK)], 1, 0, ["ACD-2"],
                 id="vanished-key-unplaced-nothing-written"),
    pytest.param(delete_acd2, [target("ACD-1", FAILED), target("ACD-2", FAILED)], [("ACD-1", FAILED)], 1, 1,
                 ["ACD-2"], id="vanished-key-does-not-stop-the-others"),
]


@pytest.mark.parametrize("edit, targets, after, reads, writes, unplaced", CASES)
def test_write_back(tmp_path, edit, targets, after, reads, writes, unplaced):
    ws = LocalWorkbook.create(tmp_path / "book.xlsx", {"inv_tbl": START}).worksheet("inv_tbl")
    first = read_table(ws)
    edit(ws)
    counted = Counting(ws)

    result = write_back(counted, first, targets)

    assert (result.reads, result.writes) == (counted.reads, counted.writes) == (reads, writes)
    assert [t.key for t in result.unplaced] == unplaced
    assert [t.key for t in result.placed] == [t.key for t in targets if t.key not in unplaced]
    header, *rows = ws.read_all()
    sheet = [dict(zip(header, r)) for r in rows if any(r)]
    assert [(r["invoice"], {name: r[name] for name in shown}) for r, (_, shown) in zip(sheet, after)] == after
    assert len(sheet) == len(after)


def test_cells_written_counts_only_what_differs(tmp_path):
    ws = LocalWorkbook.create(tmp_path / "book.xlsx", {"inv_tbl": table(
        sheet_row("ACD-1", qb_sync_status="failed", qb_error="old words"))}).worksheet("inv_tbl")
    result = write_back(ws, read_table(ws), [target("ACD-1", FAILED)])
    assert result.cells_written == 1
    assert dict(zip(*ws.read_all()))["qb_error"] == FAILED["qb_error"]
