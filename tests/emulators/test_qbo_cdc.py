"""QBO emulator, Change Data Capture over HTTP: the CDCResponse shape, every change once in its current state,
deleted objects as tombstones, the 30-day look-back, the 1,000-object cap, parameter Faults, limits and faults."""

from __future__ import annotations

import pytest

from emulators.qbo_faults import iso_time
from tests.emulators.qbo_helpers import GLOBEX, Api, fault_of, make_bill, make_invoice, payment_body

DAY = 24 * 3600


def cdc(api: Api, entities="Invoice,Bill,Payment,BillPayment", since: str | None = None):
    return api.get("cdc", params={"entities": entities, "changedSince": since or iso_time(api.emu.clock())})


def fresh_token(api: Api) -> None:
    """After the fake clock moved past the access token's hour, as a client's refresh would."""
    api.session.headers["Authorization"] = f"Bearer {api.emu.issue_tokens()['access_token']}"


def changes(answer) -> dict[str, list[dict]]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"CDCResponse", "time"} and len(body["CDCResponse"]) == 1
    found = {}
    for block in body["CDCResponse"][0]["QueryResponse"]:
        if block:
            entity, = [key for key in block if key not in ("startPosition", "maxResults")]
            assert (block["startPosition"], block["maxResults"]) == (1, len(block[entity]))
            found[entity] = block[entity]
    return found


def test_the_cdc_answer_lists_each_change_once_in_its_current_state(qbo_api, qbo_clock):
    since = iso_time(qbo_clock())
    qbo_clock.advance(60)
    invoice, bill = make_invoice(qbo_api, 100.0), make_bill(qbo_api, 50.0)
    qbo_api.emu.update_invoice(invoice["Id"], PrivateNote="edited")
    payment = qbo_api.post("payment", json=payment_body(GLOBEX, 40.0, (invoice["Id"], 40.0))).json()["Payment"]
    answer = cdc(qbo_api, since=since)
    blocks = answer.json()["CDCResponse"][0]["QueryResponse"]
    assert blocks[3] == {}, "an entity asked for without changes answers an empty QueryResponse, in request order"
    found = changes(answer)
    assert set(found) == {"Invoice", "Bill", "Payment"}
    assert found["Invoice"] == [qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]]
    assert found["Invoice"][0]["SyncToken"] == "2" and found["Invoice"][0]["Balance"] == 60.0
    assert found["Bill"] == [bill] and found["Payment"] == [payment]
    later = changes(cdc(qbo_api, since=iso_time(qbo_clock() + 1)))
    assert later == {}, "nothing changed after that moment"


def test_a_deleted_object_is_gone_from_read_and_query_but_in_cdc_as_deleted(qbo_api, qbo_clock):
    since = iso_time(qbo_clock())
    invoice = make_invoice(qbo_api, 100.0)
    payment = qbo_api.emu.pay_invoice(invoice["Id"])
    qbo_clock.advance(30)
    qbo_api.post("payment?operation=delete", json={"Id": payment["Id"], "SyncToken": "0"})
    qbo_api.post("invoice?operation=delete", json={"Id": invoice["Id"], "SyncToken": "2"})
    assert fault_of(qbo_api.get(f"invoice/{invoice['Id']}"))[0]["code"] == "610"
    assert qbo_api.query("select * from Invoice").json()["QueryResponse"] == {}
    assert qbo_api.query("select * from Payment").json()["QueryResponse"] == {}
    found = changes(cdc(qbo_api, "Invoice,Payment", since))
    stamp = iso_time(qbo_clock())[:19] + iso_time(qbo_clock())[-6:]
    assert found["Invoice"] == [{"Id": invoice["Id"], "status": "Deleted", "domain": "QBO",
                                 "MetaData": {"LastUpdatedTime": stamp}}]
    assert found["Payment"] == [{"Id": payment["Id"], "status": "Deleted", "domain": "QBO",
                                 "MetaData": {"LastUpdatedTime": stamp}}]


