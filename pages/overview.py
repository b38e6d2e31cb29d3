"""Overview: where the money flows (Sankey), totals by status and by month, with filters.

The records stay on the server (pages/_data.py keeps one copy per process): the page gets only the filter
options, and a filter click sends only the chosen values and gets back the figures, the cards and the header line.
"""

from __future__ import annotations

from decimal import Decimal

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

from pages._data import load_page_data
from pages._grid import in_date_range
from pages._widgets import date_range
from tracker.auth import STAFF, requires
from sankey_helpers import (SANKEY_LEVELS, bar_figure, build_sankey, parse_amount, totals_by_month,
                            totals_by_status)

dash.register_page(__name__, path="/", name="Overview", title="Finance tracker: overview", order=0)

STATUS, PARTY, SANKEY, BY_STATUS, BY_MONTH, CARDS = (
    "overview-status", "overview-party", "overview-sankey", "overview-by-status",
    "overview-by-month", "overview-cards")
SOURCE, START, END = "overview-source", "overview-from", "overview-to"
FILTERS = (Input(STATUS, "value"), Input(PARTY, "value"), Input(START, "value"), Input(END, "value"))
GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


def layout(**_query):
    data = load_page_data()
    if data.error:
        return dbc.Alert([html.H4("The spreadsheet cannot be shown", className="alert-heading"),
                          html.P(data.error, id="overview-error")], color="danger")
    statuses, parties = data.remember("overview options", lambda: _options(data.records))
    return html.Div([
        html.P(header_line(len(data.records), len(data.records), data.source), className="text-muted text-break",
               id=SOURCE),
        dbc.Row([
            dbc.Col(dcc.Dropdown(id=STATUS, options=statuses, multi=True, placeholder="All statuses"), lg=3,
                    className="mb-2"),
            dbc.Col(dcc.Dropdown(id=PARTY, options=parties, multi=True, placeholder="All invoicing parties"), lg=3,
                    className="mb-2"),
            dbc.Col(date_range(START, END), lg=5, className="mb-2"),
        ], className="mb-2"),
        dbc.Row(id=CARDS, className="mb-3 g-2"),
        _chart("Where the money flows", " → ".join(SANKEY_LEVELS), SANKEY, scroll=True),
        dbc.Row([
            dbc.Col(_chart("Totals by status", "Amount invoiced per status", BY_STATUS), lg=6),
            dbc.Col(_chart("Totals by month submitted", "Amount invoiced per month", BY_MONTH), lg=6),
        ]),
    ])


def _chart(title: str, subtitle: str, graph_id: str, scroll: bool = False):
    """A chart under its own heading: the heading wraps on a phone, and Plotly's toolbar keeps to the chart's top
    band instead of covering a title. `scroll`: on a narrow screen the chart keeps a readable width and scrolls."""
    graph = dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"minWidth": "760px"} if scroll else {})
    return html.Div([html.H5(title, className="mb-0"), html.Div(subtitle, className="text-muted small mb-1"),
                     html.Div(graph, className="chart-scroll", style={"overflowX": "auto"} if scroll else {})],
                    className="mb-4")


def _options(records: list[dict]) -> tuple[list[str], list[str]]:
    """The statuses and the invoicing parties to filter by."""
    statuses = sorted({r.get("status", "").strip().lower() for r in records} - {""})
    parties = sorted({r.get("inv_from", "").strip() for r in records} - {""}, key=str.casefold)
    return statuses, parties


def filter_records(records: list[dict], statuses: list[str] | None, parties: list[str] | None,
                   start: str | None = None, end: str | None = None) -> list[dict]:
    """Rows matching the chosen statuses, invoicing parties and submitted-date range (none chosen = all)."""
    wanted_status = {str(s).lower() for s in statuses or []}
    wanted_party = {str(p).casefold() for p in parties or []}
    return [r for r in in_date_range(records, start, end)
            if (not wanted_status or r.get("status", "").strip().lower() in wanted_status)
            and (not wanted_party or r.get("inv_from", "").strip().casefold() in wanted_party)]


