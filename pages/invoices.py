"""Invoices: the whole `inv_tbl` as a table to sort, filter per column, and search across columns.

AG Grid (dash-ag-grid, what Dash recommends in place of the deprecated DataTable) does sorting, per-column
filters and paging in the browser; the search box filters on the server so the count stays exact.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import dash_ag_grid as dag
from dash import Input, Output, State, callback, dcc, html

from pages._data import load_page_data
from tracker.auth import STAFF, requires

dash.register_page(__name__, path="/invoices", name="Invoices", title="Finance tracker: invoices", order=1)

STORE, SEARCH, TABLE, COUNT = "invoices-records", "invoices-search", "invoices-table", "invoices-count"


def layout(**_query):
    data = load_page_data()
    if data.error:
        return dbc.Alert([html.H4("The spreadsheet cannot be shown", className="alert-heading"),
                          html.P(data.error, id="invoices-error")], color="danger")
    columns = [{"headerName": "row", "field": "_row", "filter": "agNumberColumnFilter", "width": 90, "pinned": "left"}]
    columns += [{"headerName": c, "field": c, "tooltipField": c} for c in data.columns]
    return html.Div([
        dcc.Store(id=STORE, data=data.records),
        dbc.Row([
            dbc.Col(dbc.Input(id=SEARCH, type="search", placeholder="Search every column (invoice, client, notes...)",
                              debounce=True), md=6),
            dbc.Col(html.Div(id=COUNT, className="text-muted pt-2"), md=6),
        ], className="mb-3"),
        dag.AgGrid(
            id=TABLE, columnDefs=columns, rowData=data.records, className="ag-theme-alpine",
            defaultColDef={"sortable": True, "filter": True, "resizable": True, "maxWidth": 320},
            dashGridOptions={"pagination": True, "paginationPageSize": 25, "paginationPageSizeSelector": [25, 50, 100],
                             "tooltipShowDelay": 0},
            style={"height": "70vh"},
        ),
    ])


def search_records(records: list[dict], text: str | None) -> list[dict]:
    """Rows where any cell contains every word of `text`, ignoring case."""
    words = (text or "").casefold().split()
    if not words:
        return records
    return [r for r in records
            if all(any(word in str(value).casefold() for value in r.values()) for word in words)]


@callback(Output(TABLE, "rowData"), Output(COUNT, "children"), Input(SEARCH, "value"), State(STORE, "data"))
@requires(STAFF)
def update_table(text, records):
    rows = search_records(records or [], text)
    return rows, f"{len(rows):,} of {len(records or []):,} invoices"
