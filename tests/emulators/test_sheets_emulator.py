"""The Sheets emulator through real gspread + google-auth (and raw HTTP where gspread can't say it).

Everything here asserts outcomes: what gspread returns or raises, what the grid holds afterwards, what the
HTTP answer says. Quota windows run on the fake clock from conftest.py, so nothing sleeps.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import gspread
import pytest
import requests
from gspread.exceptions import APIError

from emulators.sheets import SheetsEmulator, demo_emulator

SID = "sheet-under-test"
ROWS = [
    ["invoice", "status", "to_client", "inv_dollars", "qb_invoice_id"],
    ["ACD-1", "paid", "Globex LLC", "1500"],
    ["ACD-2", "", "O'Brien & Sons"],
    [],
    ["ACD-3", "draft", "Zoë Café Ltd", "20", ""],
]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(emulator):
    emulator.add_spreadsheet(SID, title="Invoices", sheets={"inv_tbl": ROWS, "notes": [["hello"]]})
    return emulator


@pytest.fixture
def ws(gc, seeded) -> gspread.Worksheet:
    return gc.open_by_key(SID).worksheet("inv_tbl")


# ------------------------------------------------------------------------------------------ reading

def test_open_by_key_reads_spreadsheet_and_tab_metadata(gc, seeded):
    sh = gc.open_by_key(SID)
    assert sh.title == "Invoices"
    assert sh.locale == "en_US" and sh.timezone == "Etc/GMT"
    assert [(w.title, w.id, w.index, w.row_count, w.col_count) for w in sh.worksheets()] == [
        ("inv_tbl", 0, 0, 1000, 26), ("notes", sh.worksheet("notes").id, 1, 1000, 26)]
    with pytest.raises(gspread.WorksheetNotFound):
        sh.worksheet("missing")


def test_get_all_values_pads_ragged_rows_into_a_rectangle(ws):
    assert ws.get_all_values() == [
        ["invoice", "status", "to_client", "inv_dollars", "qb_invoice_id"],
        ["ACD-1", "paid", "Globex LLC", "1500", ""],
        ["ACD-2", "", "O'Brien & Sons", "", ""],
        ["", "", "", "", ""],
        ["ACD-3", "draft", "Zoë Café Ltd", "20", ""],
    ]


def test_get_returns_rows_trimmed_as_google_sends_them(ws):
    assert ws.get("A2:E5") == [["ACD-1", "paid", "Globex LLC", "1500"], ["ACD-2", "", "O'Brien & Sons"], [],
                               ["ACD-3", "draft", "Zoë Café Ltd", "20"]]


def test_get_all_records_keys_rows_by_header(ws):
    records = ws.get_all_records(numericise_ignore=["all"])
    assert records[0] == {"invoice": "ACD-1", "status": "paid", "to_client": "Globex LLC", "inv_dollars": "1500",
                          "qb_invoice_id": ""}
    assert len(records) == 4


@pytest.mark.parametrize(("a1_range", "echoed", "values"), [
    ("'inv_tbl'", "inv_tbl!A1:E5", None),
    ("'inv_tbl'!A:A", "inv_tbl!A1:A5", [["invoice"], ["ACD-1"], ["ACD-2"], [], ["ACD-3"]]),
    ("'inv_tbl'!1:2", "inv_tbl!A1:E2", None),
    ("'inv_tbl'!A4:A", "inv_tbl!A4:A5", [[], ["ACD-3"]]),
    ("'inv_tbl'!B2", "inv_tbl!B2", [["paid"]]),
    ("'inv_tbl'!C4:D4", "inv_tbl!C4:D4", None),
    ("inv_tbl!b1:A2", "inv_tbl!A1:B2", [["invoice", "status"], ["ACD-1", "paid"]]),
    ("A1:B1", "inv_tbl!A1:B1", [["invoice", "status"]]),
    ("inv_tbl", "inv_tbl!A1:E5", None),
    ("'D3'!A1", "'D3'!A1", [["d3"]]),
    ("'Jon''s_Data'!A1:B2", "'Jon''s_Data'!A1:B2", [["jon"]]),
    ("My tab!A1", "'My tab'!A1", [["spaced"]]),
], ids=["whole-tab", "whole-column", "whole-rows", "open-ended-column", "single-cell", "empty-range",
        "reversed-lowercase", "no-tab-means-first", "bare-title", "title-looks-like-a1", "doubled-quote",
        "unquoted-title-with-space"])
def test_value_ranges_echo_the_normalised_range(emulator, api, a1_range, echoed, values):
    emulator.add_spreadsheet(SID, sheets={"inv_tbl": ROWS, "D3": [["d3"]], "Jon's_Data": [["jon"]],
                                          "My tab": [["spaced"]]}, row_count=5, column_count=5)
    body = api("GET", f"/v4/spreadsheets/{SID}/values/{requests.utils.quote(a1_range, safe='')}").json()
    assert body["range"] == echoed
    if values is not None:
        assert body["values"] == values
    if a1_range == "'inv_tbl'!C4:D4":
        assert "values" not in body, "an all-empty range has no values key"


def test_render_options_and_major_dimension(emulator, api):
    emulator.add_spreadsheet(SID, sheets={"Sheet1": [["=4/2", "2020-01-01", "string", "53"], ["=3/2", "0.12"]]},
                             row_count=2, column_count=4, value_input_option="USER_ENTERED")

    def get(**params):
        return api("GET", f"/v4/spreadsheets/{SID}/values/%27Sheet1%27", params=params).json()["values"]

    assert get() == [["2", "2020-01-01", "string", "53"], ["1.5", "0.12"]]
    assert get(valueRenderOption="UNFORMATTED_VALUE") == [[2, 43831, "string", 53], [1.5, 0.12]]
    assert get(valueRenderOption="UNFORMATTED_VALUE", dateTimeRenderOption="FORMATTED_STRING")[0][1] == "2020-01-01"
    assert get(valueRenderOption="FORMULA") == [["=4/2", 43831, "string", 53], ["=3/2", 0.12]]
    assert get(majorDimension="COLUMNS") == [["2", "1.5"], ["2020-01-01", "0.12"], ["string"], ["53"]]


@pytest.mark.parametrize(("path", "code", "message"), [
    ("/values/%27Nope%27%21A1", 400, "Unable to parse range: 'Nope'!A1"),
    ("/values/%27inv_tbl%27%21A1%3AAA1", 400,
     "Range (inv_tbl!A1:AA1) exceeds grid limits. Max rows: 1000, max columns: 26"),
    ("/values/%27inv_tbl%27%21A%3F", 400, "Unable to parse range: 'inv_tbl'!A?"),
    ("/values/%27inv_tbl%27?valueRenderOption=PRETTY", 400, "Invalid value at 'value_render_option'"),
], ids=["unknown-tab", "beyond-grid", "not-a1", "bad-enum"])
def test_bad_ranges_and_options_are_invalid_argument(seeded, api, path, code, message):
    response = api("GET", f"/v4/spreadsheets/{SID}{path}")
    assert response.status_code == code
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert response.json()["error"]["message"].startswith(message)


# ------------------------------------------------------------------------------------------ writing

def test_batch_update_raw_stores_text_exactly(ws, seeded):
    tricky = ["=SUM(A1)", "00123", "O'Brien", "Zoë 🌵"]
    result = ws.batch_update([{"range": "F2:I2", "values": [tricky]}, {"range": "F3", "values": [[42]]}])
    assert result["totalUpdatedCells"] == 5 and result["totalUpdatedRows"] == 2
    assert [r["updatedRange"] for r in result["responses"]] == ["inv_tbl!F2:I2", "inv_tbl!F3"]
    assert ws.get("F2:I2") == [tricky]
    assert ws.get("F2:I2", value_render_option="FORMULA") == [tricky], "RAW text is never a formula"
    assert ws.get("F3", value_render_option="UNFORMATTED_VALUE") == [[42]]
    assert seeded.values(SID, "inv_tbl")[1][5:9] == tricky


@pytest.mark.parametrize(("typed", "formatted", "unformatted", "formula"), [
    ("0042", "42", 42, 42),
    ("42.01", "42.01", 42.01, 42.01),
    ("=4/2", "2", 2, "=4/2"),
    ("=D2+D5", "1520", 1520, "=D2+D5"),
    ("TRUE", "TRUE", True, True),
    ("2020-01-01", "2020-01-01", 43831, 43831),
    ("$2,345.67", "$2,345.67", 2345.67, 2345.67),
    ("'0042", "0042", "0042", "0042"),
    ("Артур", "Артур", "Артур", "Артур"),
], ids=["leading-zeros-become-number", "decimal", "formula", "formula-with-refs", "boolean", "iso-date",
        "currency", "apostrophe-keeps-text", "cyrillic"])
def test_update_cell_is_user_entered(ws, typed, formatted, unformatted, formula):
    ws.update_cell(6, 4, typed)
    assert ws.acell("D6").value == formatted
    assert ws.acell("D6", value_render_option="UNFORMATTED_VALUE").value == unformatted
    assert ws.get("D6", value_render_option="FORMULA") == [[formula]]


def test_null_cells_in_a_write_leave_cells_unchanged(ws, api, seeded):
    response = api("PUT", f"/v4/spreadsheets/{SID}/values/%27inv_tbl%27%21A2%3AC2",
                   params={"valueInputOption": "RAW"}, json={"values": [[None, "void", None]]})
    assert response.json() == {"spreadsheetId": SID, "updatedRange": "inv_tbl!A2:C2", "updatedRows": 1,
                               "updatedColumns": 1, "updatedCells": 1}
    assert seeded.values(SID, "inv_tbl")[1][:3] == ["ACD-1", "void", "Globex LLC"]


def test_update_with_values_in_response(ws):
    result = ws.update([["=1+1", "7"]], "F1", raw=False, include_values_in_response=True)
    assert result["updatedData"] == {"range": "inv_tbl!F1:G1", "majorDimension": "ROWS", "values": [["2", "7"]]}


@pytest.mark.parametrize(("range_name", "values", "message"), [
    ("A1001", [["x"]], "Range (inv_tbl!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"),
    ("Z1", [["y", "z"]], "Range (inv_tbl!Z1:AA1) exceeds grid limits"),
    ("A1:B1", [["1", "2", "3"]], "Requested writing within range [inv_tbl!A1:B1], but tried writing to column [C]"),
    ("A1:B1", [["1"], ["2"]], "Requested writing within range [inv_tbl!A1:B1], but tried writing to row [2]"),
], ids=["row-beyond-grid", "column-beyond-grid", "wider-than-range", "taller-than-range"])
def test_out_of_bounds_writes_fail_and_change_nothing(ws, seeded, range_name, values, message):
    before = seeded.values(SID, "inv_tbl")
    with pytest.raises(APIError) as excinfo:
        ws.update(values, range_name)
    assert excinfo.value.code == 400 and excinfo.value.error["status"] == "INVALID_ARGUMENT"
    assert excinfo.value.error["message"].startswith(message)
    assert seeded.values(SID, "inv_tbl") == before
    assert seeded.grid_size(SID, "inv_tbl") == (1000, 26)


def test_values_batch_update_is_all_or_nothing(ws, seeded):
    before = seeded.values(SID, "inv_tbl")
    with pytest.raises(APIError) as excinfo:
        ws.batch_update([{"range": "E2", "values": [["QB-1"]]}, {"range": "E1001", "values": [["QB-2"]]}])
    assert excinfo.value.code == 400
    assert seeded.values(SID, "inv_tbl") == before


def test_append_row_writes_below_the_table(gc, emulator):
    emulator.add_spreadsheet(SID, sheets={"inv_tbl": ROWS[:3]})
    ws = gc.open_by_key(SID).worksheet("inv_tbl")
    result = ws.append_row(["ACD-9", "new"])
    assert result["tableRange"] == "inv_tbl!A1:E3"
    assert result["updates"]["updatedRange"] == "inv_tbl!A4:B4"
    assert ws.get("A4:B4") == [["ACD-9", "new"]]


def test_append_into_a_blank_middle_row_ends_the_table_there(ws, seeded):
    """Google's "logical table" stops at the first blank row, so append fills that gap (as it does)."""
    ws.append_row(["ACD-9"])
    assert seeded.values(SID, "inv_tbl")[3][0] == "ACD-9"


