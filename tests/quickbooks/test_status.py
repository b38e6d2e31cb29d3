"""The admin page shows when each sync job runs next, from the scheduler of the process serving it."""

from __future__ import annotations

import json
import sys

import plotly.utils

from quickbooks.rules.directions import Direction


def test_counts_show_the_next_scheduled_run(tracker_app):
    from quickbooks import status as admin_view
    from tracker.scheduler import build_scheduler

    admin = next(m for name, m in sys.modules.items() if name.endswith("admin") and hasattr(m, "_counts"))
    sync = tracker_app.server.extensions["sync"]
    scheduler = build_scheduler(sync.settings, sync.engine, sync.scheduled_jobs())
    scheduler.start(paused=True)
    tracker_app.server.extensions["tracker_scheduler"] = scheduler
    try:
        with tracker_app.server.test_request_context("/admin"):
            summary = {d: admin_view.DirectionStatus(d) for d in Direction}
            cards = admin._counts(summary)
    finally:
        scheduler.shutdown(wait=False)
        del tracker_app.server.extensions["tracker_scheduler"]
    text = json.dumps(cards, cls=plotly.utils.PlotlyJSONEncoder)
    assert "Next scheduled run: 20" in text, text   # the invoice job has a time
    assert "Next scheduled run: not scheduled in this process" in text   # bills are off


def test_skipped_bills_are_counted_even_when_bills_never_run(tracker_app):
    from quickbooks import status as admin_view
    from quickbooks.rules.counts import RunCounts
    from quickbooks.rules.statuses import RunStatus
    from quickbooks.runs import RunRecord

    counts = RunCounts.from_json({"invoice": {"synced": 2}, "bill": {"skipped": 9}, "writeback": {"awaiting": 1}})
    runs = [RunRecord(7, "schedule", (Direction.INVOICE,), RunStatus.OK, 100.0, 101.0, 3, 3, counts)]
    with tracker_app.server.app_context():
        summary = admin_view.direction_summary(tracker_app.server.extensions["sync"], runs)
    assert summary[Direction.BILL].skipped == 9 and summary[Direction.BILL].last_run == "never"
    assert summary[Direction.INVOICE].awaiting_writeback == 1
    assert summary[Direction.INVOICE].last_run.endswith(": ok")
