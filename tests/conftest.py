"""Shared fixtures: settings on temp files, a temp SQLite database, the Sheets emulator on loopback."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tracker.settings import Settings


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


@pytest.fixture(scope="session")
def tracker_app(tmp_path_factory):
    """One app per test process (Dash's page registry is global); tests point its settings at their files."""
    from cryptography.fernet import Fernet
    from werkzeug.security import generate_password_hash

    from app import create_app
    from quickbooks.settings import QbSettings

    folder = tmp_path_factory.mktemp("app")
    settings = Settings(local_sheet_path=folder / "book.xlsx", database_url=f"sqlite:///{folder / 'db.sqlite'}",
                        scheduler_enabled=False, secret_key="test", demo_rows=150,
                        admin_password_hash=generate_password_hash(ADMIN_PASSWORD))
    app = create_app(settings, QbSettings(token_key=Fernet.generate_key().decode(), max_attempts=2,
                                          backoff_max_seconds=0.05))
    yield app
    app.server.extensions["quickbooks"].close()


@pytest.fixture
def admin_client(tracker_app):
    """A Flask test client of the shared app, logged in as the admin through the real login form."""
    import re

    client = tracker_app.server.test_client()
    page = client.get("/login?next=/admin").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf": csrf, "username": "admin", "password": ADMIN_PASSWORD,
                                           "next": "/admin"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    return client


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
