"""QuickBooks admin: connection, counts per direction, Sync now with progress, the rows staff can act on
(failed with Retry, not syncing and why), receivables, the invoices created, the preview, history.

Everything shown comes from the database through quickbooks/status.py (and status_rows.py for the sheet's rows),
polled every two seconds, so every worker process and browser tab agrees. Staff see the page, Sync now, Retry and
the preview; only an admin sees and may use Connect and Disconnect. Every callback has its role in
pages/_access.py (checked by the guard in tracker/auth.py) and checks it again itself (`@requires`); the layout
asks for the login too. Who pressed Sync now, Retry or Disconnect is recorded (sync_runs.started_by, the log).
Pages call the engine, never the wire. The card is drawn by pages/_admin_card.py, the row views by
pages/_admin_rows.py.
"""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

import acd
from pages import _admin_card as card
from pages import _admin_rows as rows_view
from pages._data import load_page_data
from quickbooks import status as view
from quickbooks import status_rows
from quickbooks.config import load_directions
from quickbooks.rules.directions import Direction
from quickbooks.rules.statuses import RunStatus
from quickbooks.web import pop_flash
from tracker.auth import ADMIN, STAFF, current_user, has_role, requires
from tracker.errors import TrackerError
from tracker.notify import try_test_message
from tracker.settings import current_settings
from tracker.scheduler import leader_of

dash.register_page(__name__, path="/admin", name="QuickBooks", title="Finance tracker: QuickBooks admin", order=2)

log = logging.getLogger(__name__)
POLL_MS = 2000
BUSY = "The database is busy (a sync is writing); this page refreshes by itself."


def _sync():
    return current_app.extensions["sync"]


def _section(title: str, body_id: str, body=None, note: str = "") -> list:
    return [html.H5(title, className="mt-4"), html.P(note, className="small text-muted mb-1") if note else None,
            html.Div(body, id=body_id, className="mb-1")]


def layout(**_query):
    if not has_role(STAFF):
        return dbc.Alert(["The QuickBooks admin page needs a login. ",
                          html.A("Log in", href="/login?next=/admin", id="admin-login-link")], color="warning")
    flash = pop_flash()
    return html.Div([
        html.Div(dbc.Alert(flash["message"], color=flash["kind"], id="admin-flash", dismissable=True) if flash else None,
                 id="admin-flash-area"),
        dcc.Interval(id="admin-poll", interval=POLL_MS),
        dcc.Store(id="admin-run-marker"), dcc.Store(id="admin-recent-page", data=0),
        html.Div(id="admin-db-busy"),
        dbc.Row([
            dbc.Col(dbc.Card([dbc.CardHeader("QuickBooks connection"), dbc.CardBody([
                html.Div(id="admin-connection"), *card.connection_buttons(),
            ])]), md=6, className="mb-3"),
            dbc.Col(dbc.Card([dbc.CardHeader("Sync"), dbc.CardBody([
                dbc.Button("Sync now", id="admin-sync-now", color="primary", className="me-2"),
                dbc.Button("Preview next run", id="admin-preview-btn", color="secondary", outline=True),
                html.Div(id="admin-sync-message", className="mt-2"),
                dbc.Progress(id="admin-progress", value=0, className="mt-2", style={"height": "1.4rem"}),
                html.Div(id="admin-outcome", className="small mt-1"),
                html.Div(id="admin-last-runs", className="small text-muted mt-1"),
            ])]), md=6, className="mb-3"),
        ]),
        dbc.Row(id="admin-counts"),
        *_section("Failed rows", "admin-failed"),
        html.Div(id="admin-retry-message"),
        *_section("Rows not syncing, and why", "admin-not-syncing", note="Draft, already paid, not ready, waiting "
                  "for writeback, changed after sync, voided, or Bills off."),
        *_section("Receivables", "admin-receivables"),
        *_section("Latest invoices created", "admin-recent"),
        html.Div(id="admin-recent-list"),
        html.Div([dbc.Button("Newer", id="admin-recent-newer", size="sm", outline=True, className="me-2"),
                  dbc.Button("Older", id="admin-recent-older", size="sm", outline=True)], className="mb-3"),
        *_section("Preview: what the next run would do with each row", "admin-preview",
                  dcc.Loading(html.P("Press \"Preview next run\"; it is refreshed after each run.",
                                     className="text-muted"))),
        html.H5("Recent runs", className="mt-4"),
        dcc.Graph(id="admin-runs-chart", config={"displaylogo": False, "displayModeBar": False}),
        *_notifications(),
    ])