def test_a_voided_invoice_appears_in_its_voided_state(qbo_api):
    invoice = make_invoice(qbo_api, 100.0)
    voided = qbo_api.emu.void_invoice(invoice["Id"])
    assert changes(cdc(qbo_api, "invoice", "2025-10-09"))["Invoice"] == [voided], "entity names: any case; a date"


@pytest.mark.parametrize("age_days, status", [(29, 200), (30, 200), (30.01, 400), (45, 400)])
def test_changed_since_more_than_30_days_back_is_refused(qbo_api, qbo_clock, age_days, status):
    since = iso_time(qbo_clock())
    qbo_clock.advance(age_days * DAY)
    fresh_token(qbo_api)
    answer = cdc(qbo_api, since=since)
    assert answer.status_code == status, answer.text
    if status == 400:
        error, = fault_of(answer)
        assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
        assert error["Detail"] == (f"Operation cdc with changedSince date {since} which is older than fixed days "
                                   "is not supported.")


def test_the_answer_holds_at_most_1000_objects_oldest_first(qbo_api, qbo_clock):
    since = iso_time(qbo_clock())
    company = qbo_api.emu.company
    with qbo_api.emu._lock:
        for n in range(1, 1006):
            company.create("Invoice", {"CustomerRef": {"value": GLOBEX}, "Line": [
                {"Amount": float(n), "DetailType": "SalesItemLineDetail",
                 "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}, set())
    first = sorted(company.objects["Invoice"].values(), key=lambda i: int(i["Id"]))[0]
    qbo_api.emu.pay_invoice(first["Id"], 1.0)   # the oldest invoice changes last: now it is the newest change
    found = changes(cdc(qbo_api, since=since))
    total = sum(len(objs) for objs in found.values())
    assert total == 1000, "a client detects saturation by a count of exactly 1,000"
    amounts = [i["TotalAmt"] for i in found["Invoice"]]
    assert amounts == [float(n) for n in range(2, 1002)], "the oldest 1,000 changes, in change order"
    assert "Payment" not in found, "the newest changes are the ones left out"
    rest = changes(cdc(qbo_api, since=found["Invoice"][-1]["MetaData"]["LastUpdatedTime"]))
    assert len(rest["Invoice"]) == 1000, "same second: the client must move on by time, and still sees the cap"


@pytest.mark.parametrize("params, code, element", [
    ({"entities": "Invoice"}, "2020", "changedSince"),
    ({"changedSince": "2025-10-09"}, "2020", "entities"),
    ({"entities": "Invoice", "changedSince": "yesterday"}, "2010", "changedSince"),
    ({"entities": "Invoice", "changedSince": "10/09/2025"}, "2010", "changedSince"),
    ({"entities": "Invoice,Estimate", "changedSince": "2025-10-09"}, "2010", "entities"),
    ({"entities": " , ", "changedSince": "2025-10-09"}, "2020", "entities"),
], ids=["no-since", "no-entities", "words", "us-date", "unknown-entity", "blank-entities"])
def test_bad_cdc_parameters_are_faults(qbo_api, params, code, element):
    error, = fault_of(qbo_api.get("cdc", params=params))
    assert (error["code"], error["element"]) == (code, element)


def test_cdc_counts_toward_limits_and_can_be_faulted(make_qbo):
    api = Api(make_qbo(requests_per_minute=2))
    api.emu.inject("503", match="cdc")
    assert api.get("query", params={"query": "select * from Item"}).status_code == 200
    assert cdc(api).status_code == 503
    assert cdc(api).status_code == 200
    assert cdc(api).status_code == 429, "the third request in a minute"
    stats = api.emu.stats()
    assert (stats["cdc"], stats["injected_faults"], stats["throttled_429"]) == (1, 1, 1)


def test_cdc_with_an_offset_or_utc_time(qbo_api, qbo_clock):
    invoice = make_invoice(qbo_api)
    at = qbo_clock()
    for since in (iso_time(at), "2025-10-09T08:53:20Z", "2025-10-09T01:53"):
        assert [i["Id"] for i in changes(cdc(qbo_api, "Invoice", since))["Invoice"]] == [invoice["Id"]], since
    assert changes(cdc(qbo_api, "Invoice", "2025-10-09T08:53:21Z")) == {}
