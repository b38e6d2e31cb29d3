"""The admin page's card: the connection with the one button that applies, the counts per direction with a
sentence that explains each, the progress of a run, and the runs chart. Rendering only: every fact comes from
quickbooks/status.py. (The leading underscore keeps Dash from importing this as a page.)"""

from __future__ import annotations

import time

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from quickbooks import status as view
from quickbooks.rules.directions import Direction
from quickbooks.rules.statuses import RunStatus
from quickbooks.rules.values import shown_utc
from tracker.auth import ADMIN, has_role
from tracker.scheduler import describe_holder

BADGE = {"LOCAL EMULATOR": "warning", "SANDBOX": "info", "PRODUCTION": "success"}
SHOWN, HIDDEN = {}, {"display": "none"}


def connection_buttons() -> list:
    """Connect and Disconnect for an admin, each in a wrapper the poll shows only when it applies; staff are told
    who can (and the wrappers stay empty, so the poll's outputs always exist)."""
    if not has_role(ADMIN):
        return [html.P("Connecting or disconnecting QuickBooks needs an admin.", className="small text-muted mb-0",
                       id="admin-connect-admin-only"), html.Div(id="admin-offer-connect"),
                html.Div(id="admin-offer-disconnect")]
    return [html.Div(dbc.Button("Connect QuickBooks", href="/qbo/connect", external_link=True, color="primary",
                                id="admin-connect", className="me-2"), id="admin-offer-connect", className="d-inline"),
            html.Div(dcc.ConfirmDialogProvider(
                dbc.Button("Disconnect", color="danger", outline=True, id="admin-disconnect-btn"),
                id="admin-disconnect",
                message="Disconnect QuickBooks? The grant is revoked at Intuit and the stored tokens deleted; "
                        "syncing stops until someone connects again."), id="admin-offer-disconnect",
                className="d-inline")]


def button_styles(conn: view.ConnectionView) -> tuple[dict, dict]:
    """(Connect, Disconnect): Connect when not connected or a reconnect is needed, Disconnect when connected."""
    return (SHOWN if not conn.connected or conn.problem else HIDDEN), (SHOWN if conn.connected else HIDDEN)


def connection_card(conn: view.ConnectionView) -> list:
    badge = dbc.Badge(conn.environment, color=BADGE.get(conn.environment, "secondary"), id="admin-env-badge",
                      className="mb-2")
    if not conn.connected:
        return [badge, html.P([html.Strong("Not connected."), " Nothing can be sent to QuickBooks until it is "
                               "connected."], id="admin-connection-state")]
    lines = [badge, html.P([html.Strong(conn.company or "Connected company"), f" ({conn.environment.lower()}, realm "
                            f"{conn.realm_id})"], id="admin-connection-state"),
             html.P(f"Access token until {conn.access_expires}; refresh token until {conn.refresh_expires}.",
                    className="small text-muted"),
             html.P(conn.numbers, className="small text-danger" if conn.numbers_off else "small text-muted",
                    id="admin-custom-numbers")]
    if conn.problem:
        lines.append(dbc.Alert(f"Reconnect needed: {conn.problem}", color="danger", id="admin-reconnect"))
    elif conn.reconnect_soon:
        lines.append(dbc.Alert("The refresh token ends within a week: reconnect soon.", color="warning"))
    return lines


def not_connected(conn: view.ConnectionView) -> dbc.Alert:
    """What "Sync now" answers when QuickBooks is not connected (or must be reconnected): plainly, with the button
    that fixes it for an admin, or who can for staff."""
    what = "must be reconnected" if conn.connected else "is not connected"
    reason = f" ({conn.problem})" if conn.connected and conn.problem else ""
    if has_role(ADMIN):
        fix = dbc.Button("Connect QuickBooks", href="/qbo/connect", external_link=True, color="primary", size="sm",
                         className="ms-2", id="admin-sync-connect")
    else:
        fix = html.Span(" Ask an admin to connect it on this page.", id="admin-sync-ask-admin")
    return dbc.Alert([html.Strong(f"Nothing was started: QuickBooks {what}{reason}."),
                      " Connect QuickBooks first, then press Sync now.", fix], color="danger", id="admin-sync-failed")


