"""Who pressed "Sync now" is recorded with the run (sync_runs.started_by) and logged; other runs name nobody."""

from __future__ import annotations

import logging
import time

from sqlalchemy import select

from tests.pages.test_admin_browser import _connect_directly
from tracker.db import sync_runs

CALLBACK_PATH = "/_dash-update-component"
SYNC_NOW = {"output": "admin-sync-message.children", "outputs": {"id": "admin-sync-message", "property": "children"},
            "inputs": [{"id": "admin-sync-now", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["admin-sync-now.n_clicks"], "state": []}


def _newest_run(engine):
    with engine.connect() as connection:
        return connection.execute(select(sync_runs).order_by(sync_runs.c.id.desc()).limit(1)).first()


def _wait_for_run_after(engine, last_id: int):
    deadline = time.monotonic() + 30
    while True:
        run = _newest_run(engine)
        if run is not None and run.id > last_id and run.finished_at is not None:
            return run
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.1)


def test_sync_now_records_who_pressed_it(tracker_app, point_app, staff_client, tmp_path, caplog):
    point_app(local_sheet_path=tmp_path / "missing.xlsx")   # the run fails fast; its row is what matters
    sync = tracker_app.server.extensions["sync"]
    _connect_directly(sync)   # "Sync now" starts nothing while QuickBooks is not connected (it says so instead)
    before = _newest_run(sync.engine)
    with caplog.at_level(logging.INFO, logger="quickbooks.sync"):
        response = staff_client.post(CALLBACK_PATH, json=SYNC_NOW)
        assert response.status_code == 200 and b"Sync started" in response.data
        run = _wait_for_run_after(sync.engine, before.id if before else 0)
    assert (run.trigger, run.started_by) == ("manual", "staff")
    assert sync.runs.recent(1)[0].started_by == "staff"
    assert f"Sync run {run.id} (manual by staff)" in caplog.text


def test_scheduled_and_cli_runs_name_nobody(tracker_app, point_app, tmp_path):
    point_app(local_sheet_path=tmp_path / "missing.xlsx")
    sync = tracker_app.server.extensions["sync"]
    report = sync.run("schedule")
    assert next(r for r in sync.runs.recent(5) if r.id == report.run_id).started_by is None
