"""Overview: where the money flows (Sankey), totals by status and by month, with filters.

The records stay on the server (pages/_data.py keeps one copy per process): the page gets only the filter
options, and a filter click sends only the chosen values and gets back the figures and the cards.
"""

from __future__ import annotations

from decimal import Decimal

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

from pages._data import load_page_data
from tracker.auth import STAFF, requires
from sankey_helpers import build_sankey, parse_amount, plot_text, totals_by_month, totals_by_status

dash.register_page(__name__, path="/", name="Overview", title="Finance tracker: overview", order=0)

STATUS, PARTY, SANKEY, BY_STATUS, BY_MONTH, CARDS = (
    "overview-status", "overview-party", "overview-sankey", "overview-by-status",
    "overview-by-month", "overview-cards")


def layout(**_query):
    data = load_page_data()
    if data.error:
        return dbc.Alert([html.H4("The spreadsheet cannot be shown", className="alert-heading"),
                          html.P(data.error, id="overview-error")], color="danger")
    statuses, parties = data.remember("overview options", lambda: _options(data.records))
    return html.Div([
        html.P(f"{len(data.records)} invoices from the {data.source}.", className="text-muted", id="overview-source"),
        dbc.Row([
            dbc.Col(dcc.Dropdown(id=STATUS, options=statuses, multi=True, placeholder="All statuses"), md=4),
            dbc.Col(dcc.Dropdown(id=PARTY, options=parties, multi=True, placeholder="All invoicing parties"), md=4),
        ], className="mb-3"),
        dbc.Row(id=CARDS, className="mb-3"),
        dcc.Graph(id=SANKEY, config={"displaylogo": False}),
        dbc.Row([
            dbc.Col(dcc.Graph(id=BY_STATUS, config={"displaylogo": False}), md=6),
            dbc.Col(dcc.Graph(id=BY_MONTH, config={"displaylogo": False}), md=6),
        ]),
    ])


def _options(records: list[dict]) -> tuple[list[str], list[str]]:
    """The statuses and the invoicing parties to filter by."""
    statuses = sorted({r.get("status", "").strip().lower() for r in records} - {""})
    parties = sorted({r.get("inv_from", "").strip() for r in records} - {""}, key=str.casefold)
    return statuses, parties


def filter_records(records: list[dict], statuses: list[str] | None, parties: list[str] | None) -> list[dict]:
    """Rows matching the chosen statuses and invoicing parties (none chosen = all)."""
    wanted_status = {str(s).lower() for s in statuses or []}
    wanted_party = {str(p).casefold() for p in parties or []}
    return [r for r in records
            if (not wanted_status or r.get("status", "").strip().lower() in wanted_status)
            and (not wanted_party or r.get("inv_from", "").strip().casefold() in wanted_party)]


def _sum(records: list[dict], column: str) -> Decimal:
    return sum((parse_amount(r.get(column)) or Decimal(0) for r in records), Decimal(0))


def _card(label: str, value: str, card_id: str):
    return dbc.Col(dbc.Card(dbc.CardBody([html.Div(label, className="text-muted small"),
                                          html.H4(value, id=card_id, className="mb-0")])), md=3)


def _bar(groups: list[dict], key: str, title: str) -> go.Figure:
    # Category axis: months are labels here, and "(no date)" must stay visible beside them.
    figure = go.Figure(go.Bar(x=[plot_text(g[key]) for g in groups], y=[float(g["total"]) for g in groups],
                              text=[g["count"] for g in groups], hovertemplate="%{x}: $%{y:,.2f} (%{text} rows)<extra></extra>"))
    figure.update_layout(title=title, yaxis_title="US dollars", xaxis_type="category", margin={"t": 50, "l": 60, "r": 20, "b": 40})
    return figure


@callback(Output(SANKEY, "figure"), Output(BY_STATUS, "figure"), Output(BY_MONTH, "figure"), Output(CARDS, "children"),
          Input(STATUS, "value"), Input(PARTY, "value"))
@requires(STAFF)
def update_overview(statuses, parties):
    data = load_page_data()
    if data.error:   # the sheet broke after the page was drawn: say so where the cards go
        return go.Figure(), go.Figure(), go.Figure(), [dbc.Alert(data.error, color="danger", id="overview-error")]
    # Kept with this copy of the sheet: every page load asks for the unfiltered figures, and they take seconds
    # on a large sheet. The key is what filter_records compares, so equal choices share one entry.
    key = ("overview", frozenset(str(s).lower() for s in statuses or []),
           frozenset(str(p).casefold() for p in parties or []))
    return data.remember(key, lambda: _figures(filter_records(data.records, statuses, parties)))


def _figures(rows: list[dict]) -> tuple:
    """The Sankey, the two bar charts and the cards of these rows."""
    cards = [
        _card("Invoices", f"{len(rows):,}", "overview-count"),
        _card("Invoiced", f"${_sum(rows, 'inv_dollars'):,.2f}", "overview-total"),
        _card("ACD share", f"${_sum(rows, 'owed2ACD'):,.2f}", "overview-acd"),
        _card("Workers' share", f"${_sum(rows, 'owed2workers'):,.2f}", "overview-workers"),
    ]
    return (build_sankey(rows), _bar(totals_by_status(rows), "status", "Totals by status"),
            _bar(totals_by_month(rows), "month", "Totals by month submitted"), cards)
