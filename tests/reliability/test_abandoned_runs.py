"""A run whose process died (SIGKILL, crash) stays `running` in sync_runs until the next run takes the lease over
(or finds it expired): that run marks it failed, with a message saying what happened and what comes next."""

from __future__ import annotations

import signal
import time

from quickbooks.rules.counts import RunCounts
from quickbooks.rules.statuses import RunStatus
from quickbooks.runs import ABANDONED
from quickbooks.sync import SYNC_LEASE
from tests.reliability.conftest import make_world, ready_rows
from tracker.leases import holder_of, try_acquire


def _statuses(service) -> dict[int, tuple[RunStatus, str | None]]:
    return {run.id: (run.status, run.error) for run in service.runs.recent(50)}


def test_a_killed_run_is_marked_failed_by_the_next_run(tmp_path, qbo):
    world = make_world(tmp_path, qbo, ready_rows(40))
    killed = world.cli("run-once", failpoint="after_intent:1")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    service = world.service()
    [(dead_id, (status, _))] = _statuses(service).items()
    assert status is RunStatus.RUNNING, "the killed run could not record its end"
    assert holder_of(service.engine, SYNC_LEASE) is not None, "its lease is still there, held by a dead process"

    report = service.run("cli")
    assert report.status is RunStatus.OK, report.error
    runs = _statuses(service)
    assert runs[dead_id] == (RunStatus.FAILED, ABANDONED)
    assert "killed or crashed" in ABANDONED and "looked up on the next run" in ABANDONED
    assert runs[report.run_id] == (RunStatus.OK, None)
    assert not [run_id for run_id, (status, _) in runs.items() if status is RunStatus.RUNNING]
    world.assert_each_row_exactly_once()


def test_a_run_left_running_under_an_expired_lease_is_marked_failed(tmp_path, qbo):
    world = make_world(tmp_path, qbo, ready_rows(5))
    service = world.service()
    stale = service.runs.start("schedule", service.directions())
    ten_minutes_ago = time.time() - 600   # a holder on another host: only its expiry frees the lease
    assert try_acquire(service.engine, SYNC_LEASE, "other-host:4242:1:sync:schedule:cafe", ttl=60,
                       now=lambda: ten_minutes_ago)

    report = service.run("cli")
    assert report.status is RunStatus.OK, report.error
    assert _statuses(service)[stale] == (RunStatus.FAILED, ABANDONED)


def test_a_run_that_finishes_late_keeps_its_own_outcome(tmp_path, qbo):
    """Only the run holding the lease reaps; a slow run that lost its lease still records how it really ended."""
    world = make_world(tmp_path, qbo, ready_rows(2))
    service = world.service()
    slow = service.runs.start("cli", service.directions())
    assert service.runs.fail_abandoned(slow + 1) == 1
    service.runs.finish(slow, RunStatus.OK, RunCounts())
    assert _statuses(service)[slow] == (RunStatus.OK, None)
