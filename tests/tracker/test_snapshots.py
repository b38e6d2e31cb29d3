"""Daily snapshots: one per day, stored in the migrated database; the scheduler runs the job unattended."""

from __future__ import annotations

import datetime as dt
import json
import time

from sqlalchemy import func, inspect, select

from tracker import db
from tracker.scheduler import JOB_DEFAULTS, build_scheduler
from tracker.snapshots import daily_snapshot_worker, take_daily_snapshot
from spreadsheet.local import LocalWorkbook

ROWS = [
    ["invoice", "inv_link", "status", "inv_from", "to_client", "end_client", "task_descr", "job_name", "inv_dollars",
     "owed2ACD", "owed2workers", "submitted_date", "Inv_paid_date", "job_start", "job_end", "notes", "thread"],
    ["00123", "", "paid", "ACD", "Globex LLC", "Initech", "Python training", "PY-301", "$1,500.25", "300", "1200.25",
     "2026-03-02", "", "", "", "=not a formula", ""],
    ["ACC-9", "", "pending", "Accelebrate", "ACD", "Zoë Café Ltd", "Course", "K-1", "1,000", "", "", "", "", "", "", "",
     ""],
]
DAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)


def _engine(settings):
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine)
    return engine


def _count(engine):
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(db.daily_snapshots)).scalar_one()


def test_migrations_create_the_schema_and_are_idempotent(make_settings):
    engine = _engine(make_settings())
    db.upgrade(engine)
    assert "daily_snapshots" in inspect(engine).get_table_names()
    assert "alembic_version" in inspect(engine).get_table_names()


def test_one_snapshot_per_day_with_the_rows_as_text(make_settings):
    settings = make_settings()
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": ROWS})
    engine = _engine(settings)

    first = take_daily_snapshot(settings, engine, now=DAY)
    again = take_daily_snapshot(settings, engine, now=DAY + dt.timedelta(hours=3))
    next_day = take_daily_snapshot(settings, engine, now=DAY + dt.timedelta(days=1))

    assert (first.created, again.created, next_day.created) == (True, False, True)
    assert _count(engine) == 2
    with engine.connect() as connection:
        stored = connection.execute(select(db.daily_snapshots).order_by(db.daily_snapshots.c.id)).first()
    assert stored.snapshot_date == DAY.date()
    assert stored.row_count == 2
    assert stored.total_dollars == "2500.25"
    records = json.loads(stored.rows_json)
    assert records[0]["invoice"] == "00123"
    assert records[0]["notes"] == "=not a formula"
    assert records[1]["end_client"] == "Zoë Café Ltd"


def test_the_worker_logs_a_broken_sheet_and_does_not_raise(make_settings, caplog):
    settings = make_settings(inv_worksheet="missing_tab")
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": ROWS})
    engine = _engine(settings)
    daily_snapshot_worker(settings, engine)
    assert _count(engine) == 0
    assert "no worksheet 'missing_tab'" in caplog.text


def test_the_scheduler_takes_todays_snapshot_at_start(make_settings):
    settings = make_settings()
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": ROWS})
    engine = _engine(settings)
    scheduler = build_scheduler(settings, engine)
    scheduler.start()
    try:
        job = scheduler.get_job("daily_snapshot_worker")
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (
            True, 1, JOB_DEFAULTS["misfire_grace_time"])
        deadline = time.monotonic() + 10
        while _count(engine) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert _count(engine) == 1
