"""Everything the database holds works the same on SQLite and PostgreSQL: the tokens, the audit and its read
models, the runs, the snapshots, the leases, the users, their sessions and the login throttle, each written and
read back through its own store on a freshly migrated database of each kind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from quickbooks.audit import AuditStore
from quickbooks.rules.counts import RunCounts
from quickbooks.rules.directions import Direction
from quickbooks.rules.lifecycle import RemoteState
from quickbooks.rules.statuses import AuditState, RemoteLife, RunStatus
from quickbooks.runs import RunLog
from quickbooks.wire.tokens import TokenSet, TokenStore
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table
from tracker import db, throttle, users
from tracker.leases import holder_of, release, try_acquire
from tracker.sessions import SessionStore
from tracker.snapshots import take_daily_snapshot

T0 = 1_800_000_000.0
INV = Direction.INVOICE


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


def test_tokens_round_trip_encrypted(engine):
    store = TokenStore(engine, Fernet.generate_key().decode(), "sandbox")
    tokens = TokenSet("access-1", "refresh-1", T0 + 3600, T0 + 86400 * 100, "9130350000000001")
    store.save(tokens, company_name="Zoë Café Ltd")
    store.set_custom_numbers({"invoice": True, "bill": False})
    assert store.load() == tokens
    info = store.info()
    assert (info.company_name, info.custom_numbers) == ("Zoë Café Ltd", {"invoice": True, "bill": False})


def test_the_audit_and_its_counts(engine):
    audit = AuditStore(engine, "local workbook book.xlsx", "inv_tbl", clock=lambda: T0)
    audit.record_intents(INV, [{"row_key": k, "payload_hash": "h", "payload_json": "{}", "row_fingerprint": "f",
                                "doc_number": k, "party_name": "Globex LLC", "amount": "100.00"} for k in "ABC"])
    audit.record_created(INV, [{"row_key": k, "qb_id": str(n), "doc_number": k, "qb_url": "u", "response_json": "{}"}
                               for n, k in enumerate("AB", 130)])
    audit.record_failed(INV, [{"row_key": "C", "error": "refused", "row_fingerprint": "f"}])
    states = {"A": ("130", "1500.00", "0"), "B": ("131", "200.50", "50.25")}
    audit.record_remote(INV, {k: RemoteState(qb_id, RemoteLife.OPEN, "0", Decimal(total), Decimal(balance),
                                             "2026-01-31") for k, (qb_id, total, balance) in states.items()})
    assert audit.state_counts(INV) == {AuditState.SENDING: 0, AuditState.CREATED: 2, AuditState.FAILED: 1}
    counts = audit.remote_counts(INV, "2026-03-01")
    assert (counts["paid"], counts["partly_paid"], counts["overdue"]) == (1, 1, 1)
    assert audit.followed_ids(INV) == {"130": "A", "131": "B"}
    assert audit.load_keys(INV, ["B"])["B"].qb_balance == "50.25"
    assert audit.open_by_party(INV) == [("Globex LLC", 1, "50.25")]
    aging = audit.aging(INV, {"not due": "2026-03-01", "0-30": "2026-01-30", "older": "1900-01-01"})
    assert {name: (n, Decimal(amount)) for name, (n, amount) in aging.items()} == {   # "0" or "0.00": both money
        "not due": (0, 0), "0-30": (1, Decimal("50.25")), "older": (0, 0)}


def test_runs(engine):
    runs = RunLog(engine, clock=lambda: T0)
    first = runs.start("schedule", [INV])
    second = runs.start("manual", [INV], started_by="alice")
    assert runs.fail_abandoned(second) == 1
    runs.progress(second, 3, 10)
    runs.finish(second, RunStatus.OK, RunCounts())
    recent = {r.id: r for r in runs.recent()}
    assert recent[first].status is RunStatus.FAILED
    assert (recent[second].status, recent[second].rows_done, recent[second].started_by) == (RunStatus.OK, 3, "alice")


def test_snapshots_one_per_day(engine, make_settings, database_url):
    settings = make_settings(database_url=database_url)
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": table(sheet_row("ACD-1", inv_dollars="1,500.25"))})
    day = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)
    results = [take_daily_snapshot(settings, engine, now=day + dt.timedelta(hours=h)) for h in (0, 3, 24)]
    assert [(r.created, r.row_count) for r in results] == [(True, 1), (False, 1), (True, 1)]


def test_leases(engine):
    assert try_acquire(engine, "sync", "a", ttl=60, now=lambda: T0)
    assert not try_acquire(engine, "sync", "b", ttl=60, now=lambda: T0)
    assert holder_of(engine, "sync", lambda: T0) == "a"
    release(engine, "sync", "a")
    assert holder_of(engine, "sync", lambda: T0) is None


def test_users_sessions_and_the_login_throttle(engine):
    users.add_user(engine, "Alice", "a long passphrase 42", "admin")
    alice = users.authenticate(engine, "alice", "a long passphrase 42")
    assert alice is not None and users.authenticate(engine, "alice", "wrong") is None
    store = SessionStore(engine, idle_seconds=600, clock=lambda: T0)
    token = store.create(alice.id, {"csrf": "x"})
    store.save_data(token, {"csrf": "y"})
    assert store.load(token) == (alice, {"csrf": "y"})
    for _ in range(throttle.LIMIT):
        throttle.record_failure(engine, "Alice", "10.0.0.1", clock=lambda: T0)
    assert throttle.retry_after(engine, "alice", "10.0.0.2", clock=lambda: T0) == throttle.WINDOW_SECONDS
    store.end(token)
    assert store.load(token) is None
