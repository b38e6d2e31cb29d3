"""People edit the sheet between the sync's read and its writeback: insert rows above, sort, delete a row,
retype a number. No result may land on another row; displaced results are written when their row is found."""

from __future__ import annotations

import openpyxl
import pytest

import acd
from quickbooks.sync import SyncService
from tests.reliability.conftest import make_world, ready_rows


class Person:
    """Edits as a person would: with the Sheets emulator's hooks on Google, with openpyxl on the workbook."""

    def __init__(self, world, sheets_emulator=None, spreadsheet_id=None):
        self.world, self.emulator, self.sid = world, sheets_emulator, spreadsheet_id

    def insert_above(self, row: int, values: list[str]) -> None:
        if self.emulator:
            self.emulator.insert_rows(self.sid, "inv_tbl", row, [values])
        else:
            self._local(lambda ws: (ws.insert_rows(row), [ws.cell(row, c + 1, v) for c, v in enumerate(values)]))

    def delete(self, row: int) -> None:
        if self.emulator:
            self.emulator.delete_rows(self.sid, "inv_tbl", row)
        else:
            self._local(lambda ws: ws.delete_rows(row))

    def sort_descending(self) -> None:
        if self.emulator:
            self.emulator.sort_rows(self.sid, "inv_tbl", "invoice", reverse=True)
        else:
            def sort(ws):
                rows = sorted(([c.value for c in r] for r in ws.iter_rows(min_row=2)), key=lambda r: r[0] or "",
                              reverse=True)
                for i, values in enumerate(rows, start=2):
                    for c, v in enumerate(values, start=1):
                        ws.cell(i, c, v)
            self._local(sort)

    def retype(self, row: int, text: str) -> None:
        if self.emulator:
            self.emulator.set_values(self.sid, "inv_tbl", [[text]], start=f"A{row}")
        else:
            self._local(lambda ws: ws.cell(row, 1, text))

    def _local(self, change) -> None:
        path = self.world.settings.local_sheet_path
        book = openpyxl.load_workbook(path)
        change(book["inv_tbl"])
        book.save(path)


@pytest.fixture(params=["local", "google"])
def world(request, tmp_path, qbo):
    rows = ready_rows(12)
    world = make_world(tmp_path, qbo, rows)
    if request.param == "google":
        import dataclasses

        emulator = request.getfixturevalue("sheets_emulator")
        settings = request.getfixturevalue("google_settings")()
        emulator.add_spreadsheet(settings.google_sheet_id, sheets={"inv_tbl": rows})
        world.settings = dataclasses.replace(settings, database_url=world.settings.database_url)
        world.person = Person(world, emulator, settings.google_sheet_id)
    else:
        world.person = Person(world)
    return world


def _run_with_edit(world, edit) -> SyncService:
    service = world.service()
    done = []

    def during_run(sent, total):
        if total and sent == total and not done:
            done.append(True)
            edit(world.person)

    report = service.run("cli", progress=during_run)
    assert report.status == "ok" and done, report.error
    return service


def _ids_by_key(world) -> dict[str, str]:
    return {k: r["qb_invoice_id"] for k, r in world.sheet().items()}


def _created(world) -> dict[str, str]:
    return {i["DocNumber"]: i["Id"] for i in world.emulator.created("Invoice")}


@pytest.mark.parametrize("edit", [
    lambda p: p.insert_above(2, ["NEW-1", "", "draft"]),
    lambda p: p.sort_descending(),
], ids=["insert-above", "sort"])
def test_moved_rows_get_their_own_results_in_the_same_run(world, edit):
    _run_with_edit(world, edit)
    world.assert_each_row_exactly_once()
    assert _ids_by_key(world).get("NEW-1", "") == ""


def test_a_deleted_row_gets_nothing_and_nothing_lands_elsewhere(world):
    _run_with_edit(world, lambda p: p.delete(4))   # row 4 holds R-0002
    ids, created = _ids_by_key(world), _created(world)
    assert "R-0002" not in ids
    assert all(ids[k] == created[k] for k in ids), "a result landed on another row"
    assert sorted(created) == sorted(world.keys), "its invoice exists once; the row is simply gone"


def test_a_retyped_number_is_not_written_and_the_new_number_is_a_new_row(world):
    service = _run_with_edit(world, lambda p: p.retype(3, "R-0001-X"))   # row 3 holds R-0001
    ids, created = _ids_by_key(world), _created(world)
    assert ids["R-0001-X"] == "", "R-0001's result must not land on a row whose number changed"
    assert all(ids[k] == created[k] for k in ids if k != "R-0001-X")
    counts = service.runs.recent(1)[0].counts
    assert counts.writeback.awaiting == 1


def test_a_number_typed_twice_is_resolved_by_the_row_content(world):
    def duplicate_key(person):
        person.insert_above(2, ["R-0005", "", "draft", "ACD", "Somebody else"])

    _run_with_edit(world, duplicate_key)
    rows = acd.open_sheet(world.settings).worksheet("inv_tbl").read_all()
    header = rows[0]
    holders = [dict(zip(header, r)) for r in rows[1:] if r[0] == "R-0005"]
    assert sorted(h["qb_invoice_id"] != "" for h in holders) == [False, True]
    real = next(h for h in holders if h["status"] == "submitted")
    assert real["qb_invoice_id"] == _created(world)["R-0005"]
