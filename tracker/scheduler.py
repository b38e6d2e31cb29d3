"""The in-process APScheduler (3.x): started by `create_app` only, never at import time.

It runs the daily snapshot (plumbing's own job) and whatever interval jobs it is given (the QuickBooks sync
hands in one per direction): the scheduler knows nothing of what they do. Jobs coalesce missed runs, run one
instance at a time, and tolerate a busy process for a while (`misfire_grace_time`). Missed or failed runs are
logged, since APScheduler alone keeps quiet about them.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Callable, Sequence

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from tracker.settings import Settings
from tracker.snapshots import daily_snapshot_worker

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


@dataclass(frozen=True)
class IntervalJob:
    """A job to run every `seconds`; `max_instances=1` keeps one run of it per process."""

    id: str
    func: Callable[..., None]
    args: tuple = ()
    seconds: float = 600.0


def build_scheduler(settings: Settings, engine: Engine, jobs: Sequence[IntervalJob] = ()) -> BackgroundScheduler:
    """The daily snapshot (at start, then daily at SNAPSHOT_HOUR_UTC) and the interval `jobs`.

    A missed interval run is still taken within one interval (then coalesced); the database lease inside the
    sync is the real guard across processes (gunicorn workers, a cron run-once, a second host).
    """
    scheduler = BackgroundScheduler(timezone=dt.timezone.utc, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(daily_snapshot_worker, "cron", id="daily_snapshot_worker", name="daily_snapshot_worker",
                      hour=settings.snapshot_hour_utc, minute=5, args=(settings, engine), replace_existing=True,
                      next_run_time=dt.datetime.now(dt.timezone.utc))
    for job in jobs:
        scheduler.add_job(job.func, "interval", id=job.id, name=job.id, seconds=job.seconds, args=job.args,
                          replace_existing=True, misfire_grace_time=max(1, int(job.seconds)), coalesce=True,
                          max_instances=1)
    scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def start_scheduler(settings: Settings, engine: Engine, jobs: Sequence[IntervalJob] = ()) -> BackgroundScheduler:
    scheduler = build_scheduler(settings, engine, jobs)
    scheduler.start()
    atexit.register(lambda: scheduler.running and scheduler.shutdown(wait=False))
    log.info("Scheduler started with jobs: %s", ", ".join(sorted(job.id for job in scheduler.get_jobs())))
    return scheduler


def next_runs(scheduler: BackgroundScheduler | None) -> dict[str, float]:
    """When each job runs next (epoch seconds), for the admin page; {} without a scheduler in this process."""
    if scheduler is None:
        return {}
    return {job.id: job.next_run_time.timestamp() for job in scheduler.get_jobs() if job.next_run_time}


def _log_event(event) -> None:
    if event.code == EVENT_JOB_ERROR:
        log.error("Job %s raised %r", event.job_id, event.exception)
    elif event.code == EVENT_JOB_MISSED:
        log.warning("Job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    else:
        log.warning("Job %s skipped: the previous run is still going", event.job_id)
