"""Invoices: the whole `inv_tbl` as a table to sort, filter per column, and search across columns.

AG Grid (dash-ag-grid) runs its infinite row model: the page holds only the column definitions, and the grid
asks the server for one block of 100 rows at a time (`getRowsRequest`), with its sort and column filters; the
answer (`getRowsResponse`) carries those rows and the count of all that match. The search box is applied on the
server too, so the count line stays exact. A new search makes the grid drop its blocks and ask again (the one
clientside callback: `purgeInfiniteCache` is a grid API call, it has no Dash property).
"""

from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, html
from dash.exceptions import PreventUpdate

from pages._data import PageData, load_page_data
from pages._grid import NUMBER_COLUMNS, block, matching_rows, search_text
from tracker.auth import STAFF, requires

dash.register_page(__name__, path="/invoices", name="Invoices", title="Finance tracker: invoices", order=1)

SEARCH, TABLE, COUNT = "invoices-search", "invoices-table", "invoices-count"
BLOCK = 100   # rows per request, and per page of the grid


def _column(name: str) -> dict:
    kind = "agNumberColumnFilter" if name in NUMBER_COLUMNS else "agTextColumnFilter"
    return {"headerName": name, "field": name, "tooltipField": name, "filter": kind}


def layout(**_query):
    data = load_page_data()
    if data.error:
        return dbc.Alert([html.H4("The spreadsheet cannot be shown", className="alert-heading"),
                          html.P(data.error, id="invoices-error")], color="danger")
    columns = [{**_column("_row"), "headerName": "row", "width": 90, "pinned": "left"}]
    columns += [_column(c) for c in data.columns]
    total = f"{len(data.records):,}"
    return html.Div([
        dbc.Row([
            dbc.Col(dbc.Input(id=SEARCH, type="search", placeholder="Search every column (invoice, client, notes...)",
                              debounce=True), md=6),
            dbc.Col(html.Div(f"{total} of {total} invoices", id=COUNT, className="text-muted pt-2"), md=6),
        ], className="mb-3"),
        dag.AgGrid(
            id=TABLE, columnDefs=columns, rowModelType="infinite", className="ag-theme-alpine",
            defaultColDef={"sortable": True, "resizable": True, "maxWidth": 320},
            dashGridOptions={"cacheBlockSize": BLOCK, "pagination": True, "paginationPageSize": BLOCK,
                             "paginationPageSizeSelector": False, "maxBlocksInCache": 20,
                             # dash-ag-grid answers one request at a time: a second one in flight would stall
                             "maxConcurrentDatasourceRequests": 1, "tooltipShowDelay": 0},
            style={"height": "70vh"},
        ),
    ])


@callback(Output(TABLE, "getRowsResponse"), Output(COUNT, "children"),
          Input(TABLE, "getRowsRequest"), State(SEARCH, "value"))
@requires(STAFF)
def grid_rows(request, text):
    """One block of rows for the grid, sorted, filtered and searched here; and the count line."""
    if not isinstance(request, dict):
        raise PreventUpdate   # the grid has not asked for rows yet
    data = load_page_data()
    if data.error:
        return {"rowData": [], "rowCount": 0}, data.error
    rows = _matching(data, request, text)
    return {"rowData": block(rows, request), "rowCount": len(rows)}, f"{len(rows):,} of {len(data.records):,} invoices"


def _matching(data: PageData, request: dict, text: str | None) -> list[dict]:
    """The rows of a query, kept with this copy of the sheet: the next block of the same query (a scroll, the
    next page) is then only a slice."""
    query = json.dumps([request.get("filterModel"), request.get("sortModel"), text], sort_keys=True, default=str)
    texts = data.remember("search texts", lambda: [search_text(r) for r in data.records])
    return data.remember(("grid", query), lambda: matching_rows(data.records, request, text, texts))


# A new search: back to the first page, and every block is asked for again (grid_rows reads the search box).
clientside_callback(
    """function (text, id) {
        dash_ag_grid.getApiAsync(id).then(function (api) {
            api.paginationGoToFirstPage();
            api.purgeInfiniteCache();
        });
        return window.dash_clientside.no_update;
    }""",
    Output(TABLE, "paginationGoTo"), Input(SEARCH, "value"), State(TABLE, "id"), prevent_initial_call=True,
)
