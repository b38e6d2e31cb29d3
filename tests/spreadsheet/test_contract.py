"""Both spreadsheet backends keep the same promises (the Google one through real gspread + the emulator)."""

from __future__ import annotations

import pytest

import acd
from tracker.errors import WorksheetNotFound
from spreadsheet import CellUpdate
from spreadsheet.local import LocalWorkbook

INITIAL = [
    ["invoice", "inv_from", "notes"],
    ["00123", "ACD", ""],
    ["ACD-2", "Accelebrate"],           # ragged: shorter than the header
    [],                                 # an empty row in the middle
    ["ACD-4", "", "last"],
]
TRICKY_TEXT = ["00123", "=SUM(A1)", "O'Brien", "Zoë Café", "", "1,234", "+1+2", "2026-03-02", "TRUE", "  spaced  "]


@pytest.fixture(params=["local", "google"])
def backend(request, make_settings):
    """(settings, sheet) for each backend, holding a `Data` tab with INITIAL rows."""
    if request.param == "local":
        settings = make_settings()
        LocalWorkbook.create(settings.local_sheet_path, {"Data": INITIAL, "Other": [["x"]]})
        return settings, acd.open_sheet(settings), None
    emulator = request.getfixturevalue("sheets_emulator")
    settings = request.getfixturevalue("google_settings")()
    emulator.add_spreadsheet(settings.google_sheet_id, sheets={"Data": INITIAL, "Other": [["x"]]})
    return settings, acd.open_sheet(settings), emulator


def test_reads_the_whole_tab_as_padded_text(backend):
    _, sheet, _ = backend
    assert sheet.worksheet("Data").read_all() == [
        ["invoice", "inv_from", "notes"],
        ["00123", "ACD", ""],
        ["ACD-2", "Accelebrate", ""],
        ["", "", ""],
        ["ACD-4", "", "last"],
    ]


def test_lists_worksheets_and_names_a_missing_one(backend):
    _, sheet, _ = backend
    assert sheet.worksheet_titles() == ["Data", "Other"]
    with pytest.raises(WorksheetNotFound, match="no worksheet 'inv_tbl' \\(it has: Data, Other\\)"):
        sheet.worksheet("inv_tbl")


def test_text_round_trips_unchanged(backend):
    _, sheet, _ = backend
    ws = sheet.worksheet("Data")
    ws.write_cells([CellUpdate(10, col, text) for col, text in enumerate(TRICKY_TEXT, start=1)])
    assert sheet.worksheet("Data").read_all()[9] == TRICKY_TEXT


def test_writes_leave_other_cells_alone(backend):
    _, sheet, _ = backend
    ws = sheet.worksheet("Data")
    ws.write_cells([CellUpdate(2, 3, "noted"), CellUpdate(5, 2, "ACD")])
    rows = ws.read_all()
    assert rows[1] == ["00123", "ACD", "noted"]
    assert rows[4] == ["ACD-4", "ACD", "last"]
    assert rows[2] == ["ACD-2", "Accelebrate", ""]


def test_add_columns_appends_at_the_far_right_once(backend):
    _, sheet, _ = backend
    ws = sheet.worksheet("Data")
    assert ws.add_columns(["inv_from", "qb_invoice_id", "qb_error"]) == ["qb_invoice_id", "qb_error"]
    assert ws.add_columns(["qb_invoice_id", "qb_error"]) == []
    rows = ws.read_all()
    assert rows[0] == ["invoice", "inv_from", "notes", "qb_invoice_id", "qb_error"]
    assert rows[1][:3] == ["00123", "ACD", ""]

