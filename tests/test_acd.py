"""acd: the backend choice, the demo workbook, `load_google_sheet`, and header problems as plain messages."""

from __future__ import annotations

import pytest

import acd
from quickbooks import demo
from quickbooks.settings import QbSettings
from tracker.errors import HeaderError, SheetNotFound
from sankey_helpers import SOURCE_HEADERS
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table


@pytest.mark.parametrize("qb_env, path, created", [
    ("local", None, True),                         # demo mode, the default path: the demo workbook
    ("local", "real.xlsx", False),                 # demo mode, a path someone chose: real data, never demo rows
    ("sandbox", None, False),                      # not demo mode
    ("production", "real.xlsx", False),
], ids=["demo-default-path", "demo-named-path", "sandbox", "production"])
def test_demo_rows_only_in_demo_mode_at_the_default_path(tmp_path, monkeypatch, make_settings, qb_env, path, created):
    monkeypatch.chdir(tmp_path)   # the default path is relative: data/finance_tracker.xlsx
    settings = make_settings(demo_rows=40, local_sheet_path=tmp_path / path if path else demo.DEMO_WORKBOOK)
    assert demo.ensure_demo_workbook(settings, QbSettings(env=qb_env)) is created
    if created:
        table = acd.load_inv_table(settings)
        assert len(table.records) == 40
        assert table.headers.names[:17] == list(SOURCE_HEADERS)
        assert demo.ensure_demo_workbook(settings, QbSettings(env=qb_env)) is False  # never overwrites
    else:
        with pytest.raises(SheetNotFound, match="does not exist: check LOCAL_SHEET_PATH"):
            acd.load_inv_table(settings)
        assert not settings.local_sheet_path.exists()


def test_load_google_sheet_keeps_text_and_extra_columns(make_settings):
    settings = make_settings()
    row = sheet_row("00123", SOURCE_HEADERS, base={}, inv_dollars="1,234", notes="=SUM(A1)", to_client="O'Brien & Sons")
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": table(
        [*row, "kept"], [], [*row, ""], header=[*SOURCE_HEADERS, "my_formula_column"])})
    frame = acd.load_google_sheet(settings)
    assert list(frame.columns) == ["_row", *SOURCE_HEADERS, "my_formula_column"]
    assert frame.loc[0, "invoice"] == "00123"
    assert frame.loc[0, "inv_dollars"] == "1,234"
    assert frame.loc[0, "notes"] == "=SUM(A1)"
    assert frame.loc[0, "my_formula_column"] == "kept"
    assert list(frame["_row"]) == [2, 4]


@pytest.mark.parametrize("header, expected", [
    ([h for h in SOURCE_HEADERS if h != "inv_dollars"], "missing column(s): inv_dollars"),
    ([*SOURCE_HEADERS, "status"], "duplicated header(s): status"),
    ([*SOURCE_HEADERS[:5], "", *SOURCE_HEADERS[5:]], "blank header cell(s) in column(s): F"),
], ids=["missing", "duplicate", "blank"])
def test_header_problems_name_the_column_and_change_nothing(make_settings, header, expected):
    settings = make_settings()
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": table(["x"] * len(header), header=header)})
    before = settings.local_sheet_path.read_bytes()
    with pytest.raises(HeaderError) as info:
        acd.load_inv_table(settings)
    assert expected in str(info.value)
    assert "Worksheet 'inv_tbl' row 1 needs fixing" in str(info.value)
    assert settings.local_sheet_path.read_bytes() == before
