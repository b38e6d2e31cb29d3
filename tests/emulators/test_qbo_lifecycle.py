"""QBO emulator, changing what exists: sparse and full updates with SyncToken (5010 when stale), void read-back,
delete (gone from read and query, refused while a payment is linked), batch and requestid for updates — over HTTP."""

from __future__ import annotations

import pytest

from tests.emulators.qbo_helpers import (GLOBEX, INITECH, customer_balance, fault_of, invoice_body, make_bill,
                                         make_invoice)

LINE = {"Amount": 40.0, "DetailType": "SalesItemLineDetail", "Description": "Extra day",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}


def test_a_sparse_update_changes_only_the_fields_sent(qbo_api, qbo_clock):
    invoice = make_invoice(qbo_api, 100.0, DocNumber="SP-1", PrivateNote="keep me",
                           CustomerMemo={"value": "Thanks"}, BillEmail={"Address": "ap@globex.example"})
    qbo_clock.advance(90)
    answer = qbo_api.post("invoice", json={"Id": invoice["Id"], "SyncToken": "0", "sparse": True,
                                           "DueDate": "2025-11-30"})
    assert answer.status_code == 200, answer.text
    updated = answer.json()["Invoice"]
    assert updated["DueDate"] == "2025-11-30" and updated["SyncToken"] == "1"
    unchanged = {k: v for k, v in invoice.items() if k not in ("DueDate", "SyncToken", "MetaData")}
    assert {k: updated[k] for k in unchanged} == unchanged
    assert updated["MetaData"]["CreateTime"] == invoice["MetaData"]["CreateTime"]
    assert updated["MetaData"]["LastUpdatedTime"] > invoice["MetaData"]["LastUpdatedTime"]
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"] == updated
    assert qbo_api.emu.stats()["update"] == 1 and qbo_api.emu.stats()["create"] == 1


