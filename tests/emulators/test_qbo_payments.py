"""QBO emulator, money after the invoice: Payments settle Invoices and BillPayments settle Bills over real HTTP —
balances, LinkedTxn, SyncTokens, Intuit-shaped validation Faults, delete/void giving the balance back, batch,
requestid replay and the demo state file."""

from __future__ import annotations

import json

import pytest

from emulators.qbo import QboEmulator
from tests.builders import FakeClock
from tests.emulators.qbo_helpers import (ACCELEBRATE, GLOBEX, INITECH, Api, bill_payment_body, customer_balance,
                                         fault_of, make_bill, make_invoice, payment_body)

# ---------------------------------------------------------------------------------------------- payments
def test_one_payment_applied_to_two_invoices(qbo_api):
    first, second = make_invoice(qbo_api, 100.0), make_invoice(qbo_api, 250.0)
    answer = qbo_api.post("payment", json=payment_body(GLOBEX, 300.0, (first["Id"], 100.0), (second["Id"], 200.0)))
    assert answer.status_code == 200, answer.text
    payment = answer.json()["Payment"]
    assert payment["CustomerRef"] == {"value": GLOBEX, "name": "Globex LLC"}
    assert (payment["TotalAmt"], payment["UnappliedAmt"], payment["SyncToken"]) == (300.0, 0.0, "0")
    assert payment["TxnDate"] == "2025-10-09" and payment["DepositToAccountRef"]["name"] == "Undeposited Funds"
    assert [line["LinkedTxn"] for line in payment["Line"]] == [[{"TxnId": first["Id"], "TxnType": "Invoice"}],
                                                               [{"TxnId": second["Id"], "TxnType": "Invoice"}]]
    paid_first = qbo_api.get(f"invoice/{first['Id']}").json()["Invoice"]
    paid_second = qbo_api.get(f"invoice/{second['Id']}").json()["Invoice"]
    assert (paid_first["Balance"], paid_second["Balance"]) == (0.0, 50.0)
    for invoice in (paid_first, paid_second):
        assert invoice["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
        assert invoice["SyncToken"] == "1" and invoice["TotalAmt"] in (100.0, 250.0)
    assert customer_balance(qbo_api, GLOBEX) == 50.0
    assert qbo_api.get(f"payment/{payment['Id']}").json()["Payment"] == payment
    assert qbo_api.emu.created("Payment") == [payment]


def test_an_unapplied_remainder_stays_on_the_payment(qbo_api):
    invoice = make_invoice(qbo_api, 80.0)
    payment = qbo_api.post("payment", json=payment_body(GLOBEX, 100.0, (invoice["Id"], 80.0))).json()["Payment"]
    assert payment["UnappliedAmt"] == 20.0
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 0.0


def test_payments_are_queryable(qbo_api):
    invoice = make_invoice(qbo_api)
    payment = qbo_api.post("payment", json=payment_body(GLOBEX, 40.0, (invoice["Id"], 40.0))).json()["Payment"]
    rows = qbo_api.query(f"select * from Payment where CustomerRef = '{GLOBEX}'").json()["QueryResponse"]
    assert rows["Payment"] == [payment] and rows["maxResults"] == 1
    assert qbo_api.query("select * from Payment where TotalAmt > '100'").json()["QueryResponse"] == {}


PAYMENT_FAULTS = [
    ("no-customer", lambda inv, other: payment_body(GLOBEX, 10.0, (inv, 10.0)) | {"CustomerRef": None}, "2020",
     "CustomerRef"),
    ("no-total", lambda inv, other: {k: v for k, v in payment_body(GLOBEX, 10, (inv, 10.0)).items() if k != "TotalAmt"},
     "6000", "You must set a transaction amount."),
    ("over-balance", lambda inv, other: payment_body(GLOBEX, 150.0, (inv, 150.0)), "6000", "open balance"),
    ("other-customer", lambda inv, other: payment_body(GLOBEX, 10.0, (other, 10.0)), "6000", "another customer"),
    ("lines-over-total", lambda inv, other: payment_body(GLOBEX, 10.0, (inv, 20.0)), "6000", "more than TotalAmt"),
    ("unknown-invoice", lambda inv, other: payment_body(GLOBEX, 10.0, ("9999", 10.0)), "2500", "Invalid Reference"),
    ("negative-line", lambda inv, other: payment_body(GLOBEX, 10.0, (inv, -5.0)), "6000", "cannot be negative"),
    ("string-amount", lambda inv, other: payment_body(GLOBEX, 10.0, (inv, "10")), "2010", "Line.Amount"),
    ("no-link", lambda inv, other: payment_body(GLOBEX, 10.0) | {"Line": [{"Amount": 10.0}]}, "2020", "LinkedTxn"),
    ("credit-memo", lambda inv, other: payment_body(GLOBEX, 10.0) | {"Line": [
        {"Amount": 10.0, "LinkedTxn": [{"TxnId": inv, "TxnType": "CreditMemo"}]}]}, "500", "CreditMemo"),
    ("deposit-to-expense", lambda inv, other: payment_body(GLOBEX, 10.0, (inv, 10.0),
                                                           DepositToAccountRef={"value": "7"}), "6000", "Bank"),
    ("unknown-field", lambda inv, other: payment_body(GLOBEX, 10.0, (inv, 10.0), Color="red"), "2010", "Color"),
]


@pytest.mark.parametrize("make, code, words", [c[1:] for c in PAYMENT_FAULTS], ids=[c[0] for c in PAYMENT_FAULTS])
def test_payment_validation_faults(qbo_api, make, code, words):
    invoice, other = make_invoice(qbo_api, 100.0), make_invoice(qbo_api, 100.0, customer=INITECH)
    errors = fault_of(qbo_api.post("payment", json=make(invoice["Id"], other["Id"])))
    assert code in [e["code"] for e in errors] and any(words in e["Detail"] for e in errors), errors
    after = qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert (after["Balance"], after["LinkedTxn"], after["SyncToken"]) == (100.0, [], "0"), "nothing was applied"
    assert qbo_api.emu.created("Payment") == []


def test_a_payment_to_a_deleted_invoice_is_object_not_found(qbo_api):
    invoice = make_invoice(qbo_api)
    qbo_api.emu.delete_invoice(invoice["Id"])
    error, = fault_of(qbo_api.post("payment", json=payment_body(GLOBEX, 10.0, (invoice["Id"], 10.0))))
    assert (error["code"], error["Detail"]) == ("610", "Object Not Found : Another user has deleted this transaction.")


@pytest.mark.parametrize("how", ["delete", "void"])
def test_deleting_or_voiding_a_payment_gives_the_balance_back(qbo_api, how):
    first, second = make_invoice(qbo_api, 100.0), make_invoice(qbo_api, 60.0)
    payment = qbo_api.post("payment", json=payment_body(GLOBEX, 160.0, (first["Id"], 100.0),
                                                        (second["Id"], 60.0))).json()["Payment"]
    body = {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}
    if how == "delete":
        answer = qbo_api.post("payment?operation=delete", json=body)
        assert answer.json()["Payment"] == {"status": "Deleted", "domain": "QBO", "Id": payment["Id"]}
        assert fault_of(qbo_api.get(f"payment/{payment['Id']}"))[0]["code"] == "610"
    else:
        answer = qbo_api.post("payment?operation=update&include=void", json={**body, "sparse": True})
        voided = answer.json()["Payment"]
        assert (voided["TotalAmt"], voided["UnappliedAmt"], voided["Line"]) == (0, 0, [])
        assert voided["PrivateNote"] == "Voided" and voided["SyncToken"] == "1"
    assert answer.status_code == 200, answer.text
    for invoice, total in ((first, 100.0), (second, 60.0)):
        after = qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
        assert (after["Balance"], after["LinkedTxn"], after["SyncToken"]) == (total, [], "2")
    assert customer_balance(qbo_api, GLOBEX) == 160.0


def test_a_payment_is_voided_only_by_the_sparse_include_void_form(qbo_api):
    invoice = make_invoice(qbo_api)
    payment = qbo_api.post("payment", json=payment_body(GLOBEX, 10.0, (invoice["Id"], 10.0))).json()["Payment"]
    body = {"Id": payment["Id"], "SyncToken": "0"}
    assert fault_of(qbo_api.post("payment?operation=void", json=body))[0]["code"] == "500"
    assert fault_of(qbo_api.post("payment?include=void", json=body))[0]["element"] == "CustomerRef"  # not sparse
    stale = fault_of(qbo_api.post("payment?include=void", json={**body, "SyncToken": "7", "sparse": True}))
    assert stale[0]["code"] == "5010"
    assert qbo_api.post("payment?include=void", json={**body, "sparse": True}).status_code == 200


# ----------------------------------------------------------------------------------------- bill payments
@pytest.mark.parametrize("pay_type, account, holder", [("Check", "35", "CheckPayment"),
                                                       ("CreditCard", "41", "CreditCardPayment")])
def test_a_bill_payment_settles_a_bill(qbo_api, pay_type, account, holder):
    bill = make_bill(qbo_api, 200.0)
    answer = qbo_api.post("billpayment", json=bill_payment_body(ACCELEBRATE, 150.0, (bill["Id"], 150.0),
                                                                pay_type=pay_type, account=account))
    assert answer.status_code == 200, answer.text
    payment = answer.json()["BillPayment"]
    assert payment["PayType"] == pay_type and payment[holder][next(iter(payment[holder]))]["value"] == account
    assert payment["Line"] == [{"Amount": 150.0, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}]
    after = qbo_api.get(f"bill/{bill['Id']}").json()["Bill"]
    # a Bill shows every BillPayment as BillPaymentCheck (Intuit bill page; ruckus fixture with a CreditCard one)
    assert after["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "BillPaymentCheck"}]
    assert (after["Balance"], after["SyncToken"]) == (50.0, "1")
    assert qbo_api.get(f"vendor/{ACCELEBRATE}").json()["Vendor"]["Balance"] == 50.0
    rows = qbo_api.query(f"select * from BillPayment where PayType = '{pay_type}'").json()["QueryResponse"]
    assert rows["BillPayment"] == [payment]


BILL_PAYMENT_FAULTS = [
    ("no-vendor", lambda bill: bill_payment_body(ACCELEBRATE, 10.0, (bill, 10.0)) | {"VendorRef": None}, "2020"),
    ("no-paytype", lambda bill: bill_payment_body(ACCELEBRATE, 10.0, (bill, 10.0), pay_type=None), "2020"),
    ("bad-paytype", lambda bill: bill_payment_body(ACCELEBRATE, 10.0, (bill, 10.0), pay_type="Cash"), "2170"),
    ("no-bank-account", lambda bill: {k: v for k, v in bill_payment_body(ACCELEBRATE, 10.0, (bill, 10.0)).items()
                                      if k != "CheckPayment"}, "2020"),
    ("not-a-bank-account", lambda bill: bill_payment_body(ACCELEBRATE, 10.0, (bill, 10.0), account="7"), "6000"),
    ("unknown-account", lambda bill: bill_payment_body(ACCELEBRATE, 10.0, (bill, 10.0), account="999"), "2500"),
    ("card-is-not-a-bank", lambda bill: bill_payment_body(ACCELEBRATE, 10.0, (bill, 10.0), account="41"), "6000"),
    ("no-lines", lambda bill: bill_payment_body(ACCELEBRATE, 10.0), "2020"),
    ("other-vendor", lambda bill: bill_payment_body("14", 10.0, (bill, 10.0)), "6000"),
    ("over-balance", lambda bill: bill_payment_body(ACCELEBRATE, 500.0, (bill, 500.0)), "6000"),
    ("total-differs", lambda bill: bill_payment_body(ACCELEBRATE, 50.0, (bill, 10.0)), "6000"),
    ("no-total", lambda bill: bill_payment_body(ACCELEBRATE, None, (bill, 10.0)), "6000"),
]


@pytest.mark.parametrize("make, code", [c[1:] for c in BILL_PAYMENT_FAULTS], ids=[c[0] for c in BILL_PAYMENT_FAULTS])
def test_bill_payment_validation_faults(qbo_api, make, code):
    bill = make_bill(qbo_api, 200.0)
    body = make(bill["Id"])
    body = {k: v for k, v in body.items() if v is not None}
    errors = fault_of(qbo_api.post("billpayment", json=body))
    assert code in [e["code"] for e in errors], errors
    after = qbo_api.get(f"bill/{bill['Id']}").json()["Bill"]
    assert (after["Balance"], after["LinkedTxn"]) == (200.0, [])


def test_deleting_a_bill_payment_reopens_the_bill_and_bills_cannot_be_voided(qbo_api):
    bill = make_bill(qbo_api, 200.0)
    payment = qbo_api.post("billpayment", json=bill_payment_body(ACCELEBRATE, 200.0,
                                                                 (bill["Id"], 200.0))).json()["BillPayment"]
    read = qbo_api.get(f"bill/{bill['Id']}").json()["Bill"]
    error, = fault_of(qbo_api.post("bill?operation=delete", json={"Id": bill["Id"], "SyncToken": read["SyncToken"]}))
    assert error["code"] == "6000" and "unlink" in error["Detail"], "a paid bill cannot be deleted"
    assert fault_of(qbo_api.post("bill?operation=void", json={"Id": bill["Id"], "SyncToken": read["SyncToken"]}))[0][
        "code"] == "500"
    deleted = qbo_api.post("billpayment?operation=delete", json={"Id": payment["Id"], "SyncToken": "0"})
    assert deleted.json()["BillPayment"] == {"status": "Deleted", "domain": "QBO", "Id": payment["Id"]}
    after = qbo_api.get(f"bill/{bill['Id']}").json()["Bill"]
    assert (after["Balance"], after["LinkedTxn"], after["SyncToken"]) == (200.0, [], "2")
    assert qbo_api.post("bill?operation=delete", json={"Id": bill["Id"], "SyncToken": "2"}).status_code == 200


def test_voiding_a_bill_payment(qbo_api):
    bill = make_bill(qbo_api, 200.0)
    payment = qbo_api.emu.pay_bill(bill["Id"], 120.0)
    answer = qbo_api.post("billpayment?operation=update&include=void",
                          json={"Id": payment["Id"], "SyncToken": payment["SyncToken"], "sparse": True})
    voided = answer.json()["BillPayment"]
    assert (voided["TotalAmt"], voided["Line"], voided["PrivateNote"]) == (0, [], "Voided")
    assert qbo_api.get(f"bill/{bill['Id']}").json()["Bill"]["Balance"] == 200.0


def test_bill_payments_need_essentials_or_higher(qbo_api):
    bill = make_bill(qbo_api)
    qbo_api.emu.set_edition("Simple Start")
    error, = fault_of(qbo_api.post("billpayment", json=bill_payment_body(ACCELEBRATE, 10.0, (bill["Id"], 10.0))))
    assert error["code"] == "5020"


# ------------------------------------------------------------------------------ batch, requestid, state file
def test_payments_in_a_batch(qbo_api):
    invoice, bill = make_invoice(qbo_api, 100.0), make_bill(qbo_api, 200.0)
    answer = qbo_api.post("batch", json={"BatchItemRequest": [
        {"bId": "p", "operation": "create", "Payment": payment_body(GLOBEX, 30.0, (invoice["Id"], 30.0))},
        {"bId": "bp", "operation": "create", "BillPayment": bill_payment_body(ACCELEBRATE, 20.0, (bill["Id"], 20.0))},
        {"bId": "bad", "operation": "create", "Payment": payment_body(GLOBEX, 999.0, (invoice["Id"], 999.0))},
        {"bId": "q", "Query": "select * from Payment"},
    ]})
    items = {item["bId"]: item for item in answer.json()["BatchItemResponse"]}
    assert items["p"]["Payment"]["TotalAmt"] == 30.0 and items["bp"]["BillPayment"]["TotalAmt"] == 20.0
    assert items["bad"]["Fault"]["Error"][0]["code"] == "6000"
    assert [p["Id"] for p in items["q"]["QueryResponse"]["Payment"]] == [items["p"]["Payment"]["Id"]]
    voided = qbo_api.post("batch", json={"BatchItemRequest": [
        {"bId": "v", "operation": "update", "optionsData": "void",
         "Payment": {"Id": items["p"]["Payment"]["Id"], "SyncToken": "0", "sparse": True}},
        {"bId": "d", "operation": "delete", "BillPayment": {"Id": items["bp"]["BillPayment"]["Id"], "SyncToken": "0"}},
    ]}).json()["BatchItemResponse"]
    assert voided[0]["Payment"]["TotalAmt"] == 0 and voided[1]["BillPayment"]["status"] == "Deleted"
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 100.0


def test_a_payment_create_replays_its_requestid(qbo_api):
    invoice = make_invoice(qbo_api, 100.0)
    body = payment_body(GLOBEX, 40.0, (invoice["Id"], 40.0))
    first = qbo_api.post("payment?requestid=pay-1", json=body)
    again = qbo_api.post("payment?requestid=pay-1", json=body)
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert len(qbo_api.emu.created("Payment")) == 1
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 60.0, "applied once"
    assert qbo_api.emu.stats()["replayed"] == 1


def test_payments_tombstones_and_voids_survive_a_demo_restart(tmp_path):
    state, clock = tmp_path / "qbo_emulator.json", FakeClock()
    first = QboEmulator(state_file=state, clock=clock)
    with first.start():
        api = Api(first)
        kept, gone, voided = make_invoice(api, 100.0), make_invoice(api, 50.0), make_invoice(api, 70.0)
        payment = api.post("payment", json=payment_body(GLOBEX, 60.0, (kept["Id"], 60.0))).json()["Payment"]
        assert api.post("invoice?operation=delete", json={"Id": gone["Id"], "SyncToken": "0"}).status_code == 200
        assert api.post("invoice?operation=void", json={"Id": voided["Id"], "SyncToken": "0"}).status_code == 200
    second = QboEmulator(state_file=state, clock=clock)
    assert second.company.objects == first.company.objects
    assert (second.company.deleted, second.company.voided, second.company.change_order) == \
        (first.company.deleted, first.company.voided, first.company.change_order)
    assert second.read("Payment", payment["Id"]) == payment
    with second.start():
        api = Api(second)
        assert fault_of(api.get(f"invoice/{gone['Id']}"))[0]["code"] == "610"
        assert api.get(f"invoice/{kept['Id']}").json()["Invoice"]["Balance"] == 40.0
        changes = api.get("cdc", params={"entities": "Invoice", "changedSince": "2025-10-01"}).json()
        invoices = changes["CDCResponse"][0]["QueryResponse"][0]["Invoice"]
        assert {"Id": gone["Id"], "status": "Deleted", "domain": "QBO"}.items() <= invoices[-2].items()
        assert invoices[-1]["Id"] == voided["Id"] and invoices[-1]["PrivateNote"] == "Voided"


def test_a_demo_file_saved_before_the_payment_accounts_existed_gains_them(tmp_path):
    state, clock = tmp_path / "qbo_emulator.json", FakeClock()
    first = QboEmulator(state_file=state, clock=clock)
    with first.start():
        invoice = make_invoice(Api(first), 100.0)
    saved = json.loads(state.read_text())
    for account_id in ("4", "41"):
        del saved["company"]["objects"]["Account"][account_id]
    state.write_text(json.dumps(saved))
    second = QboEmulator(state_file=state, clock=clock)
    assert second.pay_invoice(invoice["Id"])["DepositToAccountRef"] == {"value": "4", "name": "Undeposited Funds"}
    assert second.read("Account", "41")["AccountType"] == "Credit Card"
