"""The in-process APScheduler (3.x): started by `create_app` only, never at import time.

It runs the daily snapshot (plumbing's own job) and whatever interval jobs it is given (the QuickBooks sync
hands in one per direction): the scheduler knows nothing of what they do. Jobs coalesce missed runs, run one
instance at a time, and tolerate a busy process for a while (`misfire_grace_time`). Missed or failed runs are
logged, since APScheduler alone keeps quiet about them.

Several processes (gunicorn workers, two hosts on one PostgreSQL) each start a scheduler, but the jobs run only in
the one that holds the leader lease (`LEADER_LEASE` in the leases table): a heartbeat job takes or renews it every
SCHEDULER_HEARTBEAT_SECONDS, for three heartbeats, and every job asks for it again right before it runs; the others
skip their turn. A leader that dies is replaced at the next heartbeat of another process on its host (the lease
names a dead pid), or within four heartbeats from another host (the lease expires). Interval jobs fire on a grid
anchored at the epoch (every 600 s: at :00, :10, ...), so every process agrees on when the next run is, and a new
leader keeps the same rhythm. The sync's own run lease stays the second line of defence.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import math
import threading
from dataclasses import dataclass
from typing import Callable, Sequence

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.leases import holder_of, new_holder, release, try_acquire
from tracker.settings import Settings
from tracker.snapshots import daily_snapshot_worker

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
LEADER_LEASE = "scheduler_leader"
HEARTBEAT_JOB = "scheduler_leader_heartbeat"
LEASE_HEARTBEATS = 3   # the lease outlives three heartbeats: one slow database moment does not change leaders
GRID_ANCHOR = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class IntervalJob:
    """A job to run every `seconds`; `max_instances=1` keeps one run of it per process."""

    id: str
    func: Callable[..., None]
    args: tuple = ()
    seconds: float = 600.0


class Leadership:
    """Whether this process runs the scheduled jobs: it holds the leader lease, renewed by the heartbeat job."""

    def __init__(self, engine: Engine, heartbeat_seconds: float = 5.0):
        self.engine, self.heartbeat = engine, heartbeat_seconds
        self.ttl = heartbeat_seconds * LEASE_HEARTBEATS
        self.holder = new_holder("scheduler")
        self.leader: bool | None = None   # None until the first attempt
        self._lock = threading.Lock()

    def renew(self) -> bool:
        """Take or renew the lease; True while this process is the leader. A database error counts as not leading."""
        with self._lock:
            try:
                leading = try_acquire(self.engine, LEADER_LEASE, self.holder, self.ttl)
            except SQLAlchemyError as exc:
                log.warning("Scheduler leader lease could not be renewed (%s): jobs pause in this process",
                            type(exc).__name__)
                leading = False
            if leading != self.leader:
                self._announce(leading)
            self.leader = leading
            return leading

    def _announce(self, leading: bool) -> None:
        if leading:
            log.info("Scheduler leader: this process (%s) now runs the scheduled jobs", self.holder)
            return
        try:
            other = holder_of(self.engine, LEADER_LEASE) or "nobody yet"
        except SQLAlchemyError:
            other = "unknown (database unreachable)"
        if self.leader:
            log.warning("Scheduler leader: this process lost the lease to %s; its jobs pause here", other)
        else:
            log.info("Scheduler standing by: %s runs the scheduled jobs", other)

    def resign(self) -> None:
        """Give the lease up at shutdown, so another process takes over at its next heartbeat."""
        with self._lock:
            if self.leader:
                try:
                    release(self.engine, LEADER_LEASE, self.holder)
                except SQLAlchemyError:
                    pass   # it expires by itself
                self.leader = False


def run_as_leader(leadership: Leadership | None, func: Callable[..., None], *args) -> None:
    """A job's body: run `func` only in the leader (always when there is no leadership, e.g. a lone scheduler)."""
    if leadership is None or leadership.renew():
        func(*args)