def _notifications() -> list:
    """Admins check the mail and chat settings (NOTIFY_* in .env) with a test message; staff see nothing here."""
    if not has_role(ADMIN):
        return []
    return _section("Notifications", "admin-notify", [
        dbc.Button("Send test message", id="admin-notify-test", color="secondary", outline=True, size="sm"),
        dcc.Loading(html.Div(id="admin-notify-result", className="mt-2"))],
        note="Rows newly failed, QuickBooks needing a reconnect, an expiring token and runs that could not finish "
             "are told once, by mail and the chat webhook set in .env (NOTIFY_*).")


def _scheduler_facts(sync) -> tuple[dict[str, float], dict[str, float | None]]:
    """Each scheduled job's interval (the settings), and the next run time of the jobs this process's APScheduler
    holds (none when the scheduler runs in another process: the grid says it then)."""
    every = {job.id: job.seconds for job in sync.scheduled_jobs()}
    scheduler = current_app.extensions.get("tracker_scheduler")
    held = {}
    for job in (scheduler.get_jobs() if scheduler is not None else ()):
        if job.id in every and job.next_run_time is not None:
            held[job.id] = job.next_run_time.timestamp()
    return every, held


def _row_link(settings):
    """Sheet row -> its address in Google Sheets (the worksheet's gid read once per process); "" for a workbook."""
    if settings.sheet_backend != "google":
        return lambda _row: ""
    gids = current_app.extensions.setdefault("admin_sheet_gids", {})
    key = (settings.google_sheet_id, settings.inv_worksheet)
    if key not in gids:
        try:
            sheets = acd.open_sheet(settings).metadata()["sheets"]
            gids[key] = next((s["properties"]["sheetId"] for s in sheets
                              if s["properties"]["title"] == settings.inv_worksheet), None)
        except (TrackerError, KeyError, AttributeError) as exc:
            log.warning("No link to the sheet's rows: %s", exc)
            return lambda _row: ""
    return lambda row: view.sheet_row_link(settings.google_sheet_id, gids[key], row)


@callback(Output("admin-connection", "children"), Output("admin-counts", "children"),
          Output("admin-recent", "children"), Output("admin-runs-chart", "figure"),
          Output("admin-progress", "value"), Output("admin-progress", "label"), Output("admin-progress", "animated"),
          Output("admin-last-runs", "children"), Output("admin-db-busy", "children"),
          Input("admin-poll", "n_intervals"))
@requires(STAFF)
def refresh(_n):
    sync = _sync()
    try:
        runs = sync.runs.recent(30)
        conn = view.connection_view(sync.qb)
        summary = view.direction_summary(sync, runs)
        _first, total = view.created_invoices(sync, 0, 1, runs)
        leader = leader_of(sync.engine)
    except SQLAlchemyError:
        return (no_update,) * 8 + (dbc.Alert(BUSY, color="info"),)
    run = view.progress_of(runs)
    value, label, animated, _colour, _sentence = card.progress(run)
    running = sync.running() and run and run.status is RunStatus.RUNNING
    every, held = _scheduler_facts(sync)
    return (card.connection_card(conn), card.counts(summary, sync.directions(), every, leader, held),
            rows_view.recent_count(total),
            card.chart(view.history(runs)), value, label, animated, _running_text(run) if running else "", None)