def test_sparse_lines_replace_all_lines_and_a_paid_amount_stays_applied(qbo_api):
    invoice = make_invoice(qbo_api, 100.0)
    payment = qbo_api.emu.pay_invoice(invoice["Id"], 30.0)
    read = qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    lines = [{**LINE, "Amount": 150.0}, LINE]
    updated = qbo_api.post("invoice", json={"Id": read["Id"], "SyncToken": read["SyncToken"], "sparse": True,
                                            "Line": lines}).json()["Invoice"]
    assert [line.get("Description") for line in updated["Line"]] == ["Extra day", "Extra day", None]
    assert (updated["TotalAmt"], updated["Balance"]) == (190.0, 160.0)
    assert updated["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert customer_balance(qbo_api, GLOBEX) == 160.0
    too_small = qbo_api.post("invoice", json={"Id": read["Id"], "SyncToken": updated["SyncToken"], "sparse": True,
                                              "Line": [{**LINE, "Amount": 10.0}]})
    error, = fault_of(too_small)
    assert error["code"] == "6000" and "already paid" in error["Detail"]
    moved = qbo_api.post("invoice", json={"Id": read["Id"], "SyncToken": updated["SyncToken"], "sparse": True,
                                          "CustomerRef": {"value": INITECH}})
    assert fault_of(moved)[0]["code"] == "6000"
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"] == updated, "a refused update changes nothing"
    assert customer_balance(qbo_api, GLOBEX) == 160.0


def test_a_full_update_replaces_the_object_and_needs_its_required_fields(qbo_api):
    invoice = make_invoice(qbo_api, 100.0, DocNumber="FU-1", PrivateNote="old note")
    body = {**invoice_body(INITECH, 75.0, DocNumber="FU-1"), "Id": invoice["Id"], "SyncToken": "0"}
    updated = qbo_api.post("invoice", json=body).json()["Invoice"]
    assert updated["CustomerRef"]["value"] == INITECH and updated["TotalAmt"] == 75.0
    assert "PrivateNote" not in updated, "writable fields left out of a full update are cleared"
    assert (customer_balance(qbo_api, GLOBEX), customer_balance(qbo_api, INITECH)) == (0.0, 75.0)
    errors = fault_of(qbo_api.post("invoice", json={"Id": invoice["Id"], "SyncToken": "1", "DueDate": "2025-12-01"}))
    assert {e["element"] for e in errors} >= {"CustomerRef", "Line"}


def test_an_update_may_keep_its_own_docnumber_but_not_take_another(qbo_api):
    first, second = make_invoice(qbo_api, DocNumber="DN-1"), make_invoice(qbo_api, DocNumber="DN-2")
    same = qbo_api.post("invoice", json={"Id": first["Id"], "SyncToken": "0", "sparse": True, "DocNumber": "DN-1",
                                         "PrivateNote": "x"})
    assert same.status_code == 200
    clash = qbo_api.post("invoice", json={"Id": second["Id"], "SyncToken": "0", "sparse": True, "DocNumber": "DN-1"})
    assert fault_of(clash)[0]["code"] == "6140"


STALE = [
    ("sparse-update", "invoice", lambda i: {"Id": i, "SyncToken": "0", "sparse": True, "PrivateNote": "late"}),
    ("full-update", "invoice", lambda i: {**invoice_body(), "Id": i, "SyncToken": "0"}),
    ("void", "invoice?operation=void", lambda i: {"Id": i, "SyncToken": "0"}),
    ("delete", "invoice?operation=delete", lambda i: {"Id": i, "SyncToken": "0"}),
    ("future-token", "invoice", lambda i: {"Id": i, "SyncToken": "5", "sparse": True}),
]


@pytest.mark.parametrize("path, body", [c[1:] for c in STALE], ids=[c[0] for c in STALE])
def test_a_stale_synctoken_is_a_5010(qbo_api, path, body):
    invoice = make_invoice(qbo_api, 100.0)
    qbo_api.emu.update_invoice(invoice["Id"], PrivateNote="changed in the web app")   # SyncToken is now "1"
    error, = fault_of(qbo_api.post(path, json=body(invoice["Id"])))
    assert (error["code"], error["Message"]) == ("5010", "Stale Object Error")
    assert error["Detail"].startswith("Stale Object Error : You and ") and "your work was not saved" in error["Detail"]
    after = qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert (after["SyncToken"], after["PrivateNote"], after["TotalAmt"]) == ("1", "changed in the web app", 100.0)


@pytest.mark.parametrize("body, code, element", [({"SyncToken": "0", "sparse": True}, "2020", "Id"),
                                                 ({"Id": "{id}", "sparse": True}, "2020", "SyncToken"),
                                                 ({"Id": "4242", "SyncToken": "0", "sparse": True}, "610", "")],
                         ids=["no-id", "no-synctoken", "unknown-id"])
def test_an_update_needs_id_and_synctoken(qbo_api, body, code, element):
    invoice = make_invoice(qbo_api)
    body = {k: (v.format(id=invoice["Id"]) if isinstance(v, str) else v) for k, v in body.items()}
    error, = fault_of(qbo_api.post("invoice?operation=update", json=body))
    assert (error["code"], error["element"]) == (code, element)


def test_a_voided_invoice_reads_back_zeroed_with_voided_in_its_note(qbo_api):
    invoice = make_invoice(qbo_api, 100.0, PrivateNote="Sept. training",
                           Line=[{**LINE, "Amount": 100.0, "SalesItemLineDetail": {
                               "ItemRef": {"value": "1"}, "Qty": 2, "UnitPrice": 50}}])
    answer = qbo_api.post("invoice?operation=void", json={"Id": invoice["Id"], "SyncToken": "0"})
    assert answer.status_code == 200, answer.text
    voided = qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert voided == answer.json()["Invoice"]
    assert (voided["TotalAmt"], voided["Balance"], voided["Deposit"], voided["LinkedTxn"]) == (0, 0, 0, [])
    assert voided["PrivateNote"] == "Voided - Sept. training" and voided["SyncToken"] == "1"
    assert voided["Line"][0]["Amount"] == 0 and voided["Line"][0]["SalesItemLineDetail"]["Qty"] == 0
    assert voided["DocNumber"] == invoice["DocNumber"] and voided["CustomerRef"] == invoice["CustomerRef"]
    assert customer_balance(qbo_api, GLOBEX) == 0.0
    listed = qbo_api.query(f"select * from Invoice where Id = '{invoice['Id']}'").json()["QueryResponse"]
    assert listed["Invoice"] == [voided], "a voided invoice stays in queries"


def test_an_invoice_with_a_payment_can_be_neither_voided_nor_deleted(qbo_api):
    invoice = make_invoice(qbo_api, 100.0)
    payment = qbo_api.emu.pay_invoice(invoice["Id"], 25.0)
    body = {"Id": invoice["Id"], "SyncToken": "1"}
    for path in ("invoice?operation=void", "invoice?operation=delete"):
        error, = fault_of(qbo_api.post(path, json=body))
        assert error["code"] == "6000", error
    qbo_api.emu.delete_payment(payment["Id"])
    assert qbo_api.post("invoice?operation=void", json={**body, "SyncToken": "2"}).status_code == 200


def test_a_deleted_invoice_is_gone_from_read_and_query(qbo_api):
    kept, gone = make_invoice(qbo_api, 10.0), make_invoice(qbo_api, 20.0)
    answer = qbo_api.post("invoice?operation=delete", json={"Id": gone["Id"], "SyncToken": "0"})
    assert answer.json()["Invoice"] == {"status": "Deleted", "domain": "QBO", "Id": gone["Id"]}
    error, = fault_of(qbo_api.get(f"invoice/{gone['Id']}"))
    assert (error["code"], error["Message"]) == ("610", "Object Not Found")
    assert error["Detail"] == "Object Not Found : Another user has deleted this transaction."
    assert [i["Id"] for i in qbo_api.query("select * from Invoice").json()["QueryResponse"]["Invoice"]] == [kept["Id"]]
    for path, body in (("invoice", {"Id": gone["Id"], "SyncToken": "0", "sparse": True}),
                       ("invoice?operation=delete", {"Id": gone["Id"], "SyncToken": "0"})):
        assert fault_of(qbo_api.post(path, json=body))[0]["code"] == "610"
    assert fault_of(qbo_api.get(f"invoice/{gone['Id']}/pdf"))[0]["code"] == "610"
    assert customer_balance(qbo_api, GLOBEX) == 10.0
    assert [i["Id"] for i in qbo_api.emu.created("Invoice")] == [kept["Id"]]


def test_an_update_of_a_voided_invoice_is_allowed(qbo_api):
    invoice = make_invoice(qbo_api, 100.0)
    qbo_api.emu.void_invoice(invoice["Id"])
    noted = qbo_api.post("invoice", json={"Id": invoice["Id"], "SyncToken": "1", "sparse": True,
                                          "PrivateNote": "Voided - duplicate of 1002"})
    assert noted.status_code == 200 and noted.json()["Invoice"]["TotalAmt"] == 0


def test_bill_updates_and_delete(qbo_api):
    bill = make_bill(qbo_api, 200.0, DocNumber="B-7")
    updated = qbo_api.post("bill", json={"Id": bill["Id"], "SyncToken": "0", "sparse": True,
                                         "PrivateNote": "approved"}).json()["Bill"]
    assert (updated["PrivateNote"], updated["DocNumber"], updated["TotalAmt"], updated["SyncToken"]) == \
        ("approved", "B-7", 200.0, "1")
    assert fault_of(qbo_api.post("bill?operation=delete", json={"Id": bill["Id"], "SyncToken": "0"}))[0][
        "code"] == "5010"
    deleted = qbo_api.post("bill?operation=delete", json={"Id": bill["Id"], "SyncToken": "1"}).json()["Bill"]
    assert deleted == {"status": "Deleted", "domain": "QBO", "Id": bill["Id"]}
    assert qbo_api.query("select * from Bill").json()["QueryResponse"] == {}


def test_updates_and_deletes_in_a_batch(qbo_api):
    first, second = make_invoice(qbo_api, 10.0), make_invoice(qbo_api, 20.0)
    items = qbo_api.post("batch", json={"BatchItemRequest": [
        {"bId": "u", "operation": "update", "Invoice": {"Id": first["Id"], "SyncToken": "0", "sparse": True,
                                                        "PrivateNote": "batched"}},
        {"bId": "s", "operation": "update", "Invoice": {"Id": second["Id"], "SyncToken": "3", "sparse": True}},
        {"bId": "v", "operation": "void", "Invoice": {"Id": second["Id"], "SyncToken": "0"}},
        {"bId": "d", "operation": "delete", "Invoice": {"Id": first["Id"], "SyncToken": "1"}},
    ]}).json()["BatchItemResponse"]
    assert items[0]["Invoice"]["PrivateNote"] == "batched"
    assert items[1]["Fault"]["Error"][0]["code"] == "5010"
    assert items[2]["Invoice"]["PrivateNote"] == "Voided"
    assert items[3]["Invoice"]["status"] == "Deleted"


def test_an_update_replays_its_requestid(qbo_api):
    invoice = make_invoice(qbo_api)
    body = {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "once"}
    first = qbo_api.post("invoice?requestid=upd-1", json=body)
    again = qbo_api.post("invoice?requestid=upd-1", json=body)
    assert again.status_code == 200 and again.content == first.content, "the retry is not a 5010"
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["SyncToken"] == "1"
