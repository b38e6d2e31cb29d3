"""Invoices: the whole `inv_tbl` as a table to sort, filter per column, search across columns, and export.

AG Grid (dash-ag-grid) runs its infinite row model: the page holds only the column definitions, and the grid
asks the server for one block of 100 rows at a time (`getRowsRequest`), with its sort and column filters; the
answer (`getRowsResponse`) carries those rows and the count of all that match. The search box and the date range
are applied on the server too, so the count line stays exact. A new search or date makes the grid drop its blocks
and ask again (the one clientside callback: `purgeInfiniteCache` is a grid API call, it has no Dash property).
The export takes the grid's last request (its sort and filters), the search and the dates, and computes the same
rows on the server (`pages/_grid.py`), all of them, into CSV or Excel (`pages/_export.py`).
"""

from __future__ import annotations

import json
from datetime import date

import dash
import dash_bootstrap_components as dbc
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from pages import _export
from pages._data import PageData, load_page_data
from pages._grid import (LINK_COLUMNS, NUMBER_COLUMNS, QUICKBOOKS, block, column_title, is_quickbooks,
                         matching_rows, number, search_text, shown_rows)
from pages._widgets import date_range
from tracker.auth import STAFF, requires

dash.register_page(__name__, path="/invoices", name="Invoices", title="Finance tracker: invoices", order=1)

SEARCH, TABLE, COUNT = "invoices-search", "invoices-table", "invoices-count"
START, END = "invoices-from", "invoices-to"
CSV, XLSX, DOWNLOAD = "invoices-export-csv", "invoices-export-xlsx", "invoices-download"
BLOCK = 100   # rows per request, and per page of the grid
WIDTHS = {"_row": 80, "invoice": 130, "status": 110, "inv_dollars": 120, "owed2ACD": 120, "owed2workers": 130}


def _column(name: str) -> dict:
    kind = "agNumberColumnFilter" if name in NUMBER_COLUMNS else "agTextColumnFilter"
    column = {"headerName": column_title(name), "field": name, "tooltipField": name, "filter": kind}
    if name in WIDTHS:
        column["width"] = WIDTHS[name]
    if name in NUMBER_COLUMNS:
        column["type"] = "rightAligned"
    if name in LINK_COLUMNS:   # Markdown links (built on the server, http(s) only), opened in a new tab
        column.update(cellRenderer="markdown", linkTarget="_blank")
        del column["tooltipField"]
    return column


def column_defs(columns: list[str]) -> list[dict]:
    """The invoice pinned left, the sheet's own columns, then the qb_* columns under one "QuickBooks" group."""
    defs = [{**_column("invoice"), "pinned": "left", "lockPinned": True}, _column("_row")]
    defs += [_column(c) for c in columns if c != "invoice" and not is_quickbooks(c)]
    quickbooks = [_column(c) for c in columns if is_quickbooks(c)]
    if quickbooks:
        defs.append({"headerName": QUICKBOOKS, "groupId": "quickbooks", "children": quickbooks})
    return defs


def layout(**_query):
    data = load_page_data()
    if data.error:
        return dbc.Alert([html.H4("The spreadsheet cannot be shown", className="alert-heading"),
                          html.P(data.error, id="invoices-error")], color="danger")
    total = f"{len(data.records):,}"
    return html.Div([
        dbc.Row([
            dbc.Col(dbc.Input(id=SEARCH, type="search", placeholder="Search every column (invoice, client, notes...)",
                              debounce=True), lg=4, className="mb-2"),
            dbc.Col(date_range(START, END, size="sm"), lg=4, className="mb-2"),
            dbc.Col([dbc.Button("Download CSV", id=CSV, color="secondary", outline=True, size="sm", className="me-2"),
                     dbc.Button("Download Excel", id=XLSX, color="secondary", outline=True, size="sm"),
                     dcc.Download(id=DOWNLOAD)], xs="auto", className="mb-2"),
            dbc.Col(html.Div(f"{total} of {total} invoices", id=COUNT, className="text-muted pt-1"), className="mb-2"),
        ], className="mb-2 align-items-center"),
        dag.AgGrid(
            id=TABLE, columnDefs=column_defs(data.columns), rowModelType="infinite", className="ag-theme-alpine",
            defaultColDef={"sortable": True, "resizable": True, "maxWidth": 320, "minWidth": 80},
            dashGridOptions={"cacheBlockSize": BLOCK, "pagination": True, "paginationPageSize": BLOCK,
                             "paginationPageSizeSelector": False, "maxBlocksInCache": 20,
                             # dash-ag-grid answers one request at a time: a second one in flight would stall
                             "maxConcurrentDatasourceRequests": 1, "tooltipShowDelay": 0},
            style={"height": "70vh", "minHeight": "360px"},
        ),
    ])