def _running_text(run) -> str:
    return f"A sync is running ({run.trigger}{f', started by {run.started_by}' if run.started_by else ''})."


@callback(Output("admin-offer-connect", "style"), Output("admin-offer-disconnect", "style"),
          Output("admin-progress", "color"), Output("admin-outcome", "children"), Output("admin-run-marker", "data"),
          Input("admin-poll", "n_intervals"), State("admin-run-marker", "data"))
@requires(STAFF)
def refresh_controls(_n, marker):
    """The button that applies, the run's colour and outcome, and a marker that changes when a run finishes (the
    row views and the preview follow it)."""
    sync = _sync()
    try:
        conn, runs = view.connection_view(sync.qb), sync.runs.recent(10)
    except SQLAlchemyError:
        return (no_update,) * 5
    connect, disconnect = card.button_styles(conn)
    run = view.progress_of(runs)
    _value, _label, _animated, colour, sentence = card.progress(run)
    finished = next((r.id for r in runs if r.status.finished and r.trigger != view.PREVIEW), None)
    new = {"run": finished, "after_load": marker is not None}
    changed = marker is None or marker.get("run") != finished
    return connect, disconnect, colour, html.Span(sentence, id="admin-outcome-text"), new if changed else no_update


@callback(Output("admin-failed", "children"), Output("admin-not-syncing", "children"),
          Output("admin-receivables", "children"),
          Input("admin-run-marker", "data"), Input("admin-retry-message", "children"), prevent_initial_call=True)
@requires(STAFF)
def refresh_rows(_marker, _retried):
    """The failed rows (with their Retry buttons), the sheet's rows that are not syncing, and the receivables:
    after each run and each retry, not on every poll (a table redrawn every 2 s would swallow a click on Retry)."""
    sync = _sync()
    data = load_page_data()
    qs = sync.qb.settings
    try:
        if data.error:
            rows = dbc.Alert(data.error, color="warning")
        else:
            created = status_rows.created_keys(sync, data.records)
            rows = rows_view.not_syncing_view(status_rows.not_syncing(
                data.records, load_directions(qs.directions_file), qs.ready_statuses, qs.bills_enabled, created,
                qs.customer_field))
        owed = rows_view.receivables_view(view.receivables(sync))
        failed_rows = view.failed_rows(sync.runs.recent(30))
        if not data.error:
            failed_rows = view.still_failed(failed_rows, data.records)
        failed = rows_view.failed_table(failed_rows, _row_link(sync.settings))
    except SQLAlchemyError:
        return no_update, dbc.Alert(BUSY, color="info"), no_update
    return failed, rows, owed


@callback(Output("admin-recent-list", "children"), Output("admin-recent-page", "data"),
          Input("admin-recent-newer", "n_clicks"), Input("admin-recent-older", "n_clicks"),
          Input("admin-run-marker", "data"), State("admin-recent-page", "data"), prevent_initial_call=True)
