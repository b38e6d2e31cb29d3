"""Invoices: the whole `inv_tbl` as a table to sort, filter per column, and search across columns."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dash_table, dcc, html

from dashboard_data import load_page_data

dash.register_page(__name__, path="/invoices", name="Invoices", title="Finance tracker: invoices", order=1)

STORE, SEARCH, TABLE, COUNT = "invoices-records", "invoices-search", "invoices-table", "invoices-count"


def layout(**_query):
    data = load_page_data()
    if data.error:
        return dbc.Alert([html.H4("The spreadsheet cannot be shown", className="alert-heading"),
                          html.P(data.error, id="invoices-error")], color="danger")
    columns = [{"name": "row", "id": "_row", "type": "numeric"}] + [{"name": c, "id": c} for c in data.columns]
    return html.Div([
        dcc.Store(id=STORE, data=data.records),
        dbc.Row([
            dbc.Col(dbc.Input(id=SEARCH, type="search", placeholder="Search every column (invoice, client, notes...)",
                              debounce=True), md=6),
            dbc.Col(html.Div(id=COUNT, className="text-muted pt-2"), md=6),
        ], className="mb-3"),
        dash_table.DataTable(
            id=TABLE, columns=columns, data=data.records, sort_action="native", filter_action="native",
            page_size=25, style_table={"overflowX": "auto"},
            style_cell={"maxWidth": 280, "overflow": "hidden", "textOverflow": "ellipsis", "textAlign": "left"},
            tooltip_delay=0, tooltip_duration=None,
        ),
    ])


def search_records(records: list[dict], text: str | None) -> list[dict]:
    """Rows where any cell contains every word of `text`, ignoring case."""
    words = (text or "").casefold().split()
    if not words:
        return records
    return [r for r in records
            if all(any(word in str(value).casefold() for value in r.values()) for word in words)]


@callback(Output(TABLE, "data"), Output(COUNT, "children"), Input(SEARCH, "value"), State(STORE, "data"))
def update_table(text, records):
    rows = search_records(records or [], text)
    return rows, f"{len(rows):,} of {len(records or []):,} invoices"
