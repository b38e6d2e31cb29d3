"""The local workbook: atomic, serialized writes that keep the file's mode and never blank a formula's result;
a clear error for a broken file; cells read as text."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import openpyxl
import pytest

from tracker.errors import SheetError, SheetUnreadable
from spreadsheet import CellUpdate
from spreadsheet.local import LocalWorkbook, cell_text

ROWS = [["invoice", "status"], ["A-1", "draft"], ["A-2", "paid"]]


def test_a_crash_in_the_middle_of_a_save_leaves_the_previous_workbook(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    book = LocalWorkbook.create(path, {"inv_tbl": ROWS})
    before = path.read_bytes()

    def save_half_then_die(workbook, handle):
        handle.write(b"PK\x03\x04 half a zip file")
        raise OSError("disk unplugged")

    monkeypatch.setattr(openpyxl.Workbook, "save", save_half_then_die)
    with pytest.raises(OSError, match="disk unplugged"):
        book.worksheet("inv_tbl").write_cells([CellUpdate(2, 2, "submitted")])

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
    monkeypatch.undo()
    assert LocalWorkbook(path).worksheet("inv_tbl").read_all() == ROWS


def test_a_writer_killed_at_any_moment_never_corrupts_the_workbook(tmp_path):
    """SIGKILL a process that writes in a loop, several times: the file always opens and holds whole writes."""
    path = tmp_path / "book.xlsx"
    LocalWorkbook.create(path, {"inv_tbl": ROWS + [[f"B-{i}", "pending"] for i in range(2000)]})
    writer = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(os.getcwd())!r})
        from spreadsheet.local import LocalWorkbook
        from spreadsheet import CellUpdate
        ws = LocalWorkbook({str(path)!r}).worksheet("inv_tbl")
        n = 0
        while True:
            n += 1
            ws.write_cells([CellUpdate(r, 3, str(n)) for r in range(2, 2004)])
            print(n, flush=True)
    """)
    for delay in (0.3, 0.7, 1.1):
        child = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        rows = LocalWorkbook(path).worksheet("inv_tbl").read_all()
        stamps = {row[2] if len(row) > 2 else "" for row in rows[1:]}
        assert len(stamps) == 1, "a write landed only partly"
        assert len(rows) == 2003


def _write_column(path, col, text):
    LocalWorkbook(path).worksheet("inv_tbl").write_cells([CellUpdate(r, col, text) for r in range(1, 4)])


def test_two_processes_writing_at_once_both_land(tmp_path):
    path = tmp_path / "book.xlsx"
    LocalWorkbook.create(path, {"inv_tbl": ROWS})
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_write_column, args=(path, col, f"w{col}")) for col in (3, 4, 5, 6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    rows = LocalWorkbook(path).worksheet("inv_tbl").read_all()
    assert [row[2:] for row in rows] == [["w3", "w4", "w5", "w6"]] * 3


def test_an_unreadable_workbook_gets_a_clear_message(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_text("this is not a spreadsheet")
    with pytest.raises(SheetUnreadable, match="cannot be read as an .xlsx workbook"):
        LocalWorkbook(path).worksheet_titles()
    assert path.read_text() == "this is not a spreadsheet"


def test_control_characters_are_stored_without_breaking_the_file(tmp_path):
    path = tmp_path / "book.xlsx"
    book = LocalWorkbook.create(path, {"inv_tbl": ROWS})
    book.worksheet("inv_tbl").write_cells([CellUpdate(2, 3, "bell\x07 and \u202eRTL")])
    assert book.worksheet("inv_tbl").read_all()[1][2] == "bell\ufffd and \u202eRTL"


@pytest.mark.parametrize("value, text", [
    (None, ""),
    (1500, "1500"),
    (1500.0, "1500"),
    (1050.25, "1050.25"),
    (0.1, "0.1"),
    (True, "TRUE"),
    (dt.datetime(2026, 3, 2), "2026-03-02"),
    (dt.datetime(2026, 3, 2, 14, 30), "2026-03-02 14:30:00"),
    (dt.date(2026, 3, 2), "2026-03-02"),
    ("00123", "00123"),
], ids=repr)
def test_cells_typed_by_hand_read_as_the_text_a_person_sees(value, text):
    assert cell_text(value) == text


def test_cells_typed_into_excel_read_back_as_text(tmp_path):
    path = tmp_path / "typed.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "inv_tbl"
    sheet.append(["invoice", "inv_dollars", "submitted_date", "paid"])
    sheet.append([123, 1050.25, dt.datetime(2026, 3, 2), True])
    sheet.append([None, 1500, None, None])
    workbook.save(path)
    assert LocalWorkbook(path).worksheet("inv_tbl").read_all() == [
        ["invoice", "inv_dollars", "submitted_date", "paid"],
        ["123", "1050.25", "2026-03-02", "TRUE"],
        ["", "1500", "", ""],
    ]


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_a_new_workbook_is_the_owners_only_and_a_write_keeps_the_files_mode(tmp_path):
    path = tmp_path / "book.xlsx"
    old_umask = os.umask(0o022)
    try:
        book = LocalWorkbook.create(path, {"inv_tbl": ROWS})
        assert _mode(path) == 0o600
        for mode in (0o664, 0o640, 0o600):
            path.chmod(mode)
            book.worksheet("inv_tbl").write_cells([CellUpdate(2, 2, f"mode {mode:o}")])
            assert _mode(path) == mode
    finally:
        os.umask(old_umask)
    assert book.worksheet("inv_tbl").read_all()[1][1] == "mode 600"


def _with_cached_results(path, results: dict[str, str]) -> None:
    """Give formula cells the cached results Excel stores (openpyxl cannot write them): {"C2": "250"}."""
    with zipfile.ZipFile(path) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for address, value in results.items():
        start = xml.index(f'<c r="{address}"')
        end = xml.index("</c>", start)
        xml = xml[:start] + xml[start:end].replace("<v></v>", f"<v>{value}</v>").replace("<v />", f"<v>{value}</v>") + xml[end:]
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def _formula_workbook(path, cached: bool):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "inv_tbl"
    sheet.append(["invoice", "inv_dollars", "fee", "status"])
    sheet.append(["A-1", 1000, "=B2*0.25", "draft"])
    sheet.append(["A-2", 2000, "=B3*0.25", "draft"])
    workbook.save(path)
    if cached:
        _with_cached_results(path, {"C2": "250", "C3": "500"})


def test_a_write_that_would_blank_formula_results_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "book.xlsx"
    _formula_workbook(path, cached=True)
    worksheet = LocalWorkbook(path).worksheet("inv_tbl")
    assert [row[2] for row in worksheet.read_all()] == ["fee", "250", "500"]
    before = path.read_bytes()

    with pytest.raises(SheetError) as info:
        worksheet.write_cells([CellUpdate(2, 4, "submitted")])

    message = str(info.value)
    assert "worksheet 'inv_tbl': C2, C3" in message and "formula" in message and "was not changed" in message
    assert path.read_bytes() == before
    assert [row[2:] for row in worksheet.read_all()] == [["fee", "status"], ["250", "draft"], ["500", "draft"]]
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_formulas_without_a_cached_result_keep_their_formula_and_the_write_lands(tmp_path):
    path = tmp_path / "book.xlsx"
    _formula_workbook(path, cached=False)
    LocalWorkbook(path).worksheet("inv_tbl").write_cells([CellUpdate(2, 4, "submitted")])
    sheet = openpyxl.load_workbook(path)["inv_tbl"]
    assert (sheet["C2"].value, sheet["D2"].value, sheet["C3"].value) == ("=B2*0.25", "submitted", "=B3*0.25")
