"""The admin page shows when each sync job runs next and which process runs it, from the database and the
settings, so every worker shows the same."""

from __future__ import annotations

import json

import plotly.utils

from quickbooks.rules.directions import Direction


def test_counts_show_the_next_scheduled_run_and_the_leader(tracker_app):
    from pages import _admin_card as card
    from quickbooks import status as admin_view
    from tracker.leases import release, try_acquire
    from tracker.scheduler import LEADER_LEASE, leader_of

    sync = tracker_app.server.extensions["sync"]
    every = {job.id: job.seconds for job in sync.scheduled_jobs()}
    summary = {d: admin_view.DirectionStatus(d) for d in Direction}
    with tracker_app.server.test_request_context("/admin"):
        nobody = json.dumps(card.counts(summary, sync.directions(), every, None, {}),
                            cls=plotly.utils.PlotlyJSONEncoder)
        holder = "web-7:4242:1:scheduler:abcd"
        assert try_acquire(sync.engine, LEADER_LEASE, holder, ttl=60)
        try:
            leader = json.dumps(card.counts(summary, sync.directions(), every, leader_of(sync.engine), {}),
                                cls=plotly.utils.PlotlyJSONEncoder)
        finally:
            release(sync.engine, LEADER_LEASE, holder)
    assert "Next scheduled run: none: no scheduler is running" in nobody
    assert "Next scheduled run: 20" in leader and ", by web-7 pid 4242" in leader, leader   # the invoice job
    assert "Next scheduled run: not scheduled" in leader   # bills are off
    assert "Invoices: next run in " in leader and "Bills are off: no row asks for one" in leader


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


REFRESH = {"output": "..admin-connection.children...admin-counts.children..."
                     "admin-recent.children...admin-runs-chart.figure...admin-progress.value...admin-progress.label..."
                     "admin-progress.animated...admin-last-runs.children...admin-db-busy.children..",
           "outputs": [{"id": i, "property": p} for i, p in (
               ("admin-connection", "children"), ("admin-counts", "children"),
               ("admin-recent", "children"), ("admin-runs-chart", "figure"), ("admin-progress", "value"),
               ("admin-progress", "label"), ("admin-progress", "animated"), ("admin-last-runs", "children"),
               ("admin-db-busy", "children"))],
           "inputs": [{"id": "admin-poll", "property": "n_intervals", "value": 1}],
           "changedPropIds": ["admin-poll.n_intervals"], "state": []}


def _texts_by_id(node, found: dict | None = None) -> dict[str, object]:
    """Every component with an id in a callback's answer: id -> its children."""
    found = {} if found is None else found
    if isinstance(node, dict):
        props = node.get("props", {})
        if isinstance(props, dict) and "id" in props:
            found[props["id"]] = props.get("children")
        for value in node.values():
            _texts_by_id(value, found)
    elif isinstance(node, list):
        for value in node:
            _texts_by_id(value, found)
    return found


def test_the_refreshed_card_shows_the_counts_after_creation(tracker_app, admin_client, point_app, monkeypatch):
    from quickbooks.rules.counts import RunCounts
    from quickbooks.rules.statuses import RunStatus
    from quickbooks.runs import RunRecord
    from tests.quickbooks.test_life_counts import add_row

    settings = point_app(inv_worksheet="life_counts_admin")   # its own audit rows, invisible to other tests
    sync = tracker_app.server.extensions["sync"]
    where = {"sheet": settings.sheet_label, "worksheet": settings.inv_worksheet, "due": "2999-12-31"}
    for row in ({"balance": "0"}, {"balance": "0"}, {"balance": "0"}, {"balance": "1.5"}, {"due": "2000-01-01"},
                {}, {"qb_state": "voided"}, {"qb_state": "deleted"}):
        add_row(sync.engine, **{**where, **row})
    add_row(sync.engine, Direction.BILL, **{**where, "due": "2000-01-01"}, balance="20", total="50")
    counts = RunCounts.from_json({"invoice": {"changed": 4}})
    run = RunRecord(9, "schedule", (Direction.INVOICE, Direction.BILL), RunStatus.OK, 100.0, 101.0, 9, 9, counts)
    monkeypatch.setattr(sync.runs, "recent", lambda limit=20: [run])

    answer = admin_client.post("/_dash-update-component", json=REFRESH)

    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    shown = _texts_by_id(answer.get_json()["response"]["admin-counts"])
    invoice = {name: shown[f"admin-count-invoice-{name}"] for name in
               ("paid", "partly-paid", "open", "overdue", "changed", "voided", "deleted", "synced")}
    assert invoice == {"paid": "paid: 3", "partly-paid": "partly paid: 1", "open": "open: 2", "overdue": "overdue: 1",
                       "changed": "changed: 4", "voided": "voided: 1", "deleted": "deleted: 1", "synced": "synced: 8"}
    assert (shown["admin-count-bill-partly-paid"], shown["admin-count-bill-overdue"], shown["admin-count-bill-paid"]) \
        == ("partly paid: 1", "overdue: 1", "paid: 0")
