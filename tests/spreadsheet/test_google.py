"""The Google backend through real gspread + google-auth against the Sheets emulator: limits and failures."""

from __future__ import annotations

import json

import pytest

import acd
from tracker.errors import ConfigError, SheetAccessDenied, SheetNotFound, SheetUnavailable, WorksheetNotFound
from spreadsheet import CellUpdate

ROWS = [["invoice", "status"], ["00123", "pending"], ["ACD-2", "paid"]]


@pytest.fixture
def sheet(sheets_emulator, google_settings):
    settings = google_settings()
    sheets_emulator.add_spreadsheet(settings.google_sheet_id, sheets={"inv_tbl": ROWS})
    return acd.open_sheet(settings)


def test_opening_and_reading_a_tab_is_one_call(sheet, sheets_emulator):
    sheets_emulator.reset_stats()
    assert sheet.worksheet("inv_tbl").read_all() == ROWS
    assert (sheets_emulator.stats()["read"], sheets_emulator.stats()["metadata"]) == (1, 0)


def test_a_missing_tab_is_named_with_the_tabs_that_exist(sheet):
    with pytest.raises(WorksheetNotFound, match="no worksheet 'invoices' \\(it has: inv_tbl\\)"):
        sheet.worksheet("invoices").read_all()


def test_a_batch_write_of_1000_cells_is_one_call(sheet, sheets_emulator):
    ws = sheet.worksheet("inv_tbl")
    sheets_emulator.reset_stats()
    written = ws.write_cells([CellUpdate(row, col, f"r{row}c{col}") for row in range(2, 202) for col in range(1, 6)])
    assert written == 1000
    assert sheets_emulator.stats()["write"] == 1
    assert sheets_emulator.values(sheet.spreadsheet_id, "inv_tbl")[200][4] == "r201c5"


def test_a_429_burst_is_ridden_out(sheet, sheets_emulator):
    ws = sheet.worksheet("inv_tbl")
    sheets_emulator.inject(status=429, count=3)
    assert ws.read_all() == ROWS
    sheets_emulator.inject(status=503, count=2)
    ws.write_cells([CellUpdate(2, 3, "written")])
    assert sheets_emulator.values(sheet.spreadsheet_id, "inv_tbl")[1][2] == "written"


def test_429_that_never_ends_becomes_a_plain_error(sheet, sheets_emulator):
    ws = sheet.worksheet("inv_tbl")
    sheets_emulator.inject(status=429, count=100)
    with pytest.raises(SheetUnavailable, match="kept answering HTTP 429 .* after every retry"):
        ws.read_all()


def test_a_slow_sheet_times_out_into_a_plain_error(sheets_emulator, google_settings):
    settings = google_settings(sheet_timeout_seconds=0.2, sheet_max_attempts=2)
    sheets_emulator.add_spreadsheet(settings.google_sheet_id, sheets={"inv_tbl": ROWS})
    ws = acd.open_sheet(settings).worksheet("inv_tbl")
    sheets_emulator.set_latency(1.0)
    with pytest.raises(SheetUnavailable, match="Could not reach Google Sheets while reading worksheet 'inv_tbl'"):
        ws.read_all()


def test_a_permanent_403_names_the_account_to_share_with(sheets_emulator, google_settings):
    settings = google_settings()
    sheets_emulator.add_spreadsheet(settings.google_sheet_id, sheets={"inv_tbl": ROWS})
    sheets_emulator.deny(settings.google_sheet_id)
    email = sheets_emulator.service_account_info()["client_email"]
    with pytest.raises(SheetAccessDenied) as info:
        acd.open_sheet(settings).worksheet("inv_tbl").read_all()
    assert "share the sheet with that address as Editor" in str(info.value)
    assert email in str(info.value)
    assert sheets_emulator.stats()["read"] == 1, "a 403 is not retried"


def test_a_wrong_spreadsheet_id_says_which_setting(sheets_emulator, google_settings):
    with pytest.raises(SheetNotFound, match="check GOOGLE_SHEET_ID"):
        acd.open_sheet(google_settings("no-such-sheet")).worksheet_titles()


@pytest.mark.parametrize("content, expected", [
    (None, "no such file"),
    ("not json", "cannot be read as JSON"),
    (json.dumps({"type": "authorized_user"}), "not a service-account key file"),
], ids=["missing", "garbage", "wrong-kind"])
def test_bad_credentials_files_name_the_variable(google_settings, tmp_path, content, expected):
    key = tmp_path / "bad-key.json"
    if content is not None:
        key.write_text(content)
    settings = google_settings(google_credentials=key)
    with pytest.raises(ConfigError) as info:
        acd.open_sheet(settings)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in str(info.value)
    assert expected in str(info.value)


def test_nothing_is_written_when_the_worksheet_is_missing(sheet, sheets_emulator):
    sheets_emulator.reset_stats()
    with pytest.raises(Exception, match="no worksheet 'invoices'"):
        acd.read_table(sheet.worksheet("invoices"))
    assert sheets_emulator.stats()["write"] == 0