def leader_of(engine: Engine) -> str | None:
    """Who runs the scheduled jobs now (host:pid:...), from the database: the same answer in every process."""
    return holder_of(engine, LEADER_LEASE)


def build_scheduler(settings: Settings, engine: Engine, jobs: Sequence[IntervalJob] = (),
                    leadership: Leadership | None = None) -> BackgroundScheduler:
    """The daily snapshot (at start, then daily at SNAPSHOT_HOUR_UTC) and the interval `jobs`, on the epoch grid.

    With `leadership`, a heartbeat job keeps the leader lease and every job runs only in the leader. A missed
    interval run is still taken within one interval (then coalesced); the database lease inside the sync is the
    second guard across processes (a cron run-once, a process paused past its lease).
    """
    scheduler = BackgroundScheduler(timezone=dt.timezone.utc, job_defaults=JOB_DEFAULTS)
    now = dt.datetime.now(dt.timezone.utc)
    if leadership is not None:
        scheduler.add_job(leadership.renew, "interval", id=HEARTBEAT_JOB, name=HEARTBEAT_JOB,
                          seconds=leadership.heartbeat, next_run_time=now, replace_existing=True,
                          misfire_grace_time=max(1, int(leadership.heartbeat)), coalesce=True, max_instances=1)
    scheduler.add_job(run_as_leader, "cron", id="daily_snapshot_worker", name="daily_snapshot_worker",
                      hour=settings.snapshot_hour_utc, minute=5, replace_existing=True, next_run_time=now,
                      args=(leadership, daily_snapshot_worker, settings, engine))
    for job in jobs:
        trigger = IntervalTrigger(seconds=job.seconds, start_date=GRID_ANCHOR, timezone=dt.timezone.utc)
        scheduler.add_job(run_as_leader, trigger, id=job.id, name=job.id, args=(leadership, job.func, *job.args),
                          replace_existing=True, misfire_grace_time=max(1, int(job.seconds)), coalesce=True,
                          max_instances=1)
    scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def start_scheduler(settings: Settings, engine: Engine, jobs: Sequence[IntervalJob] = ()) -> BackgroundScheduler:
    """Start this process's scheduler; its jobs run only while it holds the leader lease."""
    leadership = Leadership(engine, settings.scheduler_heartbeat_seconds)
    shortest = min((job.seconds for job in jobs), default=None)
    if shortest is not None and leadership.heartbeat * (LEASE_HEARTBEATS + 1) > shortest:
        log.warning("SCHEDULER_HEARTBEAT_SECONDS=%g: a dead leader on another host is replaced only after %g s, "
                    "longer than the shortest job interval (%g s)", leadership.heartbeat,
                    leadership.heartbeat * (LEASE_HEARTBEATS + 1), shortest)
    scheduler = build_scheduler(settings, engine, jobs, leadership)
    scheduler.tracker_leadership = leadership
    scheduler.start()

    def stop() -> None:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        leadership.resign()

    atexit.register(stop)
    log.info("Scheduler started with jobs: %s", ", ".join(sorted(job.id for job in scheduler.get_jobs())))
    return scheduler


def next_on_grid(seconds: float, now: float | None = None) -> float:
    """When a job of this interval fires next (epoch seconds), in every process alike: the grid starts at the epoch."""
    now = dt.datetime.now(dt.timezone.utc).timestamp() if now is None else now
    return (math.floor(now / seconds) + 1) * seconds


def describe_holder(holder: str) -> str:
    """`host pid N` from a lease holder (host:pid:thread:purpose:nonce), for pages and logs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return f"{host} pid {pid}" if pid else holder


def _log_event(event) -> None:
    if event.code == EVENT_JOB_ERROR:
        log.error("Job %s raised %r", event.job_id, event.exception)
    elif event.code == EVENT_JOB_MISSED:
        log.warning("Job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    else:
        log.warning("Job %s skipped: the previous run is still going", event.job_id)