@callback(Output(TABLE, "getRowsResponse"), Output(COUNT, "children"),
          Input(TABLE, "getRowsRequest"), State(SEARCH, "value"), State(START, "value"), State(END, "value"))
@requires(STAFF)
def grid_rows(request, text, start=None, end=None):
    """One block of rows for the grid, sorted, filtered and searched here; and the count line."""
    if not isinstance(request, dict):
        raise PreventUpdate   # the grid has not asked for rows yet
    data = load_page_data()
    if data.error:
        return {"rowData": [], "rowCount": 0}, data.error
    rows = _matching(data, request, text, start, end)
    return ({"rowData": shown_rows(block(rows, request)), "rowCount": len(rows)},
            f"{len(rows):,} of {len(data.records):,} invoices")


def _matching(data: PageData, request: dict, text: str | None, start=None, end=None) -> list[dict]:
    """The rows of a query, kept with this copy of the sheet: the next block of the same query (a scroll, the
    next page) is then only a slice."""
    query = json.dumps([request.get("filterModel"), request.get("sortModel"), text, start, end],
                       sort_keys=True, default=str)
    texts = data.remember("search texts", lambda: [search_text(r) for r in data.records])
    return data.remember(("grid", query), lambda: matching_rows(data.records, request, text, texts, start, end))


@callback(Output(DOWNLOAD, "data"), Input(CSV, "n_clicks"), Input(XLSX, "n_clicks"),
          State(TABLE, "getRowsRequest"), State(SEARCH, "value"), State(START, "value"), State(END, "value"),
          prevent_initial_call=True)
@requires(STAFF)
def export_rows(_csv, _xlsx, request, text, start, end):
    """Every row the grid's filters, sort, search and dates select (not just the block on screen), as a file."""
    kind = {CSV: "csv", XLSX: "xlsx"}.get(ctx.triggered_id)
    data = load_page_data()
    if kind is None or data.error:
        raise PreventUpdate
    request = request if isinstance(request, dict) else {}
    rows = _matching(data, request, text, start, end)
    content, _type = export_file(rows, data.columns, kind)
    return dcc.send_bytes(content, f"invoices-{date.today().isoformat()}.{kind}")


def export_file(rows: list[dict], columns: list[str], kind: str) -> tuple[bytes, str]:
    """The invoices' export: the row number, then the sheet's columns, titled as in the grid."""
    names = ["_row", *columns]
    header = [column_title(name, grouped=False) for name in names]
    return _export.export(rows, names, header, kind, numbers=NUMBER_COLUMNS, parse_number=number,
                          sheet_title="Invoices")


# A new search or date range: back to the first page, and every block is asked for again (grid_rows reads them).
clientside_callback(
    """function (text, start, end, id) {
        dash_ag_grid.getApiAsync(id).then(function (api) {
            api.paginationGoToFirstPage();
            api.purgeInfiniteCache();
        });
        return window.dash_clientside.no_update;
    }""",
    Output(TABLE, "paginationGoTo"), Input(SEARCH, "value"), Input(START, "value"), Input(END, "value"),
    State(TABLE, "id"), prevent_initial_call=True,
)
