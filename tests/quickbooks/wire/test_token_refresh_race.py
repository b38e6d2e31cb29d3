"""Two threads, then two processes, refreshing at the same moment: both succeed, nobody is locked out; with the
tokens and the refresh lease on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import replace

import pytest

from tracker import db
from quickbooks.wire.oauth import OAuthClient
from quickbooks.wire.tokens import TokenManager, TokenStore


@pytest.fixture
def engine(database_url):
    """The database of `connected` (tests/quickbooks/conftest.py), on each backend."""
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


def _expire_stored_access_token(store):
    store.save(replace(store.load(), access_expires_at=0.0))


def test_two_threads_refresh_once_and_both_get_a_valid_token(connected, qbo_emulator):
    _expire_stored_access_token(connected.store)
    qbo_emulator.reset_stats()
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        manager = TokenManager(connected.store, connected.oauth.refresh)
        barrier.wait()
        try:
            results.append(manager.current().access_token)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(set(results)) == 1
    assert qbo_emulator.stats()["token"] == 1
    assert connected.client.company_info()["CompanyName"] == "ACD Demo Company"


def _refresh_in_child(database_url, settings, start, results):
    engine = db.make_engine(database_url)
    store = TokenStore(engine, settings.token_key, settings.env)
    manager = TokenManager(store, OAuthClient(settings).refresh)
    start.wait(30)
    try:
        results.put(("ok", manager.current().access_token))
    except Exception as exc:  # reported to the parent
        results.put(("error", repr(exc)))


def test_two_processes_refresh_safely(connected, qbo_emulator, engine):
    _expire_stored_access_token(connected.store)
    qbo_emulator.reset_stats()
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    url = engine.url.render_as_string(hide_password=False)
    children = [ctx.Process(target=_refresh_in_child, args=(url, connected.settings, start, results))
                for _ in range(2)]
    for child in children:
        child.start()
    start.set()
    outcomes = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(30)
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert len({token for _, token in outcomes}) == 1
    assert qbo_emulator.stats()["token"] == 1
    _expire_stored_access_token(connected.store)
    assert connected.tokens.current().access_token, "the stored refresh token still works afterwards"
