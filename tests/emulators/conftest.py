"""Fixtures for the Sheets emulator tests: a started emulator on a fake clock, and real gspread pointed at it."""

from __future__ import annotations

import gspread
import pytest
import requests

from emulators._server import serve_in_thread
from emulators.sheets import SheetsEmulator
from tests.builders import FakeClock

GOOGLE_SHEETS = "https://sheets.googleapis.com"


def loopback_http_client(base_url: str) -> type[gspread.HTTPClient]:
    """gspread hard-codes https://sheets.googleapis.com; this HTTPClient subclass rewrites that prefix."""

    class LoopbackHTTPClient(gspread.HTTPClient):
        def request(self, method, endpoint, *args, **kwargs):
            if endpoint.startswith(GOOGLE_SHEETS):
                endpoint = base_url + endpoint[len(GOOGLE_SHEETS):]
            return super().request(method, endpoint, *args, **kwargs)

    return LoopbackHTTPClient


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_000.0)


class Switchboard:
    """One loopback server for the whole session; each test plugs in its own fresh emulator.

    Stopping a werkzeug server waits out its 0.5 s poll interval, so a server per test would make this
    suite slow; `SheetsEmulator.start()` itself is covered by one test."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def loopback():
    board = Switchboard()
    server = serve_in_thread(board)
    try:
        yield board, server.url
    finally:
        server.stop()


@pytest.fixture
def make_emulator(loopback, clock):
    """Build a fresh emulator (keyword arguments go to SheetsEmulator) and route the loopback server to it."""
    board, url = loopback

    def make(**kwargs) -> SheetsEmulator:
        kwargs.setdefault("clock", clock)
        emu = SheetsEmulator(base_url=url, **kwargs)
        board.app = emu
        return emu

    return make


@pytest.fixture
def emulator(make_emulator) -> SheetsEmulator:
    """A running emulator with Google's default quotas (60 reads + 60 writes a minute), on the fake clock."""
    return make_emulator()


def gspread_client(emulator: SheetsEmulator, **account) -> gspread.Client:
    """Real gspread + google-auth: the service-account JWT is exchanged at the emulator's /token."""
    return gspread.service_account_from_dict(emulator.service_account_info(**account),
                                             http_client=loopback_http_client(emulator.base_url))


@pytest.fixture
def client_for():
    """`client_for(emulator, client_email=...)`: a gspread client for (another) service account."""
    return gspread_client


@pytest.fixture
def loopback_client_class():
    """`loopback_client_class(base_url)`: the URL-rewriting gspread HTTPClient subclass."""
    return loopback_http_client


@pytest.fixture
def gc(emulator) -> gspread.Client:
    return gspread_client(emulator)


@pytest.fixture
def api(emulator):
    """Raw HTTP to the emulator with a valid bearer token: `api("GET", "/v4/spreadsheets/x/values/A1")`."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {emulator.issue_token()}"

    def call(method: str, path: str, **kwargs) -> requests.Response:
        return session.request(method, emulator.base_url + path, timeout=5, **kwargs)

    yield call
    session.close()


# The QuickBooks emulator's fixtures live beside its helpers; importing them here makes them visible to pytest.
from tests.emulators.qbo_helpers import make_api, make_qbo, qbo, qbo_api, qbo_clock  # noqa: E402,F401