def test_append_grows_a_full_grid_and_reports_no_table_when_empty(gc, emulator):
    emulator.add_spreadsheet(SID, sheets={"full": [["a", "b"], ["c", "d"]], "empty": []}, row_count=2,
                             column_count=2)
    sh = gc.open_by_key(SID)
    result = sh.worksheet("full").append_row(["e", "f", "g"])
    assert result["updates"]["updatedRange"] == "full!A3:C3"
    assert emulator.grid_size(SID, "full") == (3, 3)
    result = sh.worksheet("empty").append_rows([["x"], ["y"]])
    assert "tableRange" not in result and result["updates"]["updatedRange"] == "empty!A1:A2"


def test_resize_changes_the_grid_and_truncates_data(gc, seeded):
    sh = gc.open_by_key(SID)
    ws = sh.worksheet("inv_tbl")
    ws.resize(rows=3, cols=2)
    fresh = sh.worksheet("inv_tbl")
    assert (fresh.row_count, fresh.col_count) == (3, 2)
    assert seeded.values(SID, "inv_tbl") == [["invoice", "status"], ["ACD-1", "paid"], ["ACD-2", ""]]
    ws.add_rows(7)
    assert seeded.grid_size(SID, "inv_tbl") == (10, 2)


def test_insert_and_delete_rows_through_gspread(ws, seeded):
    ws.insert_row(["ACD-0", "inserted"], index=2)
    ws.delete_rows(4)
    column_a = [row[0] for row in seeded.values(SID, "inv_tbl")]
    assert column_a == ["invoice", "ACD-0", "ACD-1", "", "ACD-3"]
    assert seeded.grid_size(SID, "inv_tbl") == (1000, 26)


