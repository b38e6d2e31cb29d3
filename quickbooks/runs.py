"""`sync_runs`: one row per run, the source of truth for the admin page (progress, outcome, history)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from sqlalchemy import desc, insert, select, update
from sqlalchemy.engine import Engine

from quickbooks.rules.counts import RunCounts
from quickbooks.rules.directions import Direction
from quickbooks.rules.plan import Failure
from quickbooks.rules.statuses import RunStatus
from tracker.db import sync_runs


ABANDONED = ("the process running it stopped (killed or crashed) before it finished; its rows are looked up on the "
             "next run")


@dataclass(frozen=True)
class RunRecord:
    id: int
    trigger: str
    directions: tuple[Direction, ...]
    status: RunStatus
    started_at: float
    finished_at: float | None
    rows_total: int
    rows_done: int
    counts: RunCounts = field(default_factory=RunCounts)
    error: str | None = None
    failures: tuple[Failure, ...] = ()
    started_by: str | None = None   # who pressed "Sync now"; None for scheduled, cron and daemon runs


class RunLog:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time):
        self.engine, self.clock = engine, clock

    def start(self, trigger: str, directions: Sequence[Direction], started_by: str | None = None) -> int:
        with self.engine.begin() as connection:
            return connection.execute(insert(sync_runs).values(
                trigger=trigger, directions=",".join(d.value for d in directions), status=RunStatus.RUNNING.value,
                started_at=self.clock(), started_by=started_by)).inserted_primary_key[0]

    def fail_abandoned(self, run_id: int) -> int:
        """Mark every run older than `run_id` still `running` as failed (ABANDONED); how many. Called by the run
        holding the sync lease: an older run still marked running lost that lease, so its process died (its lease
        was taken over from a dead holder, or expired). A run that was only slow writes its own outcome over this."""
        with self.engine.begin() as connection:
            return connection.execute(update(sync_runs).where(
                sync_runs.c.status == RunStatus.RUNNING.value, sync_runs.c.id < run_id).values(
                status=RunStatus.FAILED.value, finished_at=self.clock(), error=ABANDONED)).rowcount

    def progress(self, run_id: int, done: int, total: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(sync_runs).where(sync_runs.c.id == run_id)
                               .values(rows_done=done, rows_total=total))

    def finish(self, run_id: int, status: RunStatus, counts: RunCounts, error: str | None = None,
               failures: Sequence[Failure] = ()) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(sync_runs).where(sync_runs.c.id == run_id).values(
                status=status.value, finished_at=self.clock(),
                counts_json=json.dumps(counts.to_json(), sort_keys=True), error=error[:2000] if error else None,
                failures_json=json.dumps([f.to_json() for f in failures], ensure_ascii=False)))

    def record_busy(self, trigger: str, directions: Sequence[Direction], holder: str | None,
                    started_by: str | None = None) -> int:
        """A run that could not start because another holds the lease (kept for the history)."""
        run_id = self.start(trigger, directions, started_by)
        self.finish(run_id, RunStatus.BUSY, RunCounts(), f"a sync is already running ({holder or 'another process'})")
        return run_id

    def recent(self, limit: int = 20) -> list[RunRecord]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(sync_runs).order_by(desc(sync_runs.c.id)).limit(limit)).all()
        return [_record(row) for row in rows]


def _record(row) -> RunRecord:
    directions = tuple(Direction(name) for name in row.directions.split(",") if name)
    return RunRecord(row.id, row.trigger, directions, RunStatus(row.status), row.started_at, row.finished_at,
                     row.rows_total, row.rows_done, RunCounts.from_json(json.loads(row.counts_json or "{}")),
                     row.error, tuple(Failure.from_json(f) for f in json.loads(row.failures_json or "[]")),
                     row.started_by)
