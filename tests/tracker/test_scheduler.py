"""The scheduler leader lease: every process runs a scheduler, only the lease holder runs the jobs, and another
takes over when it stops or dies. The gunicorn test (tests/reliability/test_gunicorn.py) shows it across workers."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import time

from tracker import db
from tracker.leases import holder_of, try_acquire
from tracker.scheduler import (LEADER_LEASE, IntervalJob, Leadership, build_scheduler, describe_holder, leader_of,
                               next_on_grid, run_as_leader)


def _engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    db.upgrade(engine)
    return engine


def test_only_the_leader_runs_the_jobs_and_another_takes_over_when_it_resigns(tmp_path, caplog):
    engine = _engine(tmp_path)
    first, second = Leadership(engine, 1.0), Leadership(engine, 1.0)
    ran: list[str] = []
    caplog.set_level(logging.INFO, logger="tracker.scheduler")
    assert first.renew() and not second.renew()
    run_as_leader(first, ran.append, "first")
    run_as_leader(second, ran.append, "second")
    assert ran == ["first"] and leader_of(engine) == first.holder
    first.resign()
    assert leader_of(engine) is None
    run_as_leader(second, ran.append, "second")
    run_as_leader(first, ran.append, "first")
    assert ran == ["first", "second"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("now runs the scheduled jobs" in m and first.holder in m for m in messages)
    assert any("Scheduler standing by" in m and first.holder in m for m in messages)


def test_a_leader_that_stops_renewing_loses_the_lease_after_three_heartbeats(tmp_path):
    engine = _engine(tmp_path)
    first, second = Leadership(engine, 0.2), Leadership(engine, 0.2)
    assert first.renew()
    time.sleep(0.3)
    assert not second.renew(), "one missed heartbeat does not change leaders"
    time.sleep(0.4)
    assert second.renew() and not first.renew()


def test_a_killed_leader_on_this_host_is_replaced_at_the_next_heartbeat(tmp_path):
    engine = _engine(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        from tracker.leases import new_holder

        dead = new_holder("scheduler").split(":")
        dead[1] = str(child.pid)
        assert try_acquire(engine, LEADER_LEASE, ":".join(dead), ttl=600)
        survivor = Leadership(engine, 5.0)
        assert not survivor.renew()
        child.kill()
        child.wait()
        assert survivor.renew() and holder_of(engine, LEADER_LEASE) == survivor.holder
    finally:
        child.kill()


def test_jobs_fire_on_a_grid_every_process_agrees_on(make_settings, tmp_path):
    engine = _engine(tmp_path)
    jobs = [IntervalJob("every_7s", lambda: None, seconds=7.0)]
    first = build_scheduler(make_settings(), engine, jobs, Leadership(engine))
    time.sleep(0.05)
    second = build_scheduler(make_settings(), engine, jobs, None)
    for scheduler in (first, second):
        scheduler.start(paused=True)
    try:
        times = {s.get_job("every_7s").next_run_time.timestamp() for s in (first, second)}
        assert len(times) == 1
        (when,) = times
        assert when % 7 == 0 and abs(when - next_on_grid(7.0)) < 1e-6
        assert first.get_job("scheduler_leader_heartbeat") is not None and second.get_job(
            "scheduler_leader_heartbeat") is None
    finally:
        for scheduler in (first, second):
            scheduler.shutdown(wait=False)
    assert next_on_grid(600, dt.datetime(2026, 1, 1, 10, 3, tzinfo=dt.timezone.utc).timestamp()) == dt.datetime(
        2026, 1, 1, 10, 10, tzinfo=dt.timezone.utc).timestamp()


def test_the_holder_is_shown_as_host_and_pid():
    assert describe_holder("web-1:4242:140:scheduler:ab12cd34") == "web-1 pid 4242"