def test_batch_get_clear_and_batch_clear(ws, gc, seeded):
    assert ws.batch_get(["A1:B2", "C3"]) == [[["invoice", "status"], ["ACD-1", "paid"]], [["O'Brien & Sons"]]]
    ws.batch_clear(["B2", "D2"])
    assert ws.get("A2:D2") == [["ACD-1", "", "Globex LLC"]]
    result = gc.open_by_key(SID).values_clear("'notes'")
    assert result == {"spreadsheetId": SID, "clearedRange": "notes!A1:Z1000"}
    assert seeded.values(SID, "notes") == []


def test_add_and_rename_worksheets(gc, seeded):
    sh = gc.open_by_key(SID)
    new = sh.add_worksheet("Q1", rows=10, cols=4)
    assert (new.row_count, new.col_count, new.index) == (10, 4, 2)
    new.update_title("Q2")
    assert [w.title for w in sh.worksheets()] == ["inv_tbl", "notes", "Q2"]
    with pytest.raises(APIError, match="already exists"):
        sh.add_worksheet("notes", rows=1, cols=1)


def test_spreadsheet_batch_update_is_all_or_nothing(seeded, api):
    response = api("POST", f"/v4/spreadsheets/{SID}:batchUpdate", json={"requests": [
        {"updateSheetProperties": {"properties": {"sheetId": 0, "gridProperties": {"rowCount": 5}},
                                   "fields": "gridProperties/rowCount"}},
        {"deleteSheet": {"sheetId": 12345}},
    ]})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid requests[1].deleteSheet: No grid with id: 12345"
    assert seeded.grid_size(SID, "inv_tbl") == (1000, 26)


