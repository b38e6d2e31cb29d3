"""The REST client against the emulator: creates, queries, batches, every Fault shape, retries and limits."""

from __future__ import annotations

import logging

import pytest

from quickbooks.wire.client import QboClient, RateLimiter, quote_literal
from quickbooks.errors import (ApiFault, FeatureNotAvailable, NotAuthorized, OutcomeUnknown, ReconnectNeeded,
                               RetriableAPIError)


def _customer_id(client, name):
    return client.query(f"SELECT * FROM Customer WHERE DisplayName = {quote_literal(name)}")["Customer"][0]["Id"]


def _invoice(client, doc_number="ACD-1", amount=150.25, customer="Globex LLC"):
    return {"DocNumber": doc_number, "CustomerRef": {"value": _customer_id(client, customer)},
            "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail",
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}


def test_create_and_read_an_invoice(connected, qbo_emulator):
    created = connected.client.create("Invoice", _invoice(connected.client), request_id="req-1")
    assert created["DocNumber"] == "ACD-1" and created["TotalAmt"] == 150.25
    assert connected.client.read("Invoice", created["Id"])["Id"] == created["Id"]
    assert [i["DocNumber"] for i in qbo_emulator.created("Invoice")] == ["ACD-1"]
    assert connected.client.invoice_pdf(created["Id"]).startswith(b"%PDF-")


@pytest.mark.parametrize("name", ["O'Brien & Sons", "Globex LLC"])
def test_names_with_apostrophes_are_found(connected, name):
    assert _customer_id(connected.client, name)


@pytest.mark.parametrize("hostile", ["x' OR DisplayName = 'Globex LLC", "Globex LLC\\", "\\'", "%"])
def test_sheet_text_cannot_break_out_of_a_query_literal(connected, hostile):
    found = connected.client.query(f"SELECT * FROM Customer WHERE DisplayName = {quote_literal(hostile)}")
    assert found == {}


def test_non_ascii_names_are_refused_before_asking_quickbooks():
    with pytest.raises(ValueError, match="non-ASCII"):
        quote_literal("Zoë Café Ltd")


@pytest.mark.parametrize("payload_change, codes", [
    (lambda p: p.pop("CustomerRef"), {"2020"}),
    (lambda p: p.update(CustomerRef={"value": "999999"}), {"2500"}),
    (lambda p: p.update(DocNumber="X" * 22), None),
], ids=["missing-customer", "unknown-customer", "docnumber-too-long"])
def test_validation_faults_become_api_faults_with_codes(connected, payload_change, codes):
    payload = _invoice(connected.client)
    payload_change(payload)
    with pytest.raises(ApiFault) as info:
        connected.client.create("Invoice", payload)
    assert info.value.status == 400
    if codes:
        assert info.value.codes == codes
    assert str(info.value)


def test_a_duplicate_docnumber_is_fault_6140(connected):
    connected.client.create("Invoice", _invoice(connected.client))
    with pytest.raises(ApiFault) as info:
        connected.client.create("Invoice", _invoice(connected.client))
    assert info.value.codes == {"6140"}
    assert "DocNumber=ACD-1" in str(info.value)


def test_a_batch_returns_each_item_with_its_own_fault(connected, qbo_emulator):
    good = _invoice(connected.client, "B-1")
    bad = _invoice(connected.client, "B-2")
    bad["CustomerRef"] = {"value": "999999"}
    answers = connected.client.batch([
        {"bId": "1", "operation": "create", "Invoice": good},
        {"bId": "2", "operation": "create", "Invoice": bad}], "Invoice")
    assert answers["1"].obj["DocNumber"] == "B-1" and answers["1"].error is None
    assert answers["2"].obj is None and isinstance(answers["2"].error, ApiFault)
    assert answers["2"].error.codes == {"2500"}
    with pytest.raises(ValueError, match="1 to 30 items"):
        connected.client.batch([{"bId": str(i), "operation": "create", "Invoice": good} for i in range(31)], "Invoice")


def test_bills_on_simple_start_are_a_feature_error(connected, qbo_emulator):
    qbo_emulator.set_edition("Simple Start")
    vendor = connected.client.query("SELECT * FROM Vendor WHERE DisplayName = 'Accelebrate'")["Vendor"][0]["Id"]
    bill = {"VendorRef": {"value": vendor}, "Line": [{"Amount": 10.0, "DetailType": "AccountBasedExpenseLineDetail",
                                                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}}}]}
    with pytest.raises(FeatureNotAvailable, match="Essentials or Plus"):
        connected.client.create("Bill", bill)