def _next_line(direction: Direction, every: dict[str, float], leader: str | None, held: dict) -> tuple[str, float | None]:
    """The scheduler line kept for operators (which process runs the job), and the next run time."""
    seconds = every.get(direction.facts.job_id)
    at = view.next_run_at(direction.facts.job_id, seconds, leader, time.time(), held)
    if seconds is None:
        return "not scheduled", None
    if at is None:
        return "none: no scheduler is running (SCHEDULER_ENABLED is false, or no process is up)", None
    return f"{shown_utc(at)}, by {describe_holder(leader)}", at


def counts(summary: dict[Direction, view.DirectionStatus], enabled: tuple[Direction, ...], every: dict[str, float],
           leader: str | None, held: dict) -> list:
    cols = []
    for direction, status in summary.items():
        line, at = _next_line(direction, every, leader, held)
        sentence = view.direction_sentence(status, direction in enabled, direction.facts.job_id in every, at,
                                           time.time())
        items = [html.Li(view.pending_text(status) if name == "pending" else f"{name}: {status.count(name)}",
                         id=f"admin-count-{direction.value}-{name.replace(' ', '-')}") for name in view.COUNT_NAMES]
        cols.append(dbc.Col(dbc.Card([dbc.CardHeader(direction.label), dbc.CardBody([
            html.P(sentence, id=f"admin-sentence-{direction.value}",
                   className="fw-semibold" + (" text-muted" if direction not in enabled else "")),
            html.Ul(items, className="mb-2"),
            *_life_counts(direction, status),
            html.Div(f"Last run: {status.last_run}", className="small"),
            html.Div(f"Last successful sync: {status.last_success}", className="small"),
            html.Div(f"Next scheduled run: {line}", className="small text-muted", id=f"admin-next-{direction.value}"),
        ])]), md=6, className="mb-3"))
    return cols


def _life_counts(direction: Direction, status: view.DirectionStatus) -> list:
    """After creation: paid, partly paid, open, overdue (red when any), changed, voided and deleted."""
    items = [html.Li(f"{name}: {status.count(name)}", id=f"admin-count-{direction.value}-{name.replace(' ', '-')}",
                     className="text-danger" if name == "overdue" and status.overdue else None)
             for name in view.LIFE_COUNT_NAMES]
    return [html.Div("After creation, as QuickBooks was last read:", className="small text-muted"),
            html.Ul(items, className="small mb-2", id=f"admin-life-{direction.value}")]


def chart(points: list[dict]) -> go.Figure:
    """Rows synced and failed per run; a run that failed shows as a red mark with its reason; none: a note."""
    figure = go.Figure()
    layout = dict(height=280, margin={"t": 20, "l": 40, "r": 10, "b": 30}, legend={"orientation": "h", "y": -0.2})
    if not points:
        figure.update_layout(**layout, xaxis={"visible": False}, yaxis={"visible": False},
                             annotations=[{"text": "No runs yet", "showarrow": False, "font": {"size": 16},
                                           "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}])
        return figure
    runs = [p["run"] for p in points]
    failed_runs = [p for p in points if p["status"] == RunStatus.FAILED.value]
    figure.add_bar(name="rows synced", x=runs, y=[p["synced"] for p in points], marker_color="#198754")
    figure.add_bar(name="rows failed", x=runs, y=[p["failed"] for p in points], marker_color="#fd7e14")
    if failed_runs:
        figure.add_scatter(name="run failed", x=[p["run"] for p in failed_runs], y=[0] * len(failed_runs),
                           mode="markers", marker={"symbol": "x", "size": 14, "color": "#dc3545"},
                           text=[p["error"][:120] for p in failed_runs], hovertemplate="%{x}: %{text}<extra></extra>")
    figure.update_layout(**layout, barmode="group", xaxis_type="category", yaxis_title="rows")
    return figure


def progress(run) -> tuple[int, str, bool, str, str]:
    """(value, bar label, animated, colour, sentence): rows done of total while a run goes, then its outcome."""
    value, sentence, colour = view.outcome_text(run)
    running = run is not None and run.status is RunStatus.RUNNING
    label = (f"{run.rows_done} of {run.rows_total} rows" if running and run.rows_total else
             ("no run yet" if run is None else f"last run {run.status}"))
    return value, label, running, colour, sentence