def header_line(shown: int, total: int, source: str, statuses=None, parties=None, start=None, end=None) -> str:
    """"150 invoices from the local workbook." unfiltered; with filters, how many of how many and which filters."""
    chosen = [", ".join(map(str, values)) for values in (statuses, parties) if values]
    if start or end:
        chosen.append(f"submitted {start or '…'} to {end or '…'}")
    if not chosen:
        return f"{total} invoices from the {source}."
    return f"{shown:,} of {total:,} invoices from the {source} ({'; '.join(chosen)})."


def _key(statuses, parties, start, end) -> tuple:
    """What filter_records compares, so equal choices share one cached result."""
    return (frozenset(str(s).lower() for s in statuses or []), frozenset(str(p).casefold() for p in parties or []),
            start or None, end or None)


@callback(Output(SOURCE, "children"), *FILTERS, prevent_initial_call=True)
@requires(STAFF)
def update_header(statuses, parties, start=None, end=None):
    data = load_page_data()
    if data.error:
        return data.error
    rows = data.remember(("overview rows", _key(statuses, parties, start, end)),
                         lambda: filter_records(data.records, statuses, parties, start, end))
    return header_line(len(rows), len(data.records), data.source, statuses, parties, start, end)


@callback(Output(SANKEY, "figure"), Output(BY_STATUS, "figure"), Output(BY_MONTH, "figure"), Output(CARDS, "children"),
          *FILTERS)
@requires(STAFF)
def update_overview(statuses, parties, start=None, end=None):
    data = load_page_data()
    if data.error:   # the sheet broke after the page was drawn: say so where the cards go
        return go.Figure(), go.Figure(), go.Figure(), [dbc.Alert(data.error, color="danger", id="overview-error")]
    # Kept with this copy of the sheet: every page load asks for the unfiltered figures, and they take seconds
    # on a large sheet.
    key = _key(statuses, parties, start, end)
    return data.remember(("overview", key), lambda: _figures(data.remember(
        ("overview rows", key), lambda: filter_records(data.records, statuses, parties, start, end))))


def _sum(records: list[dict], column: str) -> Decimal:
    return sum((parse_amount(r.get(column)) or Decimal(0) for r in records), Decimal(0))


def _card(label: str, value: str, card_id: str):
    return dbc.Col(dbc.Card(dbc.CardBody([html.Div(label, className="text-muted small"),
                                          html.H4(value, id=card_id, className="mb-0 text-nowrap")]),
                            className="h-100"), xs=6, lg=3)


def split_note(rows: list[dict]) -> str:
    """Why "Invoiced" is more than the two shares: the rows that carry no split (vendor rows), in dollars."""
    invoiced, acd, workers = _sum(rows, "inv_dollars"), _sum(rows, "owed2ACD"), _sum(rows, "owed2workers")
    unsplit = [r for r in rows if not (parse_amount(r.get("owed2ACD")) or parse_amount(r.get("owed2workers")))]
    rest = invoiced - acd - workers
    if not rest:
        return "Invoiced = ACD share + Workers' share."
    return (f"Invoiced ${invoiced:,.2f} = ACD share ${acd:,.2f} + Workers' share ${workers:,.2f} + ${rest:,.2f} "
            f"with no split: {len(unsplit):,} vendor row(s) carry no shares (they show as \"No split\" in the chart).")


def _figures(rows: list[dict]) -> tuple:
    """The Sankey, the two bar charts and the cards of these rows."""
    cards = [
        _card("Invoices", f"{len(rows):,}", "overview-count"),
        _card("Invoiced", f"${_sum(rows, 'inv_dollars'):,.2f}", "overview-total"),
        _card("ACD share", f"${_sum(rows, 'owed2ACD'):,.2f}", "overview-acd"),
        _card("Workers' share", f"${_sum(rows, 'owed2workers'):,.2f}", "overview-workers"),
        dbc.Col(html.Div(split_note(rows), id="overview-split-note", className="text-muted small"), xs=12),
    ]
    return (build_sankey(rows, title=None), bar_figure(totals_by_status(rows), "status"),
            bar_figure(totals_by_month(rows), "month"), cards)
