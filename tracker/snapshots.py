"""`daily_snapshot_worker`: one copy of `inv_tbl` per day in the database, for history and audits.

Idempotent per day: the unique `snapshot_date` decides, so a restart, a second process or a manual run on
the same day stores nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

import acd
from tracker.db import daily_snapshots
from tracker.errors import TrackerError
from spreadsheet.cells import parse_amount
from tracker.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotResult:
    snapshot_date: dt.date
    created: bool
    row_count: int


def take_daily_snapshot(settings: Settings, engine: Engine, now: dt.datetime | None = None) -> SnapshotResult:
    """Store today's (UTC) snapshot unless one exists; read the sheet only when one is needed."""
    now = now or dt.datetime.now(dt.timezone.utc)
    today = now.date()
    with engine.connect() as connection:
        existing = connection.execute(
            select(daily_snapshots.c.row_count).where(daily_snapshots.c.snapshot_date == today)).first()
    if existing is not None:
        return SnapshotResult(today, False, existing.row_count)

    table = acd.load_inv_table(settings)
    total = sum((parse_amount(r.get("inv_dollars", "")) or Decimal(0) for r in table.records), Decimal(0))
    try:
        with engine.begin() as connection:
            connection.execute(insert(daily_snapshots).values(
                snapshot_date=today, taken_at=now, source=settings.sheet_label, row_count=len(table.records),
                total_dollars=str(total), rows_json=json.dumps(table.records, ensure_ascii=False)))
    except IntegrityError:
        log.info("Snapshot for %s was stored by another process meanwhile", today)
        return SnapshotResult(today, False, len(table.records))
    log.info("Stored the %s snapshot of %s: %d rows, $%s", today, settings.inv_worksheet, len(table.records), total)
    return SnapshotResult(today, True, len(table.records))


def daily_snapshot_worker(settings: Settings, engine: Engine) -> None:
    """Scheduler entry point: never raises, so one bad day does not stop the scheduler."""
    try:
        take_daily_snapshot(settings, engine)
    except TrackerError as exc:
        log.error("Daily snapshot skipped: %s", exc)
    except Exception:  # the one catch-all of this job: log it and keep the scheduler alive
        log.exception("Daily snapshot failed unexpectedly")
