"""Fixtures for the QuickBooks Online emulator tests (imported by the test modules, not a conftest).

`qbo` is a started emulator on a fake clock; `make_qbo(**options)` starts others; `qbo_api` is raw HTTP to the
Accounting API with a valid bearer token; `consent(...)` "clicks" the consent page by parsing and posting its form.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from emulators.qbo import QboEmulator

REDIRECT_URI = "http://localhost:8765/callback"
SCOPE = "com.intuit.quickbooks.accounting"


class FakeClock:
    """Epoch seconds that move only when a test says so (token expiry, code expiry, per-minute windows)."""

    def __init__(self, start: float = 1_760_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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


def invoice_body(customer_id: str = "1", amount=100.0, **fields) -> dict:
    return {"Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail", "Description": "Python training",
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}],
            "CustomerRef": {"value": customer_id}, **fields}


def bill_body(vendor_id: str = "13", amount=200.0, **fields) -> dict:
    return {"Line": [{"Amount": amount, "DetailType": "AccountBasedExpenseLineDetail",
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}}}],
            "VendorRef": {"value": vendor_id}, **fields}


def consent(authorize_url: str, decision: str = "allow", session: requests.Session | None = None) -> str:
    """Open the consent page, submit its form with the chosen button, return the redirect's Location."""
    http = session or requests.Session()
    page = http.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    assert re.search(r'<button[^>]*id="authorize"[^>]*>Authorize</button>', page.text)
    assert re.search(r'<button[^>]*id="cancel"[^>]*>Cancel</button>', page.text)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    fields = {html.unescape(k): html.unescape(v)
              for k, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page.text)}
    answer = http.post(urljoin(authorize_url, action), data={**fields, "decision": decision},
                       allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def query_params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
