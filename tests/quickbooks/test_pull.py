"""Reading QuickBooks' changes back (quickbooks/pull.py) against the emulator: Change Data Capture with Intuit's
1,000-object cap paged through, the query fallback, and what each costs in requests."""

from __future__ import annotations

import pytest

from quickbooks.audit import AuditStore
from quickbooks.pull import OVERLAP_SECONDS, Marks, Puller, _iso
from quickbooks.rules.directions import Direction

MANY = 600   # paid: 1,200 changes (invoices and their payments), more than one CDC answer holds


@pytest.fixture
def followed(connected, qbo_emulator, engine):
    """MANY invoices in QuickBooks, each followed by an audit row, and a mark from before they changed."""
    customer = qbo_emulator.add_customer("Pull Test Customer")
    audit = AuditStore(engine, "book", "inv_tbl")
    entries = []
    with qbo_emulator._lock:
        for n in range(MANY):
            invoice = qbo_emulator.company.create("Invoice", {
                "CustomerRef": {"value": customer["Id"]}, "DocNumber": f"P-{n:04d}",
                "Line": [{"Amount": 10.0, "DetailType": "SalesItemLineDetail",
                          "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}, set())
            entries.append({"row_key": f"P-{n:04d}", "qb_id": invoice["Id"], "qb_state": "open",
                            "qb_total": "10.0", "qb_balance": "10.0"})
    audit.record_created(Direction.INVOICE, entries)
    marks = Marks(engine)
    puller = Puller(connected.client, audit, marks, connected.tokens.current().realm_id)
    marks.set(puller.mark_name, _iso(qbo_emulator.clock() - OVERLAP_SECONDS))
    return puller, audit, {e["row_key"]: e["qb_id"] for e in entries}


def test_more_changes_than_one_answer_holds_are_paged_not_queried(followed, qbo_emulator):
    puller, audit, ids = followed
    start, offset = qbo_emulator.clock(), [0.0]
    qbo_emulator.clock = lambda: start + offset[0]     # QuickBooks' times have whole seconds: spread the changes
    for qb_id in ids.values():
        offset[0] += 0.5
        qbo_emulator.pay_invoice(qb_id, txn_date="2026-11-20")
    qbo_emulator.reset_stats()
    result = puller.pull([Direction.INVOICE])
    stats = qbo_emulator.stats()
    assert (result.mode, result.changed) == ("cdc", MANY)
    assert stats.get("cdc") == 2 and stats.get("query", 0) == 0
    stored = audit.load(Direction.INVOICE)
    assert {stored[k].qb_paid_date for k in ids} == {"2026-11-20"}


def test_without_a_mark_the_transactions_are_read_by_id(followed, qbo_emulator, engine):
    puller, audit, ids = followed
    Marks(engine).set(puller.mark_name, "2020-01-01T00:00:00+00:00")   # older than Intuit keeps changes
    assert puller.pull([Direction.INVOICE]).changed == MANY             # first read: every state is new
    qbo_emulator.pay_invoice(ids["P-0007"], txn_date="2026-11-21")
    qbo_emulator.reset_stats()
    result = puller.pull([Direction.INVOICE])
    assert (result.mode, result.changed) == ("query", 1)
    assert qbo_emulator.stats().get("cdc", 0) == 0 and qbo_emulator.stats().get("query") == 6 + 1   # 100 Ids each, and the payment
    assert audit.load(Direction.INVOICE)["P-0007"].qb_paid_date == "2026-11-21"
