"""A sync run paused past its lease, that wakes up after another process took the lease over, writes nothing more:
no intent (so nothing more is sent to QuickBooks), no progress; it ends with LeaseLost in plain words, and the
process that holds the lease then syncs every row exactly once. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import time

from sqlalchemy import func, select

from quickbooks.rules.statuses import RunStatus
from quickbooks.sync import LEASE_TTL_SECONDS, SYNC_LEASE
from tests.reliability.conftest import make_world, ready_rows
from tracker import db
from tracker.leases import acquire, holder_of

OTHER = "other-host:4242:1:sync:schedule:cafe"   # a live process on another host: only the token speaks for it


def _take_over(engine) -> int | None:
    """Another process takes the lease over: on its clock, the paused run's lease has expired."""
    later = time.time() + LEASE_TTL_SECONDS + 60
    return acquire(engine, SYNC_LEASE, OTHER, LEASE_TTL_SECONDS, now=lambda: later)


def _other_ends(engine) -> None:
    with engine.begin() as connection:
        connection.execute(db.leases.update().values(expires_at=0.0))


def _audit_rows(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(db.qb_invoice_audit)).scalar()


def _stopped(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rpartition(")")[2].split()[0] == "T"


def test_a_process_paused_before_a_write_cannot_make_it_when_it_wakes(tmp_path, qbo, database_url):
    """The CLI stops (SIGSTOP) after batch 1, between renewing its lease and committing batch 2's intents; another
    process takes the lease over; woken up (SIGCONT), its intent is refused in the very transaction that would
    have written it, so batch 2 is never sent by it."""
    world = make_world(tmp_path, qbo, ready_rows(45), database=database_url)   # batches of 30 and 15
    engine = db.make_engine(database_url)
    paused = world.popen("run-once", failpoint="before_intent:2:stop")
    try:
        deadline = time.monotonic() + 120
        while not _stopped(paused.pid):
            assert paused.poll() is None and time.monotonic() < deadline, "the run never reached its pause"
            time.sleep(0.05)
        assert _take_over(engine) == 2, "the other process takes the lease over with the next token"
    finally:
        os.kill(paused.pid, signal.SIGCONT)
    output = paused.communicate(timeout=120)[0]
    assert paused.returncode == 1, output
    assert f"lease was taken over by {OTHER}" in output and "writes nothing more" in output
    assert (_audit_rows(engine), len(qbo.created("Invoice"))) == (30, 30), "batch 1 only: batch 2 never left"
    assert holder_of(engine, SYNC_LEASE, lambda: time.time() + LEASE_TTL_SECONDS) == OTHER, \
        "the woken run did not release the other's lease"

    _other_ends(engine)
    world.run_until_quiet()
    world.assert_each_row_exactly_once()
    engine.dispose()


def test_a_run_whose_lease_was_taken_over_stops_at_its_next_renewal(tmp_path, qbo, database_url):
    """Taken over after planning, before any intent: the run's renewal finds the other's token and stops it."""
    world = make_world(tmp_path, qbo, ready_rows(12), database=database_url)
    service = world.service()
    taken = []
    report = service.run("cli", progress=lambda done, total: taken or taken.append(_take_over(service.engine)))

    assert taken == [2]
    assert report.status is RunStatus.FAILED
    assert f"lease was taken over by {OTHER}" in report.error
    assert _audit_rows(service.engine) == 0 and qbo.created("Invoice") == [], "no intent, nothing sent"
    [run] = service.runs.recent(1)
    assert (run.status, run.rows_done) == (RunStatus.FAILED, 0), "its outcome, with the reason, is in the history"
    assert "lease was taken over" in run.error

    _other_ends(service.engine)
    world.run_until_quiet()
    world.assert_each_row_exactly_once()
