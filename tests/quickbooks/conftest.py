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
