"""The demo `inv_tbl`: deterministic, unique, realistic, and readable by sankey_helpers."""

import re
from collections import Counter
from datetime import date

import pytest

from spreadsheet.demo_rows import demo_inv_tbl, scaled_inv_tbl
from sankey_helpers import (
    SOURCE_HEADERS, build_sankey, inv_tbl_records, totals_by_month, totals_by_status, validate_headers,
)
from spreadsheet.cells import parse_amount, parse_date

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def table():
    return demo_inv_tbl(today=TODAY)


@pytest.fixture(scope="module")
def records(table):
    return inv_tbl_records(table)[1]


def test_header_is_source_columns_only(table):
    assert table[0] == list(SOURCE_HEADERS)
    assert not any(name.startswith("qb_") for name in table[0])
    assert len(table) == 151


def test_all_rows_are_full_width_strings(table):
    for row in table:
        assert len(row) == len(SOURCE_HEADERS)
        assert all(isinstance(cell, str) for cell in row)


def test_validates_against_validate_headers(table):
    header_map = validate_headers("inv_tbl", table[0], SOURCE_HEADERS, table[1:])
    assert header_map.names == list(SOURCE_HEADERS)


@pytest.mark.parametrize("kwargs", [{}, {"n_rows": 40, "seed": 7}], ids=["default", "custom-seed"])
def test_deterministic(kwargs):
    assert demo_inv_tbl(today=TODAY, **kwargs) == demo_inv_tbl(today=TODAY, **kwargs)


def test_seed_changes_data():
    assert demo_inv_tbl(n_rows=30, seed=1, today=TODAY) != demo_inv_tbl(n_rows=30, seed=2, today=TODAY)


@pytest.mark.parametrize("n_rows", [0, 1, 150, 2_500], ids=["empty", "one", "default-size", "large"])
def test_row_count_and_unique_invoices(n_rows):
    table = demo_inv_tbl(n_rows=n_rows, today=TODAY)
    invoices = [row[0] for row in table[1:]]
    assert len(invoices) == n_rows
    assert len(set(invoices)) == n_rows
    assert all(invoice.strip() == invoice and invoice for invoice in invoices)


def test_scaled_table_unique():
    table = scaled_inv_tbl(10_000, today=TODAY)
    invoices = [row[0] for row in table[1:]]
    assert len(invoices) == 10_000 and len(set(invoices)) == 10_000


@pytest.mark.parametrize(
    "prefix, pattern",
    [("ACD", r"^ACD-\d{4}-\d{3,}$"), ("ACC", r"^ACC-\d+$"), ("BH", r"^BH \d+$")],
    ids=["acd", "accelebrate", "bhanalytics"],
)
def test_invoice_number_forms(records, prefix, pattern):
    matching = [r["invoice"] for r in records if r["invoice"].startswith(prefix)]
    assert matching and all(re.match(pattern, invoice) for invoice in matching)


def test_status_mix(records):
    raw = Counter(r["status"] for r in records)
    normalised = Counter(r["status"].strip().lower() for r in records)
    assert {"draft", "submitted", "pending", "paid"} <= set(normalised)
    assert set(normalised) <= {"draft", "submitted", "pending", "paid", "void"}
    assert any(s != s.strip().lower() for s in raw), "some statuses should be typed with spaces or capitals"


def test_money_in_and_money_out(records):
    money_in = [r for r in records if r["inv_from"] == "ACD"]
    money_out = [r for r in records if r["inv_from"] in ("Accelebrate", "BHanalytics")]
    assert len(money_in) + len(money_out) == len(records)
    assert {r["inv_from"] for r in money_out} == {"Accelebrate", "BHanalytics"}
    assert all(r["to_client"] == "ACD" for r in money_out)
    assert len({r["to_client"].strip() for r in money_in}) >= 4
    assert len({r["end_client"] for r in records}) >= 5


def test_amounts_parse_and_shares_add_up(records):
    for r in records:
        total = parse_amount(r["inv_dollars"])
        assert total is not None and total > 0, r
        if r["inv_from"] == "ACD":
            assert parse_amount(r["owed2ACD"]) + parse_amount(r["owed2workers"]) == total, r
    forms = {r["inv_dollars"] for r in records}
    assert any(v.startswith("$") for v in forms)
    assert any("," in v and not v.startswith("$") for v in forms)
    assert any(re.fullmatch(r"\d+", v) for v in forms)
    assert any(re.fullmatch(r"\d+\.\d\d", v) for v in forms)
    assert any(parse_amount(v) != parse_amount(v).to_integral_value() for v in forms)  # cents


def test_dates(records):
    start = date(TODAY.year - 1, TODAY.month, TODAY.day)
    submitted = [r["submitted_date"] for r in records if r["submitted_date"]]
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in submitted)
    assert any(re.fullmatch(r"\d{2}/\d{2}/\d{4}", d) for d in submitted)
    for r in records:
        if r["submitted_date"]:
            assert start <= parse_date(r["submitted_date"]) < TODAY
        job_start, job_end = parse_date(r["job_start"]), parse_date(r["job_end"])
        assert job_start and job_end and job_start <= job_end
        paid = r["Inv_paid_date"]
        assert bool(paid) == (r["status"].strip().lower() == "paid"), r
        if paid:
            assert parse_date(r["submitted_date"]) <= parse_date(paid) <= TODAY


def test_realistic_text(table, records):
    cells = {cell for row in table[1:] for cell in row}
    assert "O'Brien & Sons" in cells and "Zoë Café Ltd" in cells
    assert any(r["notes"].startswith(("=", "+")) for r in records)
    assert any(not r["inv_link"] for r in records) and any(r["inv_link"].startswith("https://") for r in records)
    assert all(r["thread"] for r in records)
    assert all(re.fullmatch(r"[A-Z]+-\d{3}", r["job_name"]) for r in records)
    assert all(re.fullmatch(r".+, \d+ (days?|hours?)", r["task_descr"]) for r in records)


def test_dashboards_read_demo_data(records):
    assert sum(g["count"] for g in totals_by_status(records)) == len(records)
    months = totals_by_month(records)
    assert sum(g["count"] for g in months) == len(records)
    assert 11 <= len([g for g in months if g["month"] != "(no date)"]) <= 13
    assert all(g["unparsed"] == 0 for g in months)
    labels = list(build_sankey(records).data[0].node.label)
    assert labels.count("ACD") == 2 and "Accelebrate" in labels and "Workers' share" in labels


def test_today_defaults_to_current_date():
    table = demo_inv_tbl(n_rows=20)
    dates = [parse_date(row[11]) for row in table[1:] if row[11]]
    assert dates and max(dates) < date.today()
