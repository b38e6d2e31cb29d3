"""Runs a person starts from the admin page carry their name: `sync_runs.started_by`, and the log.

The name travels through `tracker.actor` (the column's default), so the sync engine itself knows nothing of
logins. "Sync now" runs in a background thread, which does not inherit the caller's context: `start_sync_as`
hands `SyncService.start_in_background` a shallow copy of the service whose `run` sets the actor inside that
thread, so the lease handling stays the service's own.
"""

from __future__ import annotations

import copy
import logging

from sqlalchemy import select
from sqlalchemy.engine import Engine

from quickbooks.sync import SyncReport, SyncService
from tracker.actor import acting_as
from tracker.db import sync_runs

log = logging.getLogger(__name__)


def start_sync_as(sync: SyncService, username: str, trigger: str = "manual") -> bool:
    """`sync.start_in_background(trigger)`, with the run recorded as started by `username`."""
    attributed = copy.copy(sync)
    run = sync.run

    def run_as(*args, **kwargs) -> SyncReport:
        with acting_as(username):
            return run(*args, **kwargs)

    attributed.run = run_as
    started = attributed.start_in_background(trigger)
    log.info("Sync now pressed by %s: %s", username, "started" if started else "a sync is already running")
    return started


def preview_as(sync: SyncService, username: str) -> SyncReport:
    """A dry run (nothing recorded unless a sync is running, when the refused attempt names `username`)."""
    with acting_as(username):
        return sync.run("manual", dry_run=True)


def started_by(engine: Engine, run_id: int) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(sync_runs.c.started_by).where(sync_runs.c.id == run_id)).scalar()
