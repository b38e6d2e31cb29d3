"""The dashboards keep the sheet on the server: with 5,000 rows, a page is its filter options or its column
definitions (no records), a filter click sends only the filter values, and the invoices grid gets exactly the
block of rows it asks for, sorted, filtered and searched on the server. Through the Flask test client, logged in."""

from __future__ import annotations

import json

import pytest

from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table

ROWS = 5_000
CALLBACK = "/_dash-update-component"
ROUTER = ".._pages_content.children..._pages_store.data.."
OVERVIEW = "..overview-sankey.figure...overview-by-status.figure...overview-by-month.figure...overview-cards.children.."
GRID = "..invoices-table.getRowsResponse...invoices-count.children.."
LAYOUT_LIMIT = 200_000   # bytes; the 5,000 records alone weigh about 3 MB


def NO_DATES(page: str) -> list[tuple[str, str, None]]:
    """The date-range fields of a page, left empty."""
    return [(f"{page}-from", "value", None), (f"{page}-to", "value", None)]


def _invoice(i: int) -> list[str]:
    """Row i: its own client name (so a page holding records would show it), every fourth paid, amount i."""
    return sheet_row(f"INV-{i:05d}", to_client=f"Client {i:05d}", status="paid" if i % 4 == 0 else "pending",
                     inv_dollars=f"{i:,}.00", notes="rush job" if i % 1000 == 0 else "")


@pytest.fixture(scope="module")
def big_workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "book.xlsx"
    LocalWorkbook.create(path, {"inv_tbl": table(*(_invoice(i) for i in range(1, ROWS + 1)))})
    return path


@pytest.fixture
def big_sheet(point_app, big_workbook):
    return point_app(local_sheet_path=big_workbook)


def _post(client, output: str, inputs: list[tuple[str, str, object]], state=()) -> dict:
    """POST one callback as Dash's renderer does; returns its JSON answer."""
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in output.strip(".").split("...")]
    body = {"output": output, "outputs": outputs,
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}
    response = client.post(CALLBACK, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def _page(client, path: str) -> bytes:
    """What the browser gets for a page: Dash's index, its layout, and the page router's content for `path`."""
    assert client.get(path).status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    answer = client.post(CALLBACK, json={
        "output": ROUTER, "outputs": [{"id": "_pages_content", "property": "children"},
                                      {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"]})
    assert answer.status_code == 200
    return answer.data


@pytest.mark.parametrize("path, shows", [("/", b"5000 invoices from the local workbook"),
                                         ("/invoices", b"5,000 of 5,000 invoices")])
def test_a_page_holds_no_records(staff_client, big_sheet, path, shows):
    content = _page(staff_client, path)
    assert shows in content
    assert len(content) < LAYOUT_LIMIT, f"{path} weighs {len(content):,} bytes"
    assert b"Client 04000" not in content and b"INV-04000" not in content


def test_an_overview_filter_click_sends_the_filter_values_and_gets_figures(staff_client, big_sheet, tracker_app):
    staff_client.get("/")
    assert tracker_app.callback_map[OVERVIEW]["state"] == []   # nothing comes back from the browser but the filters
    figures = _post(staff_client, OVERVIEW, [("overview-status", "value", ["paid"]),
                                             ("overview-party", "value", None), *NO_DATES("overview")])
    cards = json.dumps(figures["overview-cards"]["children"])
    assert '"1,250"' in cards                                   # the paid rows: every fourth of 5,000
    assert f'"${sum(range(4, ROWS + 1, 4)):,}.00"' in cards      # their total
    assert figures["overview-by-status"]["figure"]["data"][0]["x"] == ["paid"]
    assert figures["overview-sankey"]["figure"]["data"][0]["type"] == "sankey"


GRID_CASES = {
    "second block": ({"startRow": 100, "endRow": 200}, None, 100, ROWS, "INV-00101"),
    "last, short block": ({"startRow": 4_950, "endRow": 5_050}, None, 50, ROWS, "INV-04951"),
    "amount, descending": ({"startRow": 0, "endRow": 100, "sortModel": [{"colId": "inv_dollars", "sort": "desc"}]},
                           None, 100, ROWS, "INV-05000"),
    "text filter": ({"startRow": 0, "endRow": 100,
                     "filterModel": {"status": {"filterType": "text", "type": "equals", "filter": "PAID"}}},
                    None, 100, 1_250, "INV-00004"),
    "number filter": ({"startRow": 0, "endRow": 100,
                       "filterModel": {"inv_dollars": {"filterType": "number", "type": "inRange",
                                                       "filter": 10, "filterTo": 20}}},
                      None, 9, 9, "INV-00011"),
    "search and sort": ({"startRow": 0, "endRow": 100, "sortModel": [{"colId": "invoice", "sort": "desc"}]},
                        "rush JOB", 5, 5, "INV-05000"),
    "search, nothing found": ({"startRow": 0, "endRow": 100}, "no such words", 0, 0, None),
}


@pytest.mark.parametrize("request_, search, size, count, first", GRID_CASES.values(), ids=GRID_CASES.keys())
def test_the_grid_gets_exactly_the_block_it_asks_for(staff_client, big_sheet, request_, search, size, count, first):
    answer = _post(staff_client, GRID, [("invoices-table", "getRowsRequest", request_)],
                   [("invoices-search", "value", search), *NO_DATES("invoices")])
    block = answer["invoices-table"]["getRowsResponse"]
    assert (len(block["rowData"]), block["rowCount"]) == (size, count)
    assert (block["rowData"][0]["invoice"] if block["rowData"] else None) == first
    assert answer["invoices-count"]["children"] == f"{count:,} of {ROWS:,} invoices"


def test_a_grid_block_is_small(staff_client, big_sheet):
    response = staff_client.post(CALLBACK, json={
        "output": GRID, "outputs": [{"id": "invoices-table", "property": "getRowsResponse"},
                                    {"id": "invoices-count", "property": "children"}],
        "inputs": [{"id": "invoices-table", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 5_000}}],
        "state": [{"id": "invoices-search", "property": "value", "value": None},
                  {"id": "invoices-from", "property": "value", "value": None},
                  {"id": "invoices-to", "property": "value", "value": None}],
        "changedPropIds": ["invoices-table.getRowsRequest"]})
    rows = response.get_json()["response"]["invoices-table"]["getRowsResponse"]["rowData"]
    assert len(rows) == 1_000   # a request for the whole sheet gets one block of at most 1,000 rows