@pytest.mark.parametrize(("request_body", "first_rows"), [
    ({"sortRange": {"range": {"sheetId": 0, "startRowIndex": 1}, "sortSpecs": [
        {"dimensionIndex": 2, "sortOrder": "DESCENDING"}]}},
     [["invoice", "status", "to_client"], ["ACD-3", "draft", "Zoë Café Ltd"]]),
    ({"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}},
     [["", "invoice", "status"], ["", "ACD-1", "paid"]]),
    ({"deleteDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}}},
     [["invoice", "to_client", "inv_dollars"], ["ACD-1", "Globex LLC", "1500"]]),
    ({"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 3}}},
     [["invoice", "status", "to_client"], ["", "", ""]]),
], ids=["sort-range-descending", "insert-column", "delete-column", "delete-rows"])
def test_spreadsheet_batch_update_moves_cells(seeded, api, request_body, first_rows):
    response = api("POST", f"/v4/spreadsheets/{SID}:batchUpdate", json={"requests": [request_body]})
    assert response.json() == {"spreadsheetId": SID, "replies": [{}]}
    assert [row[:3] for row in seeded.values(SID, "inv_tbl")[:2]] == first_rows


# ------------------------------------------------------------------------------ access and failures

@pytest.mark.parametrize(("setup", "expected"), [
    (lambda emu: None, gspread.SpreadsheetNotFound),
    (lambda emu: emu.deny(SID), PermissionError),
], ids=["404-unknown-id", "403-not-shared"])
def test_unknown_and_private_spreadsheets(gc, seeded, setup, expected):
    setup(seeded)
    with pytest.raises(expected):
        gc.open_by_key(SID if expected is PermissionError else "no-such-id")


@pytest.mark.parametrize(("status", "code", "google_status"), [
    (429, 429, "RESOURCE_EXHAUSTED"),
    (500, 500, "INTERNAL"),
    (503, 503, "UNAVAILABLE"),
    (502, -1, None),
], ids=["429-quota", "500-internal", "503-unavailable", "502-html"])
def test_injected_faults_fail_the_next_requests_then_clear(ws, seeded, status, code, google_status):
    seeded.inject(status=status, count=2)
    for _ in range(2):
        with pytest.raises(APIError) as excinfo:
            ws.get_all_values()
        assert excinfo.value.response.status_code == status
        assert excinfo.value.code == code
        if google_status:
            assert excinfo.value.error["status"] == google_status
    assert ws.get_all_values()[1][0] == "ACD-1"
    assert seeded.stats()["injected_faults"] == 2


def test_injected_429_for_a_write_reads_like_googles_write_quota_error(ws, seeded):
    seeded.inject(429, match="values.batchUpdate")
    assert ws.acell("A2").value == "ACD-1", "a read does not match the fault"
    with pytest.raises(APIError) as excinfo:
        ws.batch_update([{"range": "E2", "values": [["QB-1"]]}])
    error = excinfo.value.error
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert "'Write requests per minute per user'" in error["message"]
    assert error["details"][0]["metadata"]["quota_limit"] == "WriteRequestsPerMinutePerUser"


def test_read_quota_is_per_minute_and_refills(make_emulator, clock, client_for):
    emu = make_emulator(read_quota_per_minute=4)
    emu.add_spreadsheet(SID, sheets={"inv_tbl": ROWS})
    ws = client_for(emu).open_by_key(SID).worksheet("inv_tbl")  # 2 reads: metadata twice
    ws.get_all_values()
    ws.get_all_values()
    with pytest.raises(APIError) as excinfo:
        ws.get_all_values()
    assert excinfo.value.code == 429 and excinfo.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert "'Read requests per minute per user'" in excinfo.value.error["message"]
    ws.batch_update([{"range": "E2", "values": [["QB-1"]]}])  # writes have their own budget
    clock.advance(59.9)
    with pytest.raises(APIError):
        ws.get_all_values()
    clock.advance(0.1)
    assert ws.get_all_values()[1][4] == "QB-1"
    assert emu.stats()["quota_rejections"] == 2


def test_write_quota_counts_a_batch_as_one_request(make_emulator, clock, client_for):
    emu = make_emulator(write_quota_per_minute=2)
    emu.add_spreadsheet(SID, sheets={"inv_tbl": ROWS})
    ws = client_for(emu).open_by_key(SID).worksheet("inv_tbl")
    ws.batch_update([{"range": f"E{row}", "values": [[f"QB-{row}"]]} for row in range(2, 6)])
    ws.update_cell(2, 2, "void")
    with pytest.raises(APIError) as excinfo:
        ws.update_cell(3, 2, "void")
    assert excinfo.value.code == 429
    clock.advance(60)
    ws.update_cell(3, 2, "void")
    assert [row[1] for row in emu.values(SID, "inv_tbl")[1:3]] == ["void", "void"]


def test_quota_is_counted_per_service_account(make_emulator, client_for):
    emu = make_emulator(read_quota_per_minute=2)
    emu.add_spreadsheet(SID, sheets={"inv_tbl": ROWS})
    client_for(emu).open_by_key(SID).worksheet("inv_tbl")
    with pytest.raises(APIError):
        client_for(emu).open_by_key(SID)
    other = client_for(emu, client_email="other@emulator-project.iam.gserviceaccount.com")
    assert other.open_by_key(SID).title == "Untitled spreadsheet"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-issued-here"}, {"Authorization": "Basic abc"}],
                         ids=["no-header", "unknown-token", "wrong-scheme"])
def test_sheets_calls_need_a_token_the_emulator_issued(emulator, seeded, headers):
    response = requests.get(f"{emulator.base_url}/v4/spreadsheets/{SID}", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("form", "error"), [
    ({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "a.b.c"}, "invalid_grant"),
    ({"grant_type": "password"}, "unsupported_grant_type"),
], ids=["forged-assertion", "wrong-grant"])
def test_token_endpoint_rejects_bad_grants(emulator, form, error):
    response = requests.post(f"{emulator.base_url}/token", data=form, timeout=5)
    assert response.status_code == 400 and response.json()["error"] == error


def test_latency_delays_sheets_requests(ws, seeded):
    seeded.set_latency(0.05)
    started = time.perf_counter()
    ws.acell("A1")
    assert time.perf_counter() - started >= 0.05


# ------------------------------------------------------------------------------------- human edits

@pytest.mark.parametrize(("edit", "column_a"), [
    (lambda emu: emu.insert_rows(SID, "inv_tbl", 2, [["ACD-0", "new"]]),
     ["invoice", "ACD-0", "ACD-1", "ACD-2", "", "ACD-3"]),
    (lambda emu: emu.delete_rows(SID, "inv_tbl", 2, count=2), ["invoice", "", "ACD-3"]),
    (lambda emu: emu.sort_rows(SID, "inv_tbl", "status"), ["invoice", "ACD-3", "ACD-1", "ACD-2"]),
    (lambda emu: emu.sort_rows(SID, "inv_tbl", 1, reverse=True), ["invoice", "ACD-3", "ACD-2", "ACD-1"]),
], ids=["insert", "delete", "sort-by-header", "sort-by-index-descending"])
def test_human_edits_move_rows_under_gspread(ws, seeded, edit, column_a):
    ws.get_all_values()
    edit(seeded)
    assert [row[0] for row in ws.get_all_values()] == column_a


def test_human_edits_change_the_row_count(seeded):
    seeded.insert_rows(SID, "inv_tbl", 2, [["a"], ["b"]])
    seeded.delete_rows(SID, "inv_tbl", 10, count=5)
    assert seeded.grid_size(SID, "inv_tbl") == (997, 26)
    with pytest.raises(ValueError):
        seeded.sort_rows(SID, "inv_tbl", "no such header")


def test_control_endpoints_drive_faults_rows_and_stats(ws, seeded):
    control = f"{seeded.base_url}/__emulator__"
    ws.get_all_values()
    stats = requests.get(f"{control}/stats", timeout=5).json()
    assert (stats["read"], stats["metadata"], stats["write"], stats["token"]) == (1, 2, 0, 1)
    assert stats["endpoints"] == {"spreadsheets.get": 2, "values.get": 1}

    faults = requests.post(f"{control}/faults", json={"status": 503, "count": 1, "match": "read"}, timeout=5)
    assert faults.json()["faults"] == [{"status": 503, "remaining": 1, "match": "read"}]
    with pytest.raises(APIError):
        ws.get_all_values()

    rows = requests.post(f"{control}/rows/insert", timeout=5,
                         json={"spreadsheet_id": SID, "title": "inv_tbl", "before_row": 2, "rows": [["ACD-0"]]})
    assert rows.json()["values"][1][0] == "ACD-0"
    requests.post(f"{control}/rows/delete", json={"spreadsheet_id": SID, "title": "inv_tbl", "start_row": 3},
                  timeout=5)
    requests.post(f"{control}/rows/sort", json={"spreadsheet_id": SID, "title": "inv_tbl", "column": "invoice",
                                                "reverse": True}, timeout=5)
    assert [row[0] for row in ws.get_all_values()] == ["invoice", "ACD-3", "ACD-2", "ACD-0"]
    bad = requests.post(f"{control}/rows/delete", json={"spreadsheet_id": "nope", "title": "x", "start_row": 1},
                        timeout=5)
    assert bad.status_code == 400

    requests.post(f"{control}/faults", json={"latency": 0.01}, timeout=5)
    assert seeded.latency == 0.01
    requests.post(f"{control}/reset", timeout=5)
    assert seeded.stats()["read"] == 0 and seeded.latency == 0


# ------------------------------------------------------------------------------- serving and the CLI

def test_start_serves_on_loopback_and_sets_base_url():
    emu = SheetsEmulator()
    with pytest.raises(RuntimeError):
        emu.service_account_info()
    with emu.start() as server:
        assert emu.base_url == server.url and server.url.startswith("http://127.0.0.1:")
        assert emu.service_account_info()["token_uri"] == f"{server.url}/token"
        assert requests.get(f"{server.url}/v4/spreadsheets/x", timeout=5).status_code == 401


def test_python_api_rejects_unknown_spreadsheets_and_tabs(seeded):
    with pytest.raises(KeyError):
        seeded.values("nope", "inv_tbl")
    with pytest.raises(KeyError):
        seeded.values(SID, "nope")
    with pytest.raises(ValueError):
        seeded.inject(429, count=0)


def test_demo_spreadsheet_reads_like_a_typed_sheet(loopback, client_for):
    board, url = loopback
    emu = board.app = demo_emulator(base_url=url)
    rows = client_for(emu).open_by_key("demo-spreadsheet").worksheet("inv_tbl").get_all_values()
    header = rows[0]
    assert header[:3] == ["invoice", "inv_link", "status"] and "qb_sync_status" in header
    amounts = [row[header.index("inv_dollars")] for row in rows[1:]]
    assert amounts == ["1500", "$2,345.67", "1,050.25"]


def test_cli_help_describes_the_options():
    result = subprocess.run([sys.executable, "-m", "emulators.sheets", "--help"], cwd=REPO, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0
    assert "--port" in result.stdout and "demo-spreadsheet" in result.stdout


def test_cli_serves_the_demo_spreadsheet_with_a_key_file(tmp_path, loopback_client_class):
    key_file = tmp_path / "key.json"
    proc = subprocess.Popen([sys.executable, "-m", "emulators.sheets", "--port", "0", "--key-file", str(key_file)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("Sheets emulator listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        lines = [proc.stdout.readline() for _ in range(2)]
        assert str(key_file) in lines[1]
        info = json.loads(key_file.read_text())
        assert info["token_uri"] == f"{url}/token"
        gc = gspread.service_account_from_dict(info, http_client=loopback_client_class(url))
        assert gc.open_by_key("demo-spreadsheet").worksheet("inv_tbl").acell("A2").value == "ACD-2026-014"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
