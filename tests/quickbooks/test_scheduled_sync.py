"""The scheduled sync job: runs on its interval, and never overlaps with "Sync now" (the lease decides)."""

from __future__ import annotations

import dataclasses
import time

from tracker.scheduler import build_scheduler
from quickbooks.sync import SyncService
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table


def _rows(n):  # no end client, description, job or date
    return table(*(sheet_row(f"S-{i:03d}", inv_dollars=f"{100 + i}.25", end_client="", task_descr="", job_name="",
                             submitted_date="") for i in range(n)))


def test_scheduled_runs_and_sync_now_never_overlap(connected, engine, make_settings, qbo_emulator):
    settings = make_settings()
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": _rows(90)})
    connected.settings = dataclasses.replace(connected.settings, sync_interval_seconds=0.2)
    qbo_emulator.set_latency(0.02)
    sync = SyncService(settings, connected, engine)
    scheduler = build_scheduler(settings, engine, sync.scheduled_jobs())
    scheduler.start()
    manual_started = 0
    try:
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            manual_started += sync.start_in_background("manual")
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    while sync.running():
        time.sleep(0.05)

    runs = [r for r in sync.runs.recent(500) if r.status != "busy"]
    triggers = {r.trigger for r in runs}
    assert "schedule" in triggers and manual_started >= 1
    spans = sorted((r.started_at, r.finished_at) for r in runs)
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:])), "two runs overlapped"
    assert sorted(set(qbo_emulator.docnumber_counts("Invoice").values())) == [1]
    assert len(qbo_emulator.docnumber_counts("Invoice")) == 90
