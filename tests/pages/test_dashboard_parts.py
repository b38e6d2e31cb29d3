"""The dashboards' pure parts, table-driven: the date range, column titles, QuickBooks link cells, the export's
cells and files (CSV/formula injection neutralised), dollar labels, the overview's header line and split note."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from pages import _export
from pages._grid import column_title, in_date_range, link_cell, number, shown_rows, web_link
from sankey_helpers import bar_figure, money_label


@pytest.fixture
def pages(tracker_app):
    """pages/invoices.py and pages/overview.py register Dash pages: they import only once an app exists."""
    from pages import invoices, overview

    return invoices, overview

DATED = [{"invoice": name, "submitted_date": day} for name, day in
         [("A", "2026-03-01"), ("B", "03/15/2026"), ("C", "2026-03-31"), ("D", ""), ("E", "2026-04-01"),
          ("F", "not a date")]]


@pytest.mark.parametrize("start, end, expected", [
    (None, None, "ABCDEF"),                     # no range: every row, undated ones too
    ("", "", "ABCDEF"),
    ("2026-03-01", "2026-03-31", "ABC"),        # both ends included; US-order dates read too
    ("2026-03-02", None, "BCE"),                # open end
    (None, "2026-03-15", "AB"),                 # open start
    ("2026-04-02", None, ""),
    ("garbage", None, "ABCDEF"),                # an unreadable bound is no bound
])
def test_in_date_range(start, end, expected):
    assert "".join(r["invoice"] for r in in_date_range(DATED, start, end)) == expected


@pytest.mark.parametrize("name, grouped, title", [
    ("Inv_paid_date", True, "Paid date"), ("inv_dollars", True, "Amount"), ("owed2ACD", True, "ACD share"),
    ("qb_invoice_url", True, "Invoice"), ("qb_invoice_url", False, "QuickBooks invoice"),
    ("qb_paid_date", False, "QuickBooks paid date"), ("some_new_column", True, "Some new column"),
    ("_row", True, "Row"),
])
def test_column_title(name, grouped, title):
    assert column_title(name, grouped) == title


@pytest.mark.parametrize("value, url", [
    ("https://app.qbo.intuit.com/app/invoice?txnId=12", "https://app.qbo.intuit.com/app/invoice?txnId=12"),
    ("  http://127.0.0.1:8766/app/invoice?txnId=3 ", "http://127.0.0.1:8766/app/invoice?txnId=3"),
    ("javascript:alert(1)", None), ("data:text/html,<b>x</b>", None), ("ftp://host/x", None),
    ("https://x.example/a b", None), ('https://x.example/"onmouseover=', None), ("https://x/(y)", None),
    ("", None), (None, None),
])
def test_web_link_takes_only_plain_http_addresses(value, url):
    assert web_link(value) == url


@pytest.mark.parametrize("value, cell", [
    ("https://qbo.example/app/invoice?txnId=7", "[Open invoice](https://qbo.example/app/invoice?txnId=7)"),
    ("javascript:alert(1)", "javascript:alert\\(1\\)"),
    ("[click](javascript:alert(1))", "\\[click\\]\\(javascript:alert\\(1\\)\\)"),
    ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert\\(1\\)\\>"),
])
def test_link_cell_is_a_link_only_for_http(value, cell):
    assert link_cell(value, "Open invoice") == cell


def test_shown_rows_turn_only_the_link_columns_into_links():
    row = {"invoice": "A-1", "qb_invoice_url": "https://q.example/i?txnId=1", "qb_bill_url": "", "notes": "x"}
    assert shown_rows([row]) == [{**row, "qb_invoice_url": "[Open invoice](https://q.example/i?txnId=1)"}]


def test_the_grid_pins_the_invoice_and_groups_the_quickbooks_columns(pages):
    defs = pages[0].column_defs(["invoice", "status", "Inv_paid_date", "qb_invoice_id", "qb_invoice_url", "qb_bill_url"])
    assert defs[0]["field"] == "invoice" and defs[0]["pinned"] == "left"
    assert [d.get("headerName") for d in defs] == ["Invoice", "Row", "Status", "Paid date", "QuickBooks"]
    group = defs[-1]["children"]
    assert [c["headerName"] for c in group] == ["Invoice id", "Invoice", "Bill"]
    assert group[1]["cellRenderer"] == "markdown" and group[1]["linkTarget"] == "_blank"


@pytest.mark.parametrize("value, shown", [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"), ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("Globex LLC", "Globex LLC"), ("a=b", "a=b"), ("", ""), (12, 12),
])
def test_neutralise(value, shown):
    assert _export.neutralise(value) == shown


@pytest.mark.parametrize("value, as_number, cell", [
    ("$1,000.50", True, Decimal("1000.50")), ("-300", True, Decimal("-300")), (7, True, 7),
    ("-1+1", True, "'-1+1"),                     # not a number: text, neutralised
    ("-300", False, "'-300"), (None, False, ""), ("Zoë", False, "Zoë"),
])
def test_cell_value(value, as_number, cell):
    assert _export.cell_value(value, as_number, number) == cell


ROWS = [{"_row": 2, "invoice": "A-1", "to_client": "Zoë Café", "inv_dollars": "$1,000.50", "notes": "=1+2"},
        {"_row": 3, "invoice": "A-2", "to_client": "@evil", "inv_dollars": "", "notes": "line\nbreak, comma"}]
COLUMNS = ["_row", "invoice", "to_client", "inv_dollars", "notes"]
HEADER = ["Row", "Invoice", "Client", "Amount", "Notes"]


def test_csv_export_reads_back_with_csv():
    content, kind = _export.export(ROWS, COLUMNS, HEADER, "csv", numbers={"_row", "inv_dollars"},
                                   parse_number=number)
    assert kind == "text/csv" and content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        HEADER, ["2", "A-1", "Zoë Café", "1000.50", "'=1+2"], ["3", "A-2", "'@evil", "", "line\nbreak, comma"]]


def test_xlsx_export_reads_back_with_openpyxl():
    content, kind = _export.export(ROWS, COLUMNS, HEADER, "xlsx", numbers={"_row", "inv_dollars"},
                                   parse_number=number, sheet_title="Invoices")
    assert kind == _export.XLSX_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Invoices"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [HEADER, [2, "A-1", "Zoë Café", 1000.5, "'=1+2"], [3, "A-2", "'@evil", None, "line\nbreak, comma"]]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)   # no formula anywhere


def test_an_unknown_export_kind_is_refused():
    with pytest.raises(ValueError):
        _export.export(ROWS, COLUMNS, HEADER, "pdf")


@pytest.mark.parametrize("value, label", [
    (0, "$0"), (950, "$950"), (999.6, "$1k"), (12_345, "$12.3k"), (999_400, "$999k"), (999_999, "$1M"),
    (1_250_000, "$1.25M"), (-2_500, "-$2.5k"), (Decimal("3300.50"), "$3.3k"),
])
def test_money_label(value, label):
    assert money_label(value) == label


def test_bars_are_labelled_in_dollars_on_a_dollar_axis():
    figure = bar_figure([{"status": "paid", "count": 2, "total": Decimal("12345.60")}], "status")
    assert list(figure.data[0].text) == ["$12.3k"] and figure.layout.yaxis.tickprefix == "$"
    assert "2 rows" not in figure.data[0].hovertemplate and "%{customdata} rows" in figure.data[0].hovertemplate


@pytest.mark.parametrize("args, line", [
    ((150, 150, "local workbook"), "150 invoices from the local workbook."),
    ((2, 3, "local workbook", ["pending"]), "2 of 3 invoices from the local workbook (pending)."),
    ((1, 3, "Google Sheet", ["paid", "void"], ["ACD"], "2026-03-01", None),
     "1 of 3 invoices from the Google Sheet (paid, void; ACD; submitted 2026-03-01 to …)."),
    ((1_200, 5_000, "local workbook", None, None, None, "2026-03-31"),
     "1,200 of 5,000 invoices from the local workbook (submitted … to 2026-03-31)."),
])
def test_header_line(pages, args, line):
    assert pages[1].header_line(*args) == line


@pytest.mark.parametrize("rows, note", [
    ([{"inv_dollars": "100", "owed2ACD": "25", "owed2workers": "75"}], "Invoiced = ACD share + Workers' share."),
    ([{"inv_dollars": "100", "owed2ACD": "25", "owed2workers": "75"}, {"inv_dollars": "$300", "inv_from": "Vendor"}],
     "Invoiced $400.00 = ACD share $25.00 + Workers' share $75.00 + $300.00 with no split: 1 vendor row(s) carry no "
     "shares (they show as \"No split\" in the chart)."),
])
def test_split_note(pages, rows, note):
    assert pages[1].split_note(rows) == note
