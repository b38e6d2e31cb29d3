"""QuickBooks admin: connection, counts per direction, Sync now with progress, failed rows, preview, history.

Everything shown comes from the database through quickbooks/status.py, polled every two seconds, so
every worker process and browser tab agrees. Staff see the page, Sync now and the preview; only an admin sees
and may use Connect and Disconnect. Every callback has its role in pages/_access.py (checked by the guard in
tracker/auth.py) and checks it again itself (`@requires`); the layout asks for the login too. Who pressed Sync
now or Disconnect is recorded (sync_runs.started_by, the log). Pages call the engine, never the wire.
"""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html, no_update
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from quickbooks import status as view
from quickbooks.rules.directions import Direction
from quickbooks.rules.statuses import RunStatus
from quickbooks.rules.values import shown_utc
from quickbooks.web import pop_flash
from tracker.auth import ADMIN, STAFF, current_user, has_role, requires
from tracker.errors import TrackerError
from tracker.scheduler import describe_holder, leader_of, next_on_grid

dash.register_page(__name__, path="/admin", name="QuickBooks", title="Finance tracker: QuickBooks admin", order=2)

log = logging.getLogger(__name__)
POLL_MS = 2000
BADGE = {"LOCAL EMULATOR": "warning", "SANDBOX": "info", "PRODUCTION": "success"}


def _sync():
    return current_app.extensions["sync"]


def _connection_buttons() -> list:
    """Connect and Disconnect, for an admin only; staff are told who can."""
    if not has_role(ADMIN):
        return [html.P("Connecting or disconnecting QuickBooks needs an admin.", className="small text-muted mb-0",
                       id="admin-connect-admin-only")]
    return [dbc.Button("Connect QuickBooks", href="/qbo/connect", external_link=True, color="primary",
                       id="admin-connect", className="me-2"),
            dcc.ConfirmDialogProvider(
                dbc.Button("Disconnect", color="danger", outline=True, id="admin-disconnect-btn"),
                id="admin-disconnect",
                message="Disconnect QuickBooks? The grant is revoked at Intuit and the stored tokens deleted; "
                        "syncing stops until someone connects again.")]


def layout(**_query):
    if not has_role(STAFF):
        return dbc.Alert(["The QuickBooks admin page needs a login. ",
                          html.A("Log in", href="/login?next=/admin", id="admin-login-link")], color="warning")
    flash = pop_flash()
    return html.Div([
        html.Div(dbc.Alert(flash["message"], color=flash["kind"], id="admin-flash", dismissable=True) if flash else None,
                 id="admin-flash-area"),
        dcc.Interval(id="admin-poll", interval=POLL_MS),
        html.Div(id="admin-db-busy"),
        dbc.Row([
            dbc.Col(dbc.Card([dbc.CardHeader("QuickBooks connection"), dbc.CardBody([
                html.Div(id="admin-connection"), *_connection_buttons(),
            ])]), md=6),
            dbc.Col(dbc.Card([dbc.CardHeader("Sync"), dbc.CardBody([
                dbc.Button("Sync now", id="admin-sync-now", color="primary", className="me-2"),
                dbc.Button("Preview next run", id="admin-preview-btn", color="secondary", outline=True),
                html.Div(id="admin-sync-message", className="mt-2"),
                dbc.Progress(id="admin-progress", value=0, className="mt-2", style={"height": "1.4rem"}),
                html.Div(id="admin-last-runs", className="small text-muted mt-2"),
            ])]), md=6),
        ], className="mb-3"),
        dbc.Row(id="admin-counts", className="mb-3"),
        html.H5("Failed rows"),
        html.Div(id="admin-failed", className="mb-4"),
        html.H5("Latest invoices created"),
        html.Div(id="admin-recent", className="mb-4"),
        html.H5("Preview: what the next run would send"),
        dcc.Loading(html.Div(id="admin-preview", children=html.P("Press \"Preview next run\".",
                                                                 className="text-muted"))),
        html.H5("Recent runs", className="mt-4"),
        dcc.Graph(id="admin-runs-chart", config={"displaylogo": False}),
    ])


