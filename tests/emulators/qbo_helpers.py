"""Fixtures for the QuickBooks Online emulator tests (imported by the test modules, not a conftest).

`qbo` is a started emulator on a fake clock; `make_qbo(**options)` starts others; `qbo_api` is raw HTTP to the
Accounting API with a valid bearer token, `make_api(**options)` the same for a new emulator (e.g. a UK company);
`sales_line`/`expense_line` build lines with or without a TaxCodeRef; `make_invoice`/`make_bill`, the payment bodies and `fault_of` serve the
tests of what happens after the invoice exists. The fake clock and the consent-page "click" are in tests/builders.py.
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
import requests

from emulators.qbo import QboEmulator
from tests.builders import FakeClock

REDIRECT_URI = "http://localhost:8765/callback"
SCOPE = "com.intuit.quickbooks.accounting"


@pytest.fixture
def qbo_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_qbo(qbo_clock):
    """Start emulators with any constructor options (clock defaults to the fake one); all stopped at the end."""
    servers = []

    def make(**options) -> QboEmulator:
        options.setdefault("clock", qbo_clock)
        emu = QboEmulator(**options)
        servers.append(emu.start())
        return emu

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def qbo(make_qbo) -> QboEmulator:
    return make_qbo()


class Api:
    """Raw HTTP to one emulator's Accounting API as a connected app: `api.post("invoice", json=...)`."""

    def __init__(self, emu: QboEmulator):
        self.emu = emu
        self.tokens = emu.issue_tokens()
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {self.tokens['access_token']}",
                                     "Accept": "application/json"})

    @property
    def base(self) -> str:
        return f"{self.emu.base_url}/v3/company/{self.emu.realm_id}/"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, urljoin(self.base, path), **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def query(self, text: str) -> requests.Response:
        return self.get("query", params={"query": text})

    def control(self, method: str, action: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.emu.base_url}/__emulator__/{action}", timeout=5, **kwargs)


@pytest.fixture
def qbo_api(qbo) -> Api:
    api = Api(qbo)
    yield api
    api.session.close()


@pytest.fixture
def make_api(make_qbo):
    """`make_api(country="GB", multicurrency=True)`: raw HTTP to a new emulator started with those options."""
    apis: list[Api] = []

    def make(**options) -> Api:
        apis.append(Api(make_qbo(**options)))
        return apis[-1]

    yield make
    for api in apis:
        api.session.close()


def sales_line(amount=100.0, tax_code: str | None = None, item: str = "1", **detail) -> dict:
    """A SalesItemLineDetail line; `tax_code` becomes its TaxCodeRef (none: no TaxCodeRef at all)."""
    if tax_code is not None:
        detail["TaxCodeRef"] = {"value": tax_code}
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": item},
                                                                                           **detail}}


def expense_line(amount=200.0, tax_code: str | None = None, account: str = "7") -> dict:
    detail = {"AccountRef": {"value": account}, **({"TaxCodeRef": {"value": tax_code}} if tax_code else {})}
    return {"Amount": amount, "DetailType": "AccountBasedExpenseLineDetail", "AccountBasedExpenseLineDetail": detail}


def invoice_body(customer_id: str = "1", amount=100.0, **fields) -> dict:
    return {"Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail", "Description": "Python training",
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}],
            "CustomerRef": {"value": customer_id}, **fields}


def bill_body(vendor_id: str = "13", amount=200.0, **fields) -> dict:
    return {"Line": [{"Amount": amount, "DetailType": "AccountBasedExpenseLineDetail",
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}}}],
            "VendorRef": {"value": vendor_id}, **fields}


GLOBEX, INITECH, ACCELEBRATE = "1", "2", "13"


def make_invoice(api: Api, amount=100.0, customer=GLOBEX, **fields) -> dict:
    answer = api.post("invoice", json=invoice_body(customer, amount, **fields))
    assert answer.status_code == 200, answer.text
    return answer.json()["Invoice"]


def make_bill(api: Api, amount=200.0, vendor=ACCELEBRATE, **fields) -> dict:
    answer = api.post("bill", json=bill_body(vendor, amount, **fields))
    assert answer.status_code == 200, answer.text
    return answer.json()["Bill"]


def payment_body(customer: str, total, *applied: tuple[str, float], **fields) -> dict:
    return {"CustomerRef": {"value": customer}, "TotalAmt": total,
            "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": txn, "TxnType": "Invoice"}]}
                     for txn, amount in applied],
            **fields}


def bill_payment_body(vendor: str, total, *applied: tuple[str, float], pay_type="Check", account="35") -> dict:
    holder = {"Check": ("CheckPayment", "BankAccountRef"), "CreditCard": ("CreditCardPayment", "CCAccountRef")}
    body = {"VendorRef": {"value": vendor}, "TotalAmt": total, "PayType": pay_type,
            "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": txn, "TxnType": "Bill"}]} for txn, amount in applied]}
    if pay_type in holder:
        body[holder[pay_type][0]] = {holder[pay_type][1]: {"value": account}}
    return body


def fault_of(answer) -> list[dict]:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert set(body) == {"Fault", "time"} and body["Fault"]["type"] == "ValidationFault"
    return body["Fault"]["Error"]


def customer_balance(api: Api, customer: str) -> float:
    return api.get(f"customer/{customer}").json()["Customer"]["Balance"]
