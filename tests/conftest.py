"""Shared fixtures: settings on temp files, a temp SQLite database, the Sheets emulator on loopback, and a database
on each backend (`database_url`: SQLite and PostgreSQL, see tests/databases.py)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.databases import database_for
from tracker.settings import Settings

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """An empty database on each backend: an SQLite file, then a fresh PostgreSQL database (TEST_DATABASE_URL)."""
    with database_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def postgres_url(tmp_path):
    """An empty PostgreSQL database only, for the slow tests that run on SQLite elsewhere."""
    with database_for("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def make_settings(tmp_path):
    """Settings on temp files (workbook, SQLite), scheduler off, fast retries; override any field."""

    def make(**overrides) -> Settings:
        base = Settings(
            local_sheet_path=tmp_path / "book.xlsx",
            database_url=f"sqlite:///{tmp_path / 'tracker.db'}",
            scheduler_enabled=False,
            sheet_timeout_seconds=5.0,
            sheet_max_attempts=4,
            sheet_backoff_max_seconds=0.05,
            secret_key="test-secret",
        )
        return dataclasses.replace(base, **overrides)

    return make


@pytest.fixture
def local_qb_settings():
    """QuickBooks settings for QB_ENV=local (the app starts the emulator) with a fresh token key."""
    from cryptography.fernet import Fernet

    from quickbooks.settings import QbSettings

    return QbSettings(token_key=Fernet.generate_key().decode())


@pytest.fixture
def sheets_emulator():
    """A running Google Sheets API emulator (real gspread talks to it over loopback)."""
    from emulators.sheets import SheetsEmulator

    emulator = SheetsEmulator()
    with emulator.start():
        yield emulator


@pytest.fixture
def google_settings(sheets_emulator, make_settings, tmp_path):
    """Settings for the Google backend pointed at the emulator, with a service-account key file."""
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(sheets_emulator.service_account_info()))

    def make(spreadsheet_id: str = "sheet-under-test", **overrides) -> Settings:
        fields = dict(sheet_backend="google", google_sheet_id=spreadsheet_id, google_credentials=key_file,
                      google_sheets_api_url=sheets_emulator.base_url)
        return make_settings(**{**fields, **overrides})

    return make


ADMIN_PASSWORD = "admin-password-for-tests"
STAFF_PASSWORD = "staff-password-for-tests"


def login(client, username: str, password: str, next_path: str = "/admin", **request_options):
    """Log a Flask test client in through the real form (CSRF and all); returns the answer to the POST."""
    import re

    page = client.get(f"/login?next={next_path}", **request_options).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"csrf": csrf, "username": username, "password": password, "next": next_path},
                       **request_options)


def browser_login(dash_duo, app, username: str, password: str, path: str = "/") -> None:
    """Start the app's server, log in through the form in Chromium, and wait for the Dash page at `path`."""
    from selenium.webdriver.common.by import By

    dash_duo.start_server(app, navigate=False)   # "/" is behind the login now: no Dash page to wait for yet
    dash_duo.driver.set_window_size(1400, 1000)   # a desktop; the default window is a small 780 x 440
    dash_duo.driver.get(f"{dash_duo.server.url}/login?next={path}")
    dash_duo.driver.find_element(By.ID, "username").send_keys(username)
    dash_duo.driver.find_element(By.ID, "password").send_keys(password)
    dash_duo.driver.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_element("#react-entry-point", timeout=20)


@pytest.fixture(scope="session")
def tracker_app(tmp_path_factory):
    """One app per test process (Dash's page registry is global); tests point its settings at their files."""
    from cryptography.fernet import Fernet
    from werkzeug.security import generate_password_hash

    from app import create_app
    from quickbooks.settings import QbSettings
    from tracker.users import add_user

    folder = tmp_path_factory.mktemp("app")
    settings = Settings(local_sheet_path=folder / "book.xlsx", database_url=f"sqlite:///{folder / 'db.sqlite'}",
                        scheduler_enabled=False, secret_key="test", demo_rows=150,
                        admin_password_hash=generate_password_hash(ADMIN_PASSWORD))
    app = create_app(settings, QbSettings(token_key=Fernet.generate_key().decode(), max_attempts=2,
                                          backoff_max_seconds=0.05))
    add_user(app.server.config["TRACKER_ENGINE"], "staff", STAFF_PASSWORD, "staff", strict=False)  # admin: settings
    yield app
    app.server.extensions["quickbooks"].close()


@pytest.fixture
def admin_client(tracker_app):
    """A Flask test client of the shared app, logged in as the admin (created from ADMIN_PASSWORD_HASH)."""
    client = tracker_app.server.test_client()
    response = login(client, "admin", ADMIN_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    return client


@pytest.fixture
def staff_client(tracker_app):
    """A Flask test client of the shared app, logged in as the staff user `staff`."""
    client = tracker_app.server.test_client()
    response = login(client, "staff", STAFF_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    return client


@pytest.fixture
def forget_failed_logins(tracker_app):
    """For tests that fail logins on the shared app: its throttle starts and ends empty."""
    from tracker import throttle

    engine = tracker_app.server.config["TRACKER_ENGINE"]
    throttle.forget(engine)
    yield engine
    throttle.forget(engine)


@pytest.fixture
def point_app(tracker_app):
    """Point the shared app (pages and sync) at settings derived from its start-up settings; restored afterwards,
    so no test inherits another's worksheet or workbook."""
    server = tracker_app.server
    start = server.config["TRACKER_SETTINGS"]

    def point(**changes) -> Settings:
        settings = dataclasses.replace(start, **changes)
        server.config["TRACKER_SETTINGS"] = settings
        server.extensions["sync"].settings = settings
        return settings

    yield point
    point()
