"""QBO emulator, the web app's transaction pages (local/demo mode): /app/invoice?txnId= and /app/bill?txnId=
show the transaction escaped, record a payment, void or delete through a form with a per-page CSRF token; plus the
control API's user actions."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import requests
from werkzeug.test import Client

from tests.emulators.qbo_helpers import fault_of, make_bill, make_invoice

OBRIEN = "3"   # O'Brien & Sons


class _Page(HTMLParser):
    """Forms (fields and the buttons' action values) and the text of the status cell."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.status, self._in_status = "", False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs["action"], "fields": {}, "buttons": []})
        elif tag == "input" and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button":
            self.forms[-1]["buttons"].append(attrs["value"])
        self._in_status = attrs.get("id") == "status"

    def handle_data(self, data):
        if self._in_status:
            self.status += data

    def form(self, action: str) -> dict:
        return next(f for f in self.forms if action in f["buttons"])


def page_url(emu, entity: str, txn_id: str) -> str:
    return f"{emu.base_url}/app/{entity}?txnId={txn_id}"


def open_page(emu, entity: str, txn_id: str) -> tuple[requests.Response, _Page]:
    answer = requests.get(page_url(emu, entity, txn_id), timeout=5)   # no bearer token: the person is logged in
    return answer, _Page(answer.text)


def submit(emu, page: _Page, action: str, **fields) -> requests.Response:
    form = page.form(action)
    return requests.post(emu.base_url + form["action"], data={**form["fields"], **fields, "action": action},
                         allow_redirects=False, timeout=5)


def test_the_invoice_page_shows_the_transaction_escaped(qbo_api):
    invoice = make_invoice(qbo_api, 1234.5, customer=OBRIEN, DocNumber="<b>ACD-1</b>", DueDate="2025-11-08")
    answer, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    assert "O&#x27;Brien &amp; Sons" in answer.text and "&lt;b&gt;ACD-1&lt;/b&gt;" in answer.text
    assert "<b>ACD-1" not in answer.text
    for shown in ("2025-10-09", "2025-11-08", "1,234.50", "No payments yet."):
        assert shown in answer.text
    assert page.status == "open" and {a for f in page.forms for a in f["buttons"]} == {"pay", "void"}
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert qbo_api.emu.stats()["api_requests"] == 1, "pages are not Accounting API requests"


def test_recording_a_payment_and_voiding_through_the_page(qbo_api):
    invoice = make_invoice(qbo_api, 100.0)
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    assert page.form("pay")["fields"]["amount"] == "100.00" and page.form("pay")["fields"]["date"] == "2025-10-09"
    done = submit(qbo_api.emu, page, "pay", amount="40", date="2025-10-08")
    assert done.status_code == 303 and done.headers["Location"] == f"/app/invoice?txnId={invoice['Id']}"
    after = qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert after["Balance"] == 60.0 and after["LinkedTxn"][0]["TxnType"] == "Payment"
    payment = qbo_api.get(f"payment/{after['LinkedTxn'][0]['TxnId']}").json()["Payment"]
    assert (payment["TotalAmt"], payment["TxnDate"]) == (40.0, "2025-10-08")
    answer, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    assert page.status == "partly paid" and payment["Id"] in answer.text and "40.00" in answer.text
    refused = submit(qbo_api.emu, page, "void")
    assert refused.status_code == 400 and "payment applied" in refused.text, "QuickBooks refuses; the page says why"
    qbo_api.emu.delete_payment(payment["Id"])
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    assert submit(qbo_api.emu, page, "void").status_code == 303
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    assert page.status == "voided" and page.forms == [], "nothing left to do on a voided invoice"
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["PrivateNote"] == "Voided"


def test_paying_in_full_and_an_overpayment(qbo_api):
    invoice = make_invoice(qbo_api, 100.0)
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    too_much = submit(qbo_api.emu, page, "pay", amount="150")
    assert too_much.status_code == 400 and "open balance" in too_much.text
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    assert submit(qbo_api.emu, page, "pay", amount="abc").status_code == 400
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    assert submit(qbo_api.emu, page, "pay").status_code == 303   # the amount offered: the open balance
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    assert page.status == "paid" and [f["buttons"] for f in page.forms] == [["void"]]


CSRF_CASES = [
    ("missing", lambda page, other: {k: v for k, v in page.form("pay")["fields"].items() if k != "csrf"}),
    ("wrong", lambda page, other: {**page.form("pay")["fields"], "csrf": "forged"}),
    ("another-page", lambda page, other: {**page.form("pay")["fields"], "csrf": other.form("pay")["fields"]["csrf"]}),
]


@pytest.mark.parametrize("fields", [c[1] for c in CSRF_CASES], ids=[c[0] for c in CSRF_CASES])
def test_a_post_without_this_pages_csrf_token_is_refused(qbo_api, fields):
    invoice, other = make_invoice(qbo_api, 100.0), make_invoice(qbo_api, 100.0)
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    _, other_page = open_page(qbo_api.emu, "invoice", other["Id"])
    answer = requests.post(page_url(qbo_api.emu, "invoice", invoice["Id"]),
                           data={**fields(page, other_page), "action": "pay"}, allow_redirects=False, timeout=5)
    assert answer.status_code == 403
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 100.0


def test_a_csrf_token_works_once_and_only_from_the_same_origin(qbo_api):
    invoice = make_invoice(qbo_api, 100.0)
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    form = {**page.form("pay")["fields"], "amount": "10", "action": "pay"}
    url = page_url(qbo_api.emu, "invoice", invoice["Id"])
    elsewhere = requests.post(url, data=form, headers={"Origin": "https://evil.example"}, allow_redirects=False,
                              timeout=5)
    assert elsewhere.status_code == 403
    _, page = open_page(qbo_api.emu, "invoice", invoice["Id"])
    form["csrf"] = page.form("pay")["fields"]["csrf"]
    assert requests.post(url, data=form, allow_redirects=False, timeout=5).status_code == 303
    assert requests.post(url, data=form, allow_redirects=False, timeout=5).status_code == 403, "used once"
    assert qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 90.0


def test_the_bill_page_pays_and_deletes(qbo_api):
    bill = make_bill(qbo_api, 200.0)
    answer, page = open_page(qbo_api.emu, "bill", bill["Id"])
    assert "Accelebrate" in answer.text and {b for f in page.forms for b in f["buttons"]} == {"pay", "delete"}
    assert submit(qbo_api.emu, page, "pay", amount="200").status_code == 303
    paid = qbo_api.get(f"bill/{bill['Id']}").json()["Bill"]
    assert paid["Balance"] == 0.0 and paid["LinkedTxn"][0]["TxnType"] == "BillPaymentCheck"
    _, page = open_page(qbo_api.emu, "bill", bill["Id"])
    assert page.status == "paid" and submit(qbo_api.emu, page, "delete").status_code == 400, "unlink first"
    qbo_api.emu.delete_bill_payment(paid["LinkedTxn"][0]["TxnId"])
    _, page = open_page(qbo_api.emu, "bill", bill["Id"])
    assert submit(qbo_api.emu, page, "delete").status_code == 303
    gone, _ = open_page(qbo_api.emu, "bill", bill["Id"])
    assert gone.status_code == 404 and "deleted" in gone.text
    assert fault_of(qbo_api.get(f"bill/{bill['Id']}"))[0]["code"] == "610"


@pytest.mark.parametrize("query", ["txnId=4242", "txnId=", "", "txnId={id}&companyId=123"],
                         ids=["unknown", "empty", "none", "other-company"])
def test_pages_that_do_not_exist_are_404(qbo_api, query):
    invoice = make_invoice(qbo_api)
    answer = requests.get(f"{qbo_api.emu.base_url}/app/invoice?{query.format(id=invoice['Id'])}", timeout=5)
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("text/html")


def test_the_real_link_shape_with_company_id_and_loopback_only(qbo_api):
    invoice = make_invoice(qbo_api)
    url = f"/app/invoice?txnId={invoice['Id']}&companyId={qbo_api.emu.realm_id}"
    assert requests.get(qbo_api.emu.base_url + url, timeout=5).status_code == 200
    remote = Client(qbo_api.emu).get(url, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert remote.status_code == 403


# ------------------------------------------------------------------------------------- control API actions
def test_user_actions_through_the_control_api(qbo_api):
    invoice, bill = make_invoice(qbo_api, 100.0), make_bill(qbo_api, 80.0)
    control = qbo_api.control
    payment = control("POST", "pay_invoice", json={"invoice_id": invoice["Id"], "amount": 25,
                                                   "txn_date": "2025-10-01"}).json()
    assert (payment["TotalAmt"], payment["TxnDate"]) == (25.0, "2025-10-01")
    refused = control("POST", "void_invoice", json={"invoice_id": invoice["Id"]})
    assert refused.status_code == 400 and refused.json()["Fault"]["Error"][0]["code"] == "6000"
    assert control("POST", "delete_payment", json={"payment_id": payment["Id"]}).json()["status"] == "Deleted"
    assert control("POST", "void_invoice", json={"invoice_id": invoice["Id"]}).json()["TotalAmt"] == 0
    bill_payment = control("POST", "pay_bill", json={"bill_id": bill["Id"], "pay_type": "CreditCard"}).json()
    assert bill_payment["CreditCardPayment"]["CCAccountRef"]["value"] == "41" and bill_payment["TotalAmt"] == 80.0
    assert control("POST", "void_bill_payment", json={"bill_payment_id": bill_payment["Id"]}).json()["TotalAmt"] == 0
    assert control("POST", "delete_bill", json={"bill_id": bill["Id"]}).json()["status"] == "Deleted"
    assert control("POST", "pay_invoice", json={"invoice": "1"}).status_code == 400   # a wrong argument name
    assert qbo_api.emu.created("Payment") == [], "a user's payments are not created through the API"