@requires(STAFF)
def recent_page(_newer, _older, _marker, page):
    """Every invoice created, newest first, a page at a time: after each run, and on Newer / Older."""
    sync, page = _sync(), page or 0
    _first, total = view.created_invoices(sync, 0, 1)
    last = max(0, (total - 1) // rows_view.PER_PAGE)
    page = {"admin-recent-newer": max(0, page - 1), "admin-recent-older": page + 1}.get(ctx.triggered_id, page)
    page = min(page, last)
    rows, total = view.created_invoices(sync, page, rows_view.PER_PAGE)
    return rows_view.recent_table(rows, page, total), page


@callback(Output("admin-retry-message", "children"),
          Input({"type": "admin-retry", "index": ALL, "key": ALL, "direction": ALL}, "n_clicks"),
          prevent_initial_call=True)
@requires(STAFF)
def retry(clicks):
    """What `reset` does for a failed row: forget its audit row and clear its cells, so the next run sends it."""
    button = ctx.triggered_id
    if not button or not any(clicks or ()) or not (ctx.triggered and ctx.triggered[0]["value"]):
        return no_update
    user = current_user().username
    try:
        outcome = _sync().reset_row(button["key"], Direction(button["direction"]))
    except TrackerError as exc:
        log.warning("Retry of %s by %s failed: %s", button["key"], user, exc)
        return dbc.Alert(f"Not retried: {exc}", color="danger", id="admin-retry-result", dismissable=True)
    log.info("Retry of %s (%s) by %s: %s", button["key"], button["direction"], user, outcome)
    ok = outcome.startswith("Reset")
    return dbc.Alert(outcome + (". It is sent by the next run (or press Sync now)." if ok else ""),
                     color="success" if ok else "warning", id="admin-retry-result", dismissable=True)


@callback(Output("admin-sync-message", "children"), Input("admin-sync-now", "n_clicks"), prevent_initial_call=True)
@requires(STAFF)
def sync_now(_clicks):
    sync = _sync()
    try:
        conn = view.connection_view(sync.qb)
        if not conn.connected or conn.problem:
            return card.not_connected(conn)
        started = sync.start_in_background("manual", started_by=current_user().username)
    except TrackerError as exc:   # SyncCouldNotStart: the disk or database failed; a message, never a 500
        return dbc.Alert(str(exc), color="danger", id="admin-sync-failed")
    except (OSError, SQLAlchemyError) as exc:
        return dbc.Alert(f"The sync could not start: the disk or database is not available ({type(exc).__name__})",
                         color="danger", id="admin-sync-failed")
    if started:
        return dbc.Alert("Sync started: progress below.", color="success", id="admin-sync-started", duration=8000)
    return dbc.Alert("A sync is already running; nothing new was started.", color="warning",
                     id="admin-sync-busy", duration=8000)


@callback(Output("admin-preview", "children"), Input("admin-preview-btn", "n_clicks"),
          Input("admin-run-marker", "data"), prevent_initial_call=True)
@requires(STAFF)
def preview(_clicks, marker):
    """A dry run on demand, and again after each run that finished while the page is open (so it never shows a
    state older than the card)."""
    if ctx.triggered_id == "admin-run-marker" and not (marker and marker.get("after_load")):
        return no_update
    report = _sync().preview(started_by=current_user().username)
    if report.status is RunStatus.BUSY:
        return dbc.Alert("A sync is running; the preview follows when it has finished.", color="warning")
    if report.error:
        return dbc.Alert(report.error, color="danger")
    return rows_view.preview_view(report)


@callback(Output("admin-flash-area", "children"), Input("admin-disconnect", "submit_n_clicks"),
          prevent_initial_call=True)
@requires(ADMIN)
def disconnect_clicked(confirmed):
    if not confirmed:
        return no_update
    user = current_user().username
    try:
        _sync().qb.disconnect()
    except TrackerError as exc:
        log.warning("QuickBooks disconnect by %s failed: %s", user, exc)
        return dbc.Alert(f"Not disconnected: {exc}", color="danger", id="admin-disconnect-result")
    log.info("QuickBooks disconnected by %s", user)
    return dbc.Alert("QuickBooks disconnected: the grant was revoked and the tokens deleted.", color="success",
                     id="admin-disconnect-result")


@callback(Output("admin-notify-result", "children"), Input("admin-notify-test", "n_clicks"), prevent_initial_call=True)
@requires(ADMIN)
def notify_test(_clicks):
    """The "Send test message" button: every configured channel, and a plain sentence of what happened."""
    ok, sentence = try_test_message(current_settings())
    log.info("Test notification by %s: %s", current_user().username, sentence)
    return dbc.Alert(sentence, color="success" if ok else "warning", id="admin-notify-outcome")
