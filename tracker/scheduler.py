"""The in-process APScheduler (3.x): started by `create_app` only, never at import time.

Jobs coalesce missed runs, run one instance at a time, and tolerate a busy process for a while
(`misfire_grace_time`). Missed or failed runs are logged, since APScheduler alone keeps quiet about them.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from quickbooks.rules.directions import Direction
from quickbooks.sync import SyncService
from tracker.settings import Settings
from tracker.snapshots import daily_snapshot_worker

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
SYNC_JOBS = {Direction.INVOICE: "qb_sync_invoices", Direction.BILL: "qb_sync_bills"}


def build_scheduler(settings: Settings, engine: Engine, sync: SyncService | None = None) -> BackgroundScheduler:
    """The daily snapshot (at start, then daily at SNAPSHOT_HOUR_UTC) and, with `sync`, the QuickBooks jobs.

    `max_instances=1` keeps one run per job in this process; the database lease in SyncService is the real
    guard across processes (gunicorn workers, a cron run-once, a second host).
    """
    scheduler = BackgroundScheduler(timezone=dt.timezone.utc, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(daily_snapshot_worker, "cron", id="daily_snapshot_worker", name="daily_snapshot_worker",
                      hour=settings.snapshot_hour_utc, minute=5, args=(settings, engine), replace_existing=True,
                      next_run_time=dt.datetime.now(dt.timezone.utc))
    if sync is not None:
        qs = sync.qb.settings
        jobs = [(SYNC_JOBS[Direction.INVOICE], Direction.INVOICE, qs.sync_interval_seconds)]
        if qs.bills_enabled:
            jobs.append((SYNC_JOBS[Direction.BILL], Direction.BILL, qs.bill_sync_interval_seconds))
        for job_id, direction, interval in jobs:
            scheduler.add_job(run_scheduled_sync, "interval", id=job_id, name=job_id, seconds=interval,
                              args=(sync, direction), replace_existing=True, misfire_grace_time=max(1, int(interval)),
                              coalesce=True, max_instances=1)
    scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def run_scheduled_sync(sync: SyncService, direction: Direction) -> None:
    """A scheduled run; anything unexpected is recorded in sync_runs by the service, then logged by the listener."""
    report = sync.run("schedule", [direction])
    if report.status == "busy":
        log.info("Scheduled %s sync skipped: %s", direction.value, report.error)


def start_scheduler(settings: Settings, engine: Engine, sync: SyncService | None = None) -> BackgroundScheduler:
    scheduler = build_scheduler(settings, engine, sync)
    scheduler.start()
    atexit.register(lambda: scheduler.running and scheduler.shutdown(wait=False))
    log.info("Scheduler started with jobs: %s", ", ".join(sorted(job.id for job in scheduler.get_jobs())))
    return scheduler


def _log_event(event) -> None:
    if event.code == EVENT_JOB_ERROR:
        log.error("Job %s raised %r", event.job_id, event.exception)
    elif event.code == EVENT_JOB_MISSED:
        log.warning("Job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    else:
        log.warning("Job %s skipped: the previous run is still going", event.job_id)
