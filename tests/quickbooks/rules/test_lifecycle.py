"""The pure rules after creation: QuickBooks' answer read as a state, the row's cells and own status, and edits."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from quickbooks.rules.directions import Direction
from quickbooks.rules.edits import changed_message, content_changes, sheet_content
from quickbooks.rules.lifecycle import lifecycle_cells, paid_status, read_state
from quickbooks.rules.records import AuditRow
from quickbooks.rules.statuses import AuditState, RemoteLife
from tests.builders import rule_row

AUDIT = AuditRow(row_key="ACD-1", state=AuditState.CREATED, request_id=None, payload_hash=None, payload_json=None,
                 row_fingerprint=None, qb_id="130", doc_number="ACD-1", qb_url=None, party_name="Globex LLC",
                 amount="1500.00", error=None, attempts=1, created_at=0.0, updated_at=0.0)


def _invoice(**fields) -> dict:
    return {"Id": "130", "SyncToken": "2", "TotalAmt": 1500.0, "Balance": 1500.0, "DueDate": "2026-04-01",
            "MetaData": {"LastUpdatedTime": "2026-11-21T10:00:00-08:00"}, **fields}


@pytest.mark.parametrize("answer, life, balance, paid_date, paid, partly", [
    (_invoice(), RemoteLife.OPEN, Decimal("1500.0"), None, False, False),
    (_invoice(Balance=500.0, LinkedTxn=[{"TxnId": "9", "TxnType": "Payment"}]), RemoteLife.OPEN, Decimal("500.0"),
     None, False, True),
    (_invoice(Balance=0, LinkedTxn=[{"TxnId": "9", "TxnType": "Payment"}, {"TxnId": "10", "TxnType": "Payment"}]),
     RemoteLife.OPEN, Decimal("0"), "2026-11-20", True, False),                          # the latest payment closed it
    (_invoice(Balance=0, LinkedTxn=[{"TxnId": "77", "TxnType": "Payment"}]), RemoteLife.OPEN, Decimal("0"),
     "2026-11-21", True, False),                      # payment unknown: the day QuickBooks last changed the invoice
    (_invoice(TotalAmt=0, Balance=0, PrivateNote="Voided - was ACD-1"), RemoteLife.VOIDED, Decimal("0"), None,
     False, False),
    (_invoice(TotalAmt=10, Balance=10, PrivateNote="Voided? no, a person's note"), RemoteLife.OPEN, Decimal("10"),
     None, False, False),
])
def test_quickbooks_answer_read_as_a_state(answer, life, balance, paid_date, paid, partly):
    state = read_state(answer, {"9": "2026-11-19", "10": "2026-11-20"})
    assert (state.life, state.balance, state.paid_date, state.paid, state.partly_paid) == (
        life, balance, paid_date, paid, partly)
    assert state.sync_token == "2" and state.due_date == "2026-04-01"


def _after(**state) -> AuditRow:
    return dataclasses.replace(AUDIT, **{"qb_state": "open", "qb_total": "1500.0", "qb_balance": "1500.0", **state})


@pytest.mark.parametrize("audit, cells", [
    (AUDIT, {}),                                                                     # never read back: as before
    (_after(), {"qb_balance": "1500.00", "qb_paid_date": ""}),
    (_after(qb_balance="0", qb_paid_date="2026-11-20"), {"qb_balance": "0.00", "qb_paid_date": "2026-11-20"}),
    (_after(qb_state="voided", qb_state_date="2026-11-22"),
     {"qb_balance": "", "qb_paid_date": "", "qb_sync_status": "voided"}),
    (_after(qb_state="deleted", qb_state_date="2026-11-23"),
     {"qb_balance": "", "qb_paid_date": "", "qb_sync_status": "deleted"}),
])
def test_the_row_shows_what_quickbooks_said(audit, cells):
    shown = lifecycle_cells(Direction.INVOICE, audit)
    assert {k: v for k, v in shown.items() if k != "qb_error"} == cells
    if audit.qb_state in ("voided", "deleted"):
        assert shown["qb_error"].startswith(f"{audit.qb_state.capitalize()} in QuickBooks on {audit.qb_state_date}")


PAID = _after(qb_balance="0", qb_paid_date="2026-11-20")
REOPENED = _after(status_before_paid=" Pending ", paid_date_filled="2026-11-20")


@pytest.mark.parametrize("case, audit, status, paid_cell, cells, before, filled", [
    ("paid: status and a blank date", PAID, "submitted", "", {"status": "paid", "Inv_paid_date": "2026-11-20"},
     "submitted", "2026-11-20"),
    ("paid: a typed date stays", PAID, "submitted", "2026-11-19", {"status": "paid"}, "submitted", None),
    ("paid already in the sheet", PAID, " Paid ", "", None, None, None),
    ("open and never marked", _after(), "submitted", "", None, None, None),
    ("reopened: undo what the sync did", REOPENED, "paid", "2026-11-20",
     {"status": " Pending ", "Inv_paid_date": ""}, None, None),
    ("reopened: a date a person changed stays", REOPENED, "paid", "2026-11-18", {"status": " Pending "}, None, None),
    ("reopened: a status a person changed stays", REOPENED, "disputed", "2026-11-20", {}, None, None),
])
def test_the_rows_own_status_follows_payments(case, audit, status, paid_cell, cells, before, filled):
    marked = paid_status(audit, status, paid_cell)
    if cells is None:
        assert marked is None, case
        return
    assert (dict(marked.cells), marked.status_before_paid, marked.paid_date_filled) == (cells, before, filled), case


def _content(**values):
    return sheet_content([rule_row(2, "ACD-1", **values)], Direction.INVOICE)


@pytest.mark.parametrize("edited, fields", [
    ({"inv_dollars": "$1,500.00"}, []),                            # the same amount typed otherwise
    ({"status": "paid", "Inv_paid_date": "2026-11-30"}, []),       # the life of the invoice, not an edit
    ({"inv_dollars": "9,999.99"}, ["amount"]),
    ({"to_client": "Initech"}, ["party"]),
    ({"task_descr": "Python, 4 days"}, ["description"]),
    ({"submitted_date": "03/03/2026"}, ["date"]),
    ({"notes": "discount agreed"}, ["note"]),
])
def test_edits_are_the_content_that_reaches_quickbooks(edited, fields):
    before = _content(inv_dollars="1500", submitted_date="2026-03-02")
    now = _content(**{"inv_dollars": "1500", "submitted_date": "2026-03-02", **edited})
    assert [c.field for c in content_changes(before, now)] == fields


def test_the_changed_message_says_what_differs_in_dollars_and_what_to_do():
    before, now = _content(inv_dollars="9224.43"), _content(inv_dollars="9999.99")
    message = changed_message(Direction.INVOICE, content_changes(before, now, qb_total="9224.43"))
    assert message == ("Changed after sync: the amount: QuickBooks has $9,224.43, the sheet $9,999.99; change it "
                       "back, edit the invoice in QuickBooks, or allow updates (QB_ON_EDIT=update)")
    why = changed_message(Direction.BILL, content_changes(before, now), "it is paid in QuickBooks")
    assert why.endswith("it was not updated because it is paid in QuickBooks; change the row back, or edit the bill "
                        "in QuickBooks")
