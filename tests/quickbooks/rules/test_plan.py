"""`make_plan` decides, from one read of the sheet and the audit, which rows a run acts on.

Each case is a few sheet rows, the audit's memory of them and the plan settings; the expected outcome is the
plan itself: the groups to send, the intents to look up first, the results to write back as they are, and the
counts. Nothing here touches QuickBooks, the sheet or the database.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from quickbooks.rules.directions import Direction, DirectionMap
from quickbooks.rules.placement import RowIndex, row_fingerprint
from quickbooks.rules.plan import BILLS_OFF_NOTE, PlanSettings, make_plan
from quickbooks.rules.records import AuditRow
from quickbooks.rules.statuses import AuditState
from spreadsheet.schema import SOURCE_HEADERS, validate_headers
from tests.builders import rule_row, sheet_row, table

INV = Direction.INVOICE
DIRECTIONS = DirectionMap(frozenset({"ACD"}), frozenset({"Accelebrate"}))
BASE = PlanSettings(ready_statuses=frozenset({"submitted", "pending"}), bills_enabled=False, group_by_invoice=False)
SYNCED_AT = datetime(2026, 3, 2, 14, 5, 9, tzinfo=timezone.utc).timestamp()
URL = "https://app.qbo.intuit.com/app/invoice?txnId=130&companyId=9130350000000001"


class Contains(str):
    """Equal to any text that contains it (for long messages where one phrase is the point)."""

    def __eq__(self, other):
        return isinstance(other, str) and str.__contains__(other, str(self))

    __hash__ = str.__hash__


def audit(key: str, state: AuditState, fingerprint: str | None = None, **fields) -> AuditRow:
    values = dict(row_key=key, state=state, request_id=None, payload_hash=None, payload_json=None,
                  row_fingerprint=fingerprint, qb_id=None, doc_number=key, qb_url=None, party_name=None, amount=None,
                  error=None, attempts=1, created_at=SYNCED_AT, updated_at=SYNCED_AT)
    return AuditRow(**{**values, **fields})


def fp(row) -> str:
    return row_fingerprint([row.values])


UNCHANGED = rule_row(2, "ACD-7", qb_sync_status="failed", qb_error="old words")
EDITED = rule_row(2, "ACD-7", inv_dollars="1600", qb_sync_status="failed", qb_error="old words")
CLEARED = rule_row(2, "ACD-7", qb_sync_status="")
REFUSED = audit("ACD-7", AuditState.FAILED, fp(UNCHANGED), error="QuickBooks refused this invoice: no")
CREATED = audit("ACD-1", AuditState.CREATED, "fp-when-created", qb_id="130", qb_url=URL)
SENDING = audit("ACD-1", AuditState.SENDING, "fp-when-sent")
CREATED_CELLS = {"qb_invoice_id": "130", "qb_invoice_url": URL, "qb_sync_status": "synced", "qb_error": "",
                 "qb_synced_at": "2026-03-02T14:05:09Z"}
DUPLICATES = [rule_row(2, "ACD-1"), rule_row(3, "ACD-1", inv_dollars="250", task_descr="Follow-up day")]


def failed(message: str) -> dict[str, str]:
    return {"qb_sync_status": "failed", "qb_error": Contains(message)}


# rows, audits, settings changes, expected: candidates (row numbers per group), reconcile (keys),
# targets (key, fingerprint: a sheet row number means "that row's content", cells), counts
CASES = [
    pytest.param([rule_row(status="submitted")], {}, {}, dict(candidates={"invoice": [[2]]}), id="submitted-ready"),
    pytest.param([rule_row(status=" Pending ")], {}, {}, dict(candidates={"invoice": [[2]]}),
                 id="pending-spaced-ready"),
    pytest.param([rule_row(status="draft")], {}, {}, dict(), id="draft-not-ready"),
    pytest.param([rule_row(status="paid")], {}, {}, dict(), id="paid-not-ready"),
    pytest.param([rule_row(status="paid")], {}, {"backfill": True}, dict(candidates={"invoice": [[2]]}),
                 id="paid-with-backfill"),
    pytest.param([rule_row(inv_from="Acme Brokers")], {}, {}, dict(
        targets=[("ACD-1", 2, failed("inv_from 'Acme Brokers' is not in config/qb_directions.json"))],
        counts={"invoice": {"failed": 1}}), id="unknown-inv-from"),
    pytest.param([rule_row(inv_from="  ")], {}, {}, dict(
        targets=[("ACD-1", 2, failed("inv_from is blank"))], counts={"invoice": {"failed": 1}}), id="blank-inv-from"),
    pytest.param([rule_row(inv_from="Acme Brokers", status="draft")], {}, {}, dict(), id="unknown-inv-from-not-ready"),
    pytest.param([rule_row(inv_from="Accelebrate")], {}, {}, dict(
        targets=[("ACD-1", 2, {"qb_sync_status": "skipped", "qb_error": BILLS_OFF_NOTE})],
        counts={"bill": {"skipped": 1}}), id="bills-off-skip-note-in-invoice-columns"),
    pytest.param([rule_row(inv_from="Accelebrate")], {}, {"bills_enabled": True},
                 dict(candidates={"bill": [[2]]}), id="bills-on"),
    pytest.param([rule_row(qb_invoice_id="130")], {INV: {"ACD-1": CREATED}}, {}, dict(
        targets=[("ACD-1", "fp-when-created", CREATED_CELLS)], counts={"invoice": {"already_synced": 1}}),
        id="created-written-back-not-sent"),
    pytest.param([rule_row()], {INV: {"ACD-1": dataclasses.replace(CREATED, row_fingerprint=fp(rule_row()))}}, {},
                 dict(targets=[("ACD-1", fp(rule_row()), CREATED_CELLS)], counts={"invoice": {"already_synced": 1}}),
                 id="created-awaiting-writeback-not-sent"),
    pytest.param([rule_row(2, to_client="Initech", inv_dollars="99"), rule_row(3, qb_invoice_id="130")],
                 {INV: {"ACD-1": CREATED}}, {}, dict(
        targets=[("ACD-1", 2, failed("Invoice number 'ACD-1' is already used by row 3: QuickBooks invoice Id 130")),
                 ("ACD-1", "fp-when-created", CREATED_CELLS)],
        counts={"invoice": {"failed": 1, "already_synced": 1}}), id="reused-number-fails-naming-the-other-row"),
    pytest.param([rule_row(status="paid")], {INV: {"ACD-1": CREATED}}, {}, dict(
        targets=[("ACD-1", "fp-when-created", CREATED_CELLS)], counts={"invoice": {"already_synced": 1}}),
        id="created-written-back-even-when-paid"),
    pytest.param([rule_row()], {INV: {"ACD-1": CREATED}}, {"group_by_invoice": True}, dict(
        targets=[("ACD-1", None, CREATED_CELLS)], counts={"invoice": {"already_synced": 1}}),
        id="created-grouped-lands-on-every-row"),
    pytest.param([rule_row()], {INV: {"ACD-1": SENDING}}, {}, dict(
        candidates={"invoice": [[2]]}, reconcile={"invoice": ["ACD-1"]}), id="left-sending-looked-up-first"),
    pytest.param([UNCHANGED], {INV: {"ACD-7": REFUSED}}, {}, dict(
        targets=[("ACD-7", 2, {"qb_sync_status": "failed", "qb_error": REFUSED.error})],
        counts={"invoice": {"failed": 1}}), id="failed-unchanged-kept-not-resent"),
    pytest.param([EDITED], {INV: {"ACD-7": REFUSED}}, {}, dict(candidates={"invoice": [[2]]}),
                 id="failed-but-edited-resent"),
    pytest.param([CLEARED], {INV: {"ACD-7": REFUSED}}, {}, dict(candidates={"invoice": [[2]]}),
                 id="failed-status-cleared-resent"),
    pytest.param([rule_row(qb_invoice_id="999")], {}, {}, dict(), id="id-typed-by-someone-left-alone"),
    pytest.param([rule_row(invoice=" ")], {}, {}, dict(
        targets=[("", 2, failed("invoice is blank"))], counts={"invoice": {"failed": 1}}), id="blank-invoice"),
    pytest.param(DUPLICATES, {}, {}, dict(
        candidates={"invoice": [[2]]}, targets=[("ACD-1", 3, failed("Invoice number 'ACD-1' is also on row 2"))],
        counts={"invoice": {"failed": 1}}), id="duplicate-without-grouping-second-fails"),
    pytest.param(DUPLICATES, {}, {"group_by_invoice": True}, dict(candidates={"invoice": [[2, 3]]}),
                 id="duplicate-with-grouping-one-group"),
]


@pytest.mark.parametrize("rows, audits, changes, expected", CASES)
def test_make_plan(rows, audits, changes, expected):
    plan = make_plan(rows, DIRECTIONS, audits, dataclasses.replace(BASE, **changes))
    by_number = {r.row: r for r in rows}

    def fingerprint(where):
        return fp(by_number[where]) if isinstance(where, int) else where

    assert {d.value: [[r.row for r in g] for g in groups]
            for d, groups in plan.candidates.items() if groups} == expected.get("candidates", {})
    assert {d.value: [a.row_key for a in intents]
            for d, intents in plan.reconcile.items() if intents} == expected.get("reconcile", {})
    assert [(t.key, t.fingerprint, dict(t.cells)) for t in plan.targets] == [
        (key, fingerprint(where), cells) for key, where, cells in expected.get("targets", [])]
    assert plan.counts.to_json() == expected.get("counts", {})


def test_failures_found_without_quickbooks_go_on_every_identical_row():
    """Two identical bad rows: the failure is shared, so neither is left without its message."""
    plan = make_plan([rule_row(2, inv_from="Acme Brokers"), rule_row(3, inv_from="Acme Brokers")], DIRECTIONS, {},
                     BASE)
    assert [t.shared for t in plan.targets] == [True, True]


def test_only_the_directions_asked_are_planned():
    rows = [rule_row(2, "ACD-1"), rule_row(3, "ACC-1", inv_from="Accelebrate")]
    plan = make_plan(rows, DIRECTIONS, {}, dataclasses.replace(BASE, bills_enabled=True,
                                                               directions=(Direction.BILL,)))
    assert {d.value: [[r.row for r in g] for g in groups] for d, groups in plan.candidates.items()} == {
        "bill": [[3]]}
    assert plan.targets == []


def test_an_identical_copy_is_sent_neither_time_and_both_rows_say_why():
    """Same number, same content: no result could be told apart between the two rows, so neither is sent (it
    used to send row 2, then mark it failed with row 3's message and never write its id back)."""
    plan = make_plan([rule_row(2), rule_row(3)], DIRECTIONS, {}, BASE)
    assert plan.candidates[INV] == []
    sheet = table(sheet_row(), sheet_row())
    index = RowIndex(validate_headers("inv_tbl", sheet[0], SOURCE_HEADERS), sheet)
    assert [index.locate(t) for t in plan.targets] == [[2, 3], [2, 3]]
    assert {t.cells["qb_error"] for t in plan.targets} == {
        "Invoice number 'ACD-1' is on rows 2, 3 with the same content: delete the copies, or give each row its "
        "own number"}
    assert plan.counts.of(INV).failed == 2
