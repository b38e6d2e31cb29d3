"""Where a result lands on the sheet (`RowIndex`, `result_target`) and what it says there (`*_cells`).

Rows move between a run's read and its write: results are addressed by the `invoice` key, and by the row's own
content when a key appears twice. Each case is a fresh read of the sheet and a target; the expected outcome is
the sheet rows it lands on and the cells that would be written.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from quickbooks.rules.directions import Direction
from quickbooks.rules.placement import (RowIndex, Target, created_cells, failed_cells, result_target,
                                        row_fingerprint, skipped_cells)
from quickbooks.rules.records import AuditRow
from quickbooks.rules.statuses import AuditState
from spreadsheet.schema import SOURCE_HEADERS, QB_INVOICE_HEADERS, validate_headers
from tests.builders import HEADER, cells, sheet_row, table

ACD1 = cells("ACD-1")
ACD1_OTHER = cells("ACD-1", inv_dollars="250", task_descr="Follow-up day")
FAILED = {"qb_sync_status": "failed", "qb_error": "Customer 'X' is not in QuickBooks"}


def index(*rows: list[str], header=HEADER) -> RowIndex:
    values = table(*rows, header=header)
    return RowIndex(validate_headers("inv_tbl", values[0], SOURCE_HEADERS), values)


def fp(values: dict[str, str]) -> str:
    return row_fingerprint([values])


# the fresh read (data rows from row 2), the target, the sheet rows it lands on
LOCATE = [
    pytest.param([sheet_row("NEW-1"), sheet_row("ACD-1")], Target("ACD-1", fp(ACD1), FAILED), [3],
                 id="key-moved-down-is-followed"),
    pytest.param([sheet_row("ACD-1", inv_dollars="9")], Target("ACD-1", fp(ACD1), FAILED), [2],
                 id="one-row-with-the-key-even-if-edited"),
    pytest.param([sheet_row("ACD-2")], Target("ACD-1", fp(ACD1), FAILED), [], id="key-vanished-not-placed"),
    pytest.param([sheet_row("ACD-1"), sheet_row("ACD-1", inv_dollars="250", task_descr="Follow-up day")],
                 Target("ACD-1", fp(ACD1_OTHER), FAILED), [3], id="key-twice-fingerprint-picks-the-one-meant"),
    pytest.param([sheet_row("ACD-1", inv_dollars="1"), sheet_row("ACD-1", inv_dollars="2")],
                 Target("ACD-1", fp(ACD1), FAILED), [], id="key-twice-neither-matches"),
    pytest.param([sheet_row("ACD-1"), sheet_row("ACD-1")], Target("ACD-1", fp(ACD1), {"qb_invoice_id": "130"}), [],
                 id="identical-twice-not-shared-is-ambiguous"),
    pytest.param([sheet_row("ACD-1"), sheet_row("ACD-2"), sheet_row("ACD-1")],
                 Target("ACD-1", fp(ACD1), FAILED, shared=True), [2, 4], id="shared-failure-on-every-identical-row"),
    pytest.param([sheet_row("ACD-1"), sheet_row("ACD-1", inv_dollars="250"), sheet_row("ACD-2")],
                 Target("ACD-1", None, {"qb_invoice_id": "130"}), [2, 3], id="grouped-target-on-all-rows-of-the-key"),
    pytest.param([[""] * len(HEADER), sheet_row("ACD-1")], Target("ACD-1", fp(ACD1), FAILED), [3],
                 id="blank-rows-are-not-keys"),
]


@pytest.mark.parametrize("rows, target, expected", LOCATE)
def test_locate(rows, target, expected):
    assert index(*rows).locate(target) == expected


STATUS, ERROR = HEADER.index("qb_sync_status") + 1, HEADER.index("qb_error") + 1

# the fresh read, the target, the cells written (sheet row, column, text), whether the target was placed
CHANGES = [
    pytest.param([sheet_row("ACD-1")], Target("ACD-1", fp(ACD1), FAILED),
                 [(2, STATUS, "failed"), (2, ERROR, FAILED["qb_error"])], True, id="blank-cells-written"),
    pytest.param([sheet_row("ACD-1", qb_sync_status="failed", qb_error="old words")],
                 Target("ACD-1", fp(ACD1), FAILED), [(2, ERROR, FAILED["qb_error"])], True,
                 id="only-differing-cells"),
    pytest.param([sheet_row("ACD-1", **FAILED)], Target("ACD-1", fp(ACD1), FAILED), [], True,
                 id="nothing-differs-still-placed"),
    pytest.param([sheet_row("ACD-2")], Target("ACD-1", fp(ACD1), FAILED), [], False, id="vanished-key"),
    pytest.param([sheet_row("ACD-1", qb_sync_status="failed", qb_error="old")],
                 Target("ACD-1", None, {"qb_sync_status": "failed", "qb_bill_status": "synced"}), [], False,
                 id="column-the-sheet-lacks-not-placed"),
]


@pytest.mark.parametrize("rows, target, written, placed", CHANGES)
def test_changes(rows, target, written, placed):
    header = [*SOURCE_HEADERS, *QB_INVOICE_HEADERS]   # a sheet without the bill columns
    assert index(*[[r[HEADER.index(h)] for h in header] for r in rows], header=header).changes(target) == (
        written, placed)


AT = datetime(2026, 3, 2, 14, 5, 9, tzinfo=timezone.utc).timestamp()
AUDIT = AuditRow(row_key="ACD-1", state=AuditState.CREATED, request_id=None, payload_hash=None, payload_json=None,
                 row_fingerprint=None, qb_id="130", doc_number="ACD-1", qb_url="https://qbo/130", party_name=None,
                 amount=None, error=None, attempts=1, created_at=AT, updated_at=AT)

CELLS = [
    pytest.param(created_cells(Direction.INVOICE, AUDIT), {
        "qb_invoice_id": "130", "qb_invoice_url": "https://qbo/130", "qb_sync_status": "synced", "qb_error": "",
        "qb_synced_at": "2026-03-02T14:05:09Z"}, id="created-invoice-with-synced-at-utc"),
    pytest.param(created_cells(Direction.BILL, AUDIT), {
        "qb_bill_id": "130", "qb_bill_url": "https://qbo/130", "qb_bill_status": "synced", "qb_bill_error": ""},
        id="created-bill-no-synced-at"),
    pytest.param(failed_cells(Direction.INVOICE, "why"), {"qb_sync_status": "failed", "qb_error": "why"},
                 id="failed-invoice"),
    pytest.param(failed_cells(Direction.BILL, "why"), {"qb_bill_status": "failed", "qb_bill_error": "why"},
                 id="failed-bill"),
    pytest.param(skipped_cells(Direction.INVOICE, "off"), {"qb_sync_status": "skipped", "qb_error": "off"},
                 id="skipped-invoice"),
    pytest.param(skipped_cells(Direction.BILL, "off"), {"qb_bill_status": "skipped", "qb_bill_error": "off"},
                 id="skipped-bill"),
]


@pytest.mark.parametrize("cells_, expected", CELLS)
def test_cells_per_direction(cells_, expected):
    assert cells_ == expected


@pytest.mark.parametrize("direction", list(Direction), ids=lambda d: d.value)
def test_cells_use_only_the_directions_own_columns(direction):
    for cells_ in (created_cells(direction, AUDIT), failed_cells(direction, "x"), skipped_cells(direction, "x")):
        assert set(cells_) <= set(direction.columns.names)


# grouped?, cells -> the target's fingerprint and whether it is shared by identical rows
RESULT = [
    pytest.param(False, {"qb_invoice_id": "130", "qb_sync_status": "synced"}, "fp", False, id="created-one-row"),
    pytest.param(True, {"qb_invoice_id": "130", "qb_sync_status": "synced"}, None, False, id="created-grouped"),
    pytest.param(False, {"qb_sync_status": "failed", "qb_error": "x"}, "fp", True, id="failed-shared"),
    pytest.param(True, {"qb_sync_status": "failed", "qb_error": "x"}, None, True, id="failed-grouped"),
]


@pytest.mark.parametrize("grouped, cells_, fingerprint, shared", RESULT)
def test_result_target(grouped, cells_, fingerprint, shared):
    assert result_target(Direction.INVOICE, "ACD-1", "fp", cells_, grouped) == Target("ACD-1", fingerprint, cells_,
                                                                                     shared)