@pytest.mark.parametrize("kind", ["429", "500", "503", "html_502"])
def test_passing_failures_are_retried(connected, qbo_emulator, kind):
    qbo_emulator.inject(kind, count=2)
    assert connected.client.company_info()["CompanyName"] == "ACD Demo Company"


def test_failures_that_never_stop_end_as_a_plain_error(connected, qbo_emulator):
    qbo_emulator.inject("503", count=50)
    with pytest.raises(RetriableAPIError, match="server error \\(HTTP 503\\)"):
        connected.client.company_info()


# fault on a create -> what the caller sees, how many invoices QuickBooks holds after, requests that reached it
CREATE_FAULTS = [
    pytest.param("drop_after_commit", OutcomeUnknown, 1, 1, id="answer-lost-after-commit-never-resent"),
    pytest.param("503", OutcomeUnknown, 0, 1, id="5xx-may-have-acted-never-resent"),
    pytest.param("html_502", OutcomeUnknown, 0, 1, id="gateway-page-never-resent"),
    pytest.param("429", None, 1, 2, id="throttled-untouched-so-retried"),
]


@pytest.mark.parametrize("fault, raised, invoices, attempts", CREATE_FAULTS)
def test_a_create_is_retried_only_when_quickbooks_surely_did_not_act(connected, qbo_emulator, fault, raised,
                                                                     invoices, attempts):
    """A create is not idempotent: a blind resend could make a second invoice where requestid is not honoured,
    so an unknown outcome goes back to the caller to look up (the sender does), and only a refusal that proves
    nothing happened is retried."""
    body = _invoice(connected.client, "LOST-1")
    qbo_emulator.reset_stats()
    qbo_emulator.inject(fault, count=1, match="invoice")
    if raised:
        with pytest.raises(raised, match="may or may not|acted"):
            connected.client.create("Invoice", body, request_id="row-lost-1")
    else:
        assert connected.client.create("Invoice", body, request_id="row-lost-1")["DocNumber"] == "LOST-1"
    assert len(qbo_emulator.created("Invoice")) == invoices
    assert qbo_emulator.stats()["api_requests"] == attempts


def test_a_query_whose_answer_is_lost_is_simply_asked_again(connected, qbo_emulator):
    qbo_emulator.inject("drop_after_commit", count=1, match="query")
    assert connected.client.query("SELECT * FROM Customer WHERE DisplayName = 'Initech'")["Customer"]


def test_a_token_expiring_mid_run_is_refreshed_once(connected, qbo_emulator):
    qbo_emulator.inject("expire_token", count=1)
    assert connected.client.company_info()["CompanyName"] == "ACD Demo Company"
    assert qbo_emulator.stats()["token"] == 2


def test_a_revoked_connection_asks_for_a_reconnect(connected, qbo_emulator):
    qbo_emulator.revoke_all()
    with pytest.raises(ReconnectNeeded):
        connected.client.company_info()


def test_a_token_for_another_company_is_refused(connected, qbo_emulator):
    from dataclasses import replace

    connected.store.save(replace(connected.store.load(), realm_id="4620816365999999999"))
    with pytest.raises((NotAuthorized, ReconnectNeeded)):
        connected.client.company_info()


def test_the_client_paces_itself_within_intuits_limits(connected, qbo_emulator):
    """A shared fake clock: the client's pacing sleeps advance it, the emulator counts per minute by it."""
    now = [1000.0]
    qbo_emulator.clock = lambda: now[0]
    limiter = RateLimiter(per_minute=20, batch_per_minute=4, max_concurrent=10, clock=lambda: now[0],
                          sleep=lambda seconds: now.__setitem__(0, now[0] + seconds))
    qbo_emulator.reset_stats()
    qbo_emulator.requests_per_minute, qbo_emulator.batch_per_minute = 20, 4
    client = QboClient(connected.settings, connected.tokens, limiter=limiter)
    for _ in range(45):
        client.company_info()
    for i in range(9):
        client.batch([{"bId": "1", "Query": "SELECT * FROM Item"}], "QueryResponse")
    stats = qbo_emulator.stats()
    assert stats["throttled_429"] == 0
    assert now[0] >= 1000.0 + 120, "pacing waited for the next minute instead of being throttled"


def test_no_token_reaches_the_log(connected, qbo_emulator, caplog):
    caplog.set_level(logging.DEBUG)
    qbo_emulator.expire_access_tokens()
    connected.client.company_info()
    tokens = connected.store.load()
    assert tokens.access_token not in caplog.text
    assert tokens.refresh_token not in caplog.text