def _connection_card(conn: view.ConnectionView):
    badge = dbc.Badge(conn.environment, color=BADGE.get(conn.environment, "secondary"), id="admin-env-badge",
                      className="mb-2")
    if not conn.connected:
        return [badge, html.P("Not connected.", id="admin-connection-state")]
    lines = [badge, html.P([html.Strong(conn.company or "Connected company"), f" (realm {conn.realm_id})"],
                           id="admin-connection-state"),
             html.P(f"Access token until {conn.access_expires}; refresh token until {conn.refresh_expires}.",
                    className="small text-muted"),
             html.P(conn.numbers, className="small text-danger" if conn.numbers_off else "small text-muted",
                    id="admin-custom-numbers")]
    if conn.problem:
        lines.append(dbc.Alert(f"Reconnect needed: {conn.problem}", color="danger", id="admin-reconnect"))
    elif conn.reconnect_soon:
        lines.append(dbc.Alert("The refresh token ends within a week: reconnect soon.", color="warning"))
    return lines


def _next_run(direction: Direction, leader: str | None) -> str:
    """When the direction's job runs next, and in which process: from the settings (jobs fire on a grid anchored
    at the epoch) and the leader lease in the database, so every worker shows the same (tracker/scheduler.py)."""
    every = {job.id: job.seconds for job in _sync().scheduled_jobs()}
    seconds = every.get(direction.facts.job_id)
    if seconds is None:
        return "not scheduled"
    if leader is None:
        return "none: no scheduler is running (SCHEDULER_ENABLED is false, or no process is up)"
    return f"{shown_utc(next_on_grid(seconds))}, by {describe_holder(leader)}"


def _counts(summary: dict[Direction, view.DirectionStatus], leader: str | None = None) -> list:
    cols = []
    for direction, status in summary.items():
        next_run = _next_run(direction, leader)
        items = [html.Li(f"{name}: {status.count(name)}",
                         id=f"admin-count-{direction.value}-{name.replace(' ', '-')}") for name in view.COUNT_NAMES]
        cols.append(dbc.Col(dbc.Card([dbc.CardHeader(direction.label), dbc.CardBody([
            html.Ul(items, className="mb-2"),
            *_life_counts(direction, status),
            html.Div(f"Last run: {status.last_run}", className="small"),
            html.Div(f"Last successful sync: {status.last_success}", className="small"),
            html.Div(f"Next scheduled run: {next_run}", className="small", id=f"admin-next-{direction.value}"),
        ])]), md=6))
    return cols


def _life_counts(direction: Direction, status: view.DirectionStatus) -> list:
    """After creation: paid, partly paid, open, overdue (red when any), changed, voided and deleted."""
    items = [html.Li(f"{name}: {status.count(name)}", id=f"admin-count-{direction.value}-{name.replace(' ', '-')}",
                     className="text-danger" if name == "overdue" and status.overdue else None)
             for name in view.LIFE_COUNT_NAMES]
    return [html.Div("After creation, as QuickBooks was last read:", className="small text-muted"),
            html.Ul(items, className="small mb-2", id=f"admin-life-{direction.value}")]


def _failed_table(rows: list[dict]):
    if not rows:
        return html.P("No failed rows.", className="text-muted", id="admin-no-failures")
    head = html.Thead(html.Tr([html.Th(h) for h in ("sheet row", "invoice", "direction", "client", "amount", "message",
                                                    "as of")]))
    body = html.Tbody([html.Tr([html.Td(r["rows"]), html.Td(r["invoice"]), html.Td(r["direction"]),
                                html.Td(r["client"]), html.Td(r["amount"]), html.Td(r["error"], className="text-danger"),
                                html.Td(r["when"])]) for r in rows])
    return dbc.Table([head, body], bordered=True, hover=True, size="sm", responsive=True, id="admin-failed-table")


def _recent_table(rows: list[dict]):
    if not rows:
        return html.P("None yet.", className="text-muted")
    head = html.Thead(html.Tr([html.Th(h) for h in ("invoice", "client", "amount", "created", "QuickBooks", "PDF")]))
    body = html.Tbody([html.Tr([html.Td(r["invoice"]), html.Td(r["client"]), html.Td(r["amount"]), html.Td(r["when"]),
                                html.Td(html.A("open", href=r["link"], target="_blank")),
                                html.Td(html.A("PDF", href=f"/qbo/invoice/{r['qb_id']}/pdf", target="_blank"))])
                       for r in rows])
    return dbc.Table([head, body], bordered=True, hover=True, size="sm", responsive=True, id="admin-recent-table")


