"""`Sender` through the real `QboClient` against the loopback QuickBooks emulator.

Proves the exactly-once bookkeeping around a batch: what QuickBooks created or refused (with its reason) is in
the outcome and in the audit; a duplicate DocNumber is adopted only when it is the same transaction; a lost
answer is looked up before anything is sent again (adopted, or sent once more when proven absent), and
stays `sending` for the next run when even the lookup gets no answer; a stop request leaves the rest unsent.
Payloads come from `map_rows`, with the customers the emulator really has.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from quickbooks.audit import AuditStore
from quickbooks.rules.directions import Direction
from quickbooks.rules.mapping import MappingContext, NameIndex, Payload, map_rows
from quickbooks.sender import Sender
from tests.builders import rule_row

INV = Direction.INVOICE


@pytest.fixture
def context(connected) -> MappingContext:
    customers = connected.client.query_all("Customer", where="Active IN (true, false)")
    return MappingContext(today=date(2026, 4, 1), item_id="1", item_name="Services",
                          customers=NameIndex.build(customers))


@pytest.fixture
def audit(engine) -> AuditStore:
    return AuditStore(engine, "sheet-1", "inv_tbl")


@pytest.fixture
def make_sender(connected, audit, qbo_emulator):
    def make(**options) -> Sender:
        return Sender(connected.client, audit, qbo_emulator.realm_id, **options)
    return make


def payload(context: MappingContext, invoice: str, number: int = 2, **cells: str) -> Payload:
    result = map_rows([rule_row(number, invoice, **cells)], INV, context)
    assert isinstance(result, Payload), result
    return result


def states(audit: AuditStore) -> dict[str, str]:
    return {key: row.state.value for key, row in audit.load(INV).items()}


def test_a_batch_of_good_and_bad_rows(make_sender, context, audit, qbo_emulator):
    unknown_item = dataclasses.replace(context, item_id="999")   # an item deleted in QuickBooks since
    good = [payload(context, "ACD-1"),
            payload(context, "ACD-3", 4, to_client="o'brien & sons", inv_dollars="$2,345.67")]
    bad = payload(unknown_item, "ACD-2", 3)
    outcome = make_sender().send(INV, [good[0], bad, good[1]], {"ACD-1": "fp1", "ACD-2": "fp2", "ACD-3": "fp3"})

    created = {i["DocNumber"]: i for i in qbo_emulator.created("Invoice")}
    assert sorted(created) == ["ACD-1", "ACD-3"]
    assert [(p.key, obj["Id"], adopted) for p, obj, adopted in outcome.created] == [
        ("ACD-1", created["ACD-1"]["Id"], False), ("ACD-3", created["ACD-3"]["Id"], False)]
    assert [p.key for p, _ in outcome.failed] == ["ACD-2"]
    reason = outcome.failed[0][1]
    assert reason.startswith("QuickBooks refused this invoice:") and "Invalid Reference Id" in reason
    assert outcome.unsent == [] and outcome.stopped is None

    rows = audit.load(INV)
    assert states(audit) == {"ACD-1": "created", "ACD-2": "failed", "ACD-3": "created"}
    assert rows["ACD-1"].qb_id == created["ACD-1"]["Id"]
    assert rows["ACD-1"].qb_url == (f"https://app.qbo.intuit.com/app/invoice?txnId={created['ACD-1']['Id']}"
                                    f"&companyId={qbo_emulator.realm_id}")
    assert rows["ACD-2"].error == reason and rows["ACD-2"].row_fingerprint == "fp2"
    assert rows["ACD-3"].amount == "2345.67" and rows["ACD-3"].party_name == "O'Brien & Sons"


# the invoice someone already typed into QuickBooks with the same number: customer, amount -> adopted?
DUPLICATES = [
    pytest.param("Globex LLC", 1500.0, True, id="same-customer-and-amount-adopted"),
    pytest.param("Initech", 1500.0, False, id="other-customer-fails"),
    pytest.param("Globex LLC", 99.0, False, id="other-amount-fails"),
]


@pytest.mark.parametrize("customer, amount, adopted", DUPLICATES)
def test_a_duplicate_number(make_sender, connected, context, audit, qbo_emulator, customer, amount, adopted):
    customer_id = context.customers.resolve(customer)[0]
    existing = connected.client.create("Invoice", {"DocNumber": "ACD-1", "CustomerRef": {"value": customer_id},
                                                   "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail",
                                                             "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})
    outcome = make_sender().send(INV, [payload(context, "ACD-1")], {"ACD-1": "fp1"})

    assert qbo_emulator.docnumber_counts("Invoice") == {"ACD-1": 1}
    if adopted:
        assert [(p.key, obj["Id"], was_adopted) for p, obj, was_adopted in outcome.created] == [
            ("ACD-1", existing["Id"], True)]
        assert audit.load(INV)["ACD-1"].qb_id == existing["Id"]
        assert states(audit) == {"ACD-1": "created"}
    else:
        assert outcome.created == []
        message = outcome.failed[0][1]
        assert f"already used in QuickBooks by invoice Id {existing['Id']} for '{customer}'" in message
        assert states(audit) == {"ACD-1": "failed"}


def test_a_lost_answer_is_looked_up_and_adopted_not_sent_again(make_sender, context, audit, qbo_emulator):
    qbo_emulator.inject("drop_after_commit", count=1, match="batch")
    payloads = [payload(context, "ACD-1"), payload(context, "ACD-2", 3)]
    outcome = make_sender().send(INV, payloads, {})

    assert [(p.key, looked_up) for p, _, looked_up in outcome.created] == [("ACD-1", True), ("ACD-2", True)]
    assert outcome.unsent == [] and outcome.stopped is None
    assert states(audit) == {"ACD-1": "created", "ACD-2": "created"}
    assert qbo_emulator.docnumber_counts("Invoice") == {"ACD-1": 1, "ACD-2": 1}
    assert qbo_emulator.stats()["batch"] == 1, "the batch was not sent again"


def test_a_lost_answer_that_proves_absent_is_sent_again_once(make_sender, context, audit, qbo_emulator):
    qbo_emulator.inject("503", count=1, match="batch")   # refused before it was performed: nothing was created
    payloads = [payload(context, "ACD-1"), payload(context, "ACD-2", 3)]
    outcome = make_sender().send(INV, payloads, {})

    assert [(p.key, looked_up) for p, _, looked_up in outcome.created] == [("ACD-1", False), ("ACD-2", False)]
    assert qbo_emulator.docnumber_counts("Invoice") == {"ACD-1": 1, "ACD-2": 1}
    assert {row.attempts for row in audit.load(INV).values()} == {2}, "a second attempt, with a new request id"


def test_when_the_lookup_fails_too_the_intents_stay_sending(make_sender, context, audit, qbo_emulator):
    qbo_emulator.inject("drop_after_commit", count=1, match="batch")
    qbo_emulator.inject("503", count=100, match="query")
    payloads = [payload(context, "ACD-1"), payload(context, "ACD-2", 3)]
    outcome = make_sender().send(INV, payloads, {})

    assert outcome.created == outcome.failed == []
    assert outcome.unsent == payloads
    assert "stay 'sending'" in outcome.stopped and "looked up by number" in outcome.stopped
    assert states(audit) == {"ACD-1": "sending", "ACD-2": "sending"}
    assert sorted(qbo_emulator.docnumber_counts("Invoice")) == ["ACD-1", "ACD-2"], "QuickBooks did commit them"


# how many batches go out before should_stop says True -> rows created, rows unsent (31 rows: batches of 30, 1)
STOPS = [
    pytest.param(0, 0, 31, id="stop-before-the-first-batch"),
    pytest.param(1, 30, 1, id="stop-after-the-first-batch"),
]


@pytest.mark.parametrize("batches, created, unsent", STOPS)
def test_a_stop_request_leaves_the_rest_unsent(make_sender, context, audit, qbo_emulator, batches, created, unsent):
    asked = iter([False] * batches + [True] * 10)
    payloads = [payload(context, f"ACD-{n}", n) for n in range(2, 33)]
    outcome = make_sender(should_stop=lambda: next(asked)).send(INV, payloads, {})

    assert len(outcome.created) == len(qbo_emulator.created("Invoice")) == created
    assert [p.key for p in outcome.unsent] == [p.key for p in payloads[created:]]
    assert len(outcome.unsent) == unsent
    assert outcome.stopped and "stopped on request" in outcome.stopped
    assert sorted(states(audit).values()) == ["created"] * created, "unsent rows have no intent"
