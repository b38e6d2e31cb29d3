"""QuickBooks fixtures: the emulator on loopback, settings pointed at it, a connection through consent."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.fernet import Fernet

from tracker import db
from quickbooks.connection import open_quickbooks
from quickbooks.wire.oauth import finish_connect, start_connect
from quickbooks.settings import QbSettings
from tests.builders import consent, query_params

REDIRECT_URI = "http://localhost:8765/callback"


@pytest.fixture
def qbo_emulator():
    from emulators.qbo import QboEmulator

    emulator = QboEmulator(redirect_uris=(REDIRECT_URI,))
    with emulator.start():
        yield emulator


@pytest.fixture
def engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'qb.db'}")
    db.upgrade(engine)
    return engine


@pytest.fixture
def qb_settings(qbo_emulator):
    """Settings for the emulator: fast retries, a fresh token key; override fields by calling it."""
    base = QbSettings(token_key=Fernet.generate_key().decode(), redirect_uri=REDIRECT_URI, max_attempts=4,
                      backoff_max_seconds=0.05, timeout_seconds=5).with_endpoints(qbo_emulator.base_url)

    def make(**changes) -> QbSettings:
        return dataclasses.replace(base, **changes)

    return make


@pytest.fixture
def quickbooks(qb_settings, engine):
    qb = open_quickbooks(qb_settings(), engine)
    yield qb
    qb.close()


@pytest.fixture
def connected(quickbooks):
    """A QuickBooks connection made through the full consent flow."""
    session: dict = {}
    params = query_params(consent(start_connect(quickbooks.oauth, session)))
    finish_connect(quickbooks.oauth, quickbooks.store, session, params)
    return quickbooks


def settings_with_rows(request, make_settings, rows: list[list[str]]):
    """Settings for a worksheet `inv_tbl` holding `rows`, on the backend `request.param` names (local, google)."""
    from spreadsheet.local import LocalWorkbook

    if request.param == "local":
        settings = make_settings()
        LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": rows})
        return settings
    emulator = request.getfixturevalue("sheets_emulator")
    settings = request.getfixturevalue("google_settings")()
    emulator.add_spreadsheet(settings.google_sheet_id, sheets={"inv_tbl": rows})
    return settings


def read_sheet(settings) -> dict[str, dict[str, str]]:
    """The worksheet as {invoice: {header: cell}}."""
    import acd

    rows = acd.open_sheet(settings).worksheet("inv_tbl").read_all()
    return {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}


@pytest.fixture
def make_service(connected, sheet_settings, engine, tmp_path):
    """A SyncService on the module's `sheet_settings`; keyword arguments change the QuickBooks settings."""
    from quickbooks.sync import SyncService

    def make(**qb_changes) -> SyncService:
        connected.settings = dataclasses.replace(connected.settings, customers_file=tmp_path / "none.json",
                                                 **qb_changes)
        return SyncService(sheet_settings, connected, engine)
    return make