def _chart(points: list[dict]) -> go.Figure:
    figure = go.Figure([go.Bar(name="synced", x=[p["run"] for p in points], y=[p["synced"] for p in points]),
                        go.Bar(name="failed", x=[p["run"] for p in points], y=[p["failed"] for p in points])])
    figure.update_layout(barmode="group", height=280, margin={"t": 20, "l": 40, "r": 10, "b": 30},
                         xaxis_type="category", yaxis_title="rows")
    return figure


def _progress(run) -> tuple[int, str, bool]:
    if run is None:
        return 0, "no run yet", False
    if run.status is RunStatus.RUNNING:
        total = max(run.rows_total, 1)
        return round(100 * run.rows_done / total), f"{run.rows_done} of {run.rows_total} rows", True
    return 100, f"last run {run.status}", False


@callback(Output("admin-connection", "children"), Output("admin-counts", "children"),
          Output("admin-failed", "children"), Output("admin-recent", "children"), Output("admin-runs-chart", "figure"),
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
        failed = view.failed_rows(runs)
        recent = view.recent_invoices(sync)
        leader = leader_of(sync.engine)
    except SQLAlchemyError:
        busy = dbc.Alert("The database is busy (a sync is writing); this page refreshes by itself.", color="info")
        return (no_update,) * 9 + (busy,)
    run = view.progress_of(runs)
    value, label, animated = _progress(run)
    running = sync.running()
    status = _running_text(run) if running and run and run.status is RunStatus.RUNNING else ""
    return (_connection_card(conn), _counts(summary, leader), _failed_table(failed), _recent_table(recent),
            _chart(view.history(runs)),
            value, label, animated, status, None)


def _running_text(run) -> str:
    return f"A sync is running ({run.trigger}{f', started by {run.started_by}' if run.started_by else ''})."


@callback(Output("admin-sync-message", "children"), Input("admin-sync-now", "n_clicks"), prevent_initial_call=True)
@requires(STAFF)
def sync_now(_clicks):
    try:
        started = _sync().start_in_background("manual", started_by=current_user().username)
    except TrackerError as exc:   # SyncCouldNotStart: the disk or database failed; a message, never a 500
        return dbc.Alert(str(exc), color="danger", id="admin-sync-failed")
    except (OSError, SQLAlchemyError) as exc:
        return dbc.Alert(f"The sync could not start: the disk or database is not available ({type(exc).__name__})",
                         color="danger", id="admin-sync-failed")
    if started:
        return dbc.Alert("Sync started: progress below.", color="success", id="admin-sync-started", duration=8000)
    return dbc.Alert("A sync is already running; nothing new was started.", color="warning",
                     id="admin-sync-busy", duration=8000)


@callback(Output("admin-preview", "children"), Input("admin-preview-btn", "n_clicks"), prevent_initial_call=True)
@requires(STAFF)
def preview(_clicks):
    report = _sync().run("manual", dry_run=True, started_by=current_user().username)
    if report.status is RunStatus.BUSY:
        return dbc.Alert("A sync is running; preview again when it has finished.", color="warning")
    if report.error:
        return dbc.Alert(report.error, color="danger")
    creates = [p for p in report.planned if p["action"] == "create"]
    table = dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("rows", "direction", "invoice", "customer / vendor",
                                                                "amount")])),
                       html.Tbody([html.Tr([html.Td(", ".join(map(str, p["rows"]))), html.Td(p["direction"]),
                                            html.Td(p["key"]), html.Td(p["party"]), html.Td(p["amount"])])
                                   for p in creates])], size="sm", bordered=True, id="admin-preview-table")
    problems = dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("rows", "direction", "invoice", "problem")])),
                          html.Tbody([html.Tr([html.Td(", ".join(map(str, f.rows))), html.Td(f.direction.value),
                                               html.Td(f.key or "(blank)"), html.Td(f.message, className="text-danger")])
                                      for f in report.failures])], size="sm", bordered=True,
                         id="admin-preview-problems")
    summary = (f"{len(creates)} to create, {report.counts.total('failed')} with problems, "
               f"{report.counts.total('skipped')} skipped; nothing was changed.")
    return [html.P(summary, id="admin-preview-summary"), table if creates else None,
            problems if report.failures else None]


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

