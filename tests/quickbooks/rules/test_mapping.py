"""The pure row -> QuickBooks payload layer: strict cell parsers, name matching, Invoice/Bill bodies, grouping.

Table-driven: each case is a sheet row (a good row plus the cells that differ) and the payload value or the
message fragment a finance person would read in `qb_error`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from quickbooks.rules.directions import Direction
from quickbooks.rules.mapping import (MappingContext, NameIndex, Payload, RowError, SheetRow, group_rows, map_rows,
                                normalize_name)
from quickbooks.rules.values import clean_text, parse_money, parse_optional_money, parse_sheet_date
from tests.builders import cells as row_cells, rule_row

TODAY = date(2026, 4, 1)
ABSENT = object()

CUSTOMERS = [
    {"Id": "1", "DisplayName": "Globex LLC"},
    {"Id": "2", "DisplayName": "O'Brien & Sons", "Active": True},
    {"Id": "3", "DisplayName": "Zoë Café Ltd"},
    {"Id": "4", "DisplayName": "Rocket 🚀 Labs"},
    {"Id": "5", "DisplayName": "Old Co", "Active": False},
    {"Id": "6", "DisplayName": "Twin Co"},
    {"Id": "7", "DisplayName": "twin  co"},
    {"Id": "8", "DisplayName": "Acme Corporation"},
    {"Id": "9", "DisplayName": "Initech"},
    {"Id": "10", "DisplayName": "Acme"},
]
VENDORS = [{"Id": "56", "DisplayName": "Accelebrate"}, {"Id": "57", "DisplayName": "BHanalytics"}]
EXPLICIT = {"Acme Corp": "Acme Corporation", "Globex": "1", "Ghost": "Nobody Inc", "Acme": "8"}
SHEET_MAP = {"Initech Europe": "Initech", "Acme Corp": "Globex LLC"}


def make_ctx(**changes) -> MappingContext:
    base = MappingContext(today=TODAY, item_id="1", item_name="Services", expense_account="7",
                          customers=NameIndex.build(CUSTOMERS, EXPLICIT, SHEET_MAP),
                          vendors=NameIndex.build(VENDORS))
    return dataclasses.replace(base, **changes)


GOOD = row_cells("ACD-2026-014", inv_dollars="$1,500.00", owed2ACD="300", owed2workers="1,200.00")
GOOD_BILL = {**GOOD, "invoice": "ACC-88213", "inv_from": "Accelebrate", "to_client": "ACD",
             "owed2ACD": "", "owed2workers": ""}


def row(n: int = 2, base: dict = GOOD, **values: str) -> SheetRow:
    return rule_row(n, **{**base, **values})


def dig(body: dict, path: tuple):
    value = body
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError):
            return ABSENT
    return value


# --- strict cell parsers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1500", "1500.00"), ("1500.5", "1500.50"), ("1234.50", "1234.50"), ("$1,234.50", "1234.50"),
    (" 1,050.25 ", "1050.25"), ("1 234,50", "1234.50"), ("1.234,50", "1234.50"), ("1,234", "1234.00"),
    ("$ 2,345.67", "2345.67"), ("1\u00a0234.50", "1234.50"), ("1500.500", "1500.50"), ("9999999999.99", "9999999999.99"),
], ids=["integer", "one-decimal", "two-decimals", "dollar-and-commas", "padded", "space-group-decimal-comma",
        "dot-group-decimal-comma", "us-grouping-no-cents", "dollar-space", "no-break-space-group",
        "trailing-zero-decimal", "largest"])
def test_parse_money_accepts(text, expected):
    assert parse_money(text) == Decimal(expected)
    assert str(parse_money(text)) == expected


@pytest.mark.parametrize("text, fragment", [
    ("", "inv_dollars is blank: enter the invoice total"),
    ("   ", "inv_dollars is blank"),
    ("abc", "inv_dollars 'abc' is not an amount"),
    ("-5", "inv_dollars '-5' is negative"),
    ("(5.00)", "inv_dollars '(5.00)' is negative"),
    ("0", "inv_dollars is 0"),
    ("0.00", "inv_dollars is 0"),
    ("$1,234.567", "at most 2 decimals"),
    ("1e9", "inv_dollars '1e9' is in scientific notation"),
    ("1,23", "inv_dollars '1,23' is ambiguous"),
    ("1234,50", "is ambiguous"),
    ("1.234.567", "is ambiguous"),
    ("10000000000", "too large"),
    ("1234567890123456", "too large"),
    ("12 apples", "is not an amount"),
], ids=["blank", "spaces-only", "text", "negative", "accounting-negative", "zero", "zero-cents", "three-decimals",
        "scientific", "ambiguous-comma", "bare-decimal-comma", "dots-only-grouping", "ten-billion", "sixteen-digits",
        "number-and-words"])
def test_parse_money_rejects(text, fragment):
    with pytest.raises(ValueError) as info:
        parse_money(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize("text, expected", [("", None), ("  ", None), ("0", Decimal("0.00")),
                                            ("300", Decimal("300.00")), ("$1,200.5", Decimal("1200.50"))],
                         ids=["blank", "spaces", "zero-allowed", "integer", "formatted"])
def test_parse_optional_money(text, expected):
    assert parse_optional_money(text, "owed2ACD") == expected


def test_parse_optional_money_names_its_column():
    with pytest.raises(ValueError) as info:
        parse_optional_money("lots", "owed2workers")
    assert "owed2workers 'lots' is not an amount" in str(info.value)


@pytest.mark.parametrize("text, expected", [
    ("", None), ("2026-03-02", date(2026, 3, 2)), ("2026-03-02 00:00:00", date(2026, 3, 2)),
    ("2026-03-02T10:00:00", date(2026, 3, 2)), ("03/15/2026", date(2026, 3, 15)), ("3/5/2026", date(2026, 3, 5)),
    ("45000", date(2023, 3, 15)), ("45000.5", date(2023, 3, 15)), (" 2026-3-2 ", date(2026, 3, 2)),
], ids=["blank", "iso", "iso-midnight", "iso-T-time", "us-padded", "us-month-first", "serial", "serial-with-time",
        "iso-unpadded"])
def test_parse_sheet_date_accepts(text, expected):
    assert parse_sheet_date(text, "submitted_date") == expected


@pytest.mark.parametrize("text, fragment", [
    ("31/02/2026", "submitted_date '31/02/2026' is not a date: use YYYY-MM-DD or MM/DD/YYYY"),
    ("yesterday", "submitted_date 'yesterday' is not a date"),
    ("2026-02-30", "'2026-02-30' is not a date"),
    ("1900-01-01", "has the year 1900"),
    ("01/01/2150", "has the year 2150"),
    ("300", "'300' is not a date"),
    ("99999", "'99999' is not a date"),
], ids=["day-first-impossible", "word", "february-30", "far-past", "far-future", "small-serial", "serial-after-2099"])
def test_parse_sheet_date_rejects(text, fragment):
    with pytest.raises(ValueError) as info:
        parse_sheet_date(text, "submitted_date")
    assert fragment in str(info.value)


@pytest.mark.parametrize("text, expected", [
    ("  plain  ", "plain"), ("a\x00b\x07c", "abc"), ("line1\r\nline2\tcol", "line1\nline2\tcol"),
    ("evil\u202etxt.exe", "eviltxt.exe"), ("\u2066iso\u2069 \u202aembed\u202c", "iso embed"),
    ("Zoë Café 🚀 O'Brien", "Zoë Café 🚀 O'Brien"), ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),
], ids=["strip", "control-chars", "keeps-newline-and-tab", "rtl-override", "isolates-and-embeddings",
        "accents-emoji-apostrophe", "formula-text"])
def test_clean_text(text, expected):
    assert clean_text(text) == expected


# --- name matching ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("Globex LLC", ("1", "Globex LLC")), ("  globex   llc ", ("1", "Globex LLC")),
    ("O'Brien & Sons", ("2", "O'Brien & Sons")), ("ZOË CAFÉ LTD", ("3", "Zoë Café Ltd")),
    (unicodedata.normalize("NFD", "Zoë Café Ltd"), ("3", "Zoë Café Ltd")), ("rocket 🚀 labs", ("4", "Rocket 🚀 Labs")),
    ("Acme Corp", ("8", "Acme Corporation")), ("Globex", ("1", "Globex LLC")), ("Acme", ("8", "Acme Corporation")),
    ("Initech Europe", ("9", "Initech")), ("Acme: West", None), ("Old Co", None), ("Twin Co", None),
    ("Ghost", None), ("Nobody", None), ("", None),
], ids=["exact", "case-and-spaces", "apostrophe-ampersand", "accents-any-case", "decomposed-accents", "emoji",
        "explicit-by-name", "explicit-by-id", "explicit-beats-displayname", "sheet-map", "colon-not-found",
        "inactive", "ambiguous", "explicit-target-missing", "unknown", "blank"])
def test_name_index_resolve(name, expected):
    assert make_ctx().customers.resolve(name) == expected


def test_name_index_explains_misses():
    index = make_ctx().customers
    assert index.ambiguous("TWIN CO") and [m[0] for m in index.matches("Twin Co")] == ["6", "7"]
    assert index.inactive("Old Co") and not index.ambiguous("Old Co")
    assert index.alias_of("acme corp") == ("Acme Corporation", "config/qb_customers.json")  # explicit first
    assert index.alias_of("initech europe") == ("Initech", "the qb_customers tab")
    assert normalize_name("  Zoë   CAFÉ\u202e ") == "zoë café"


# --- Invoice and Bill bodies -----------------------------------------------------------------------------

def test_invoice_body():
    payload = map_rows([row(7)], Direction.INVOICE, make_ctx())
    assert isinstance(payload, Payload)
    assert payload.body == {
        "DocNumber": "ACD-2026-014", "TxnDate": "2026-03-02",
        "CustomerRef": {"value": "1", "name": "Globex LLC"},
        "Line": [{"Amount": 1500.0, "DetailType": "SalesItemLineDetail", "Description": "PY-301: Python training, 3 days",
                  "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"},
                                          "TaxCodeRef": {"value": "NON"}}}],   # a US company, services not taxable
        "PrivateNote": "From: ACD | ACD share: 300.00 | Workers' share: 1200.00",
    }
    assert (payload.direction, payload.key, payload.doc_number, payload.amount, payload.party_id,
            payload.party_name, payload.rows) == (Direction.INVOICE, "ACD-2026-014", "ACD-2026-014",
                                                  Decimal("1500.00"), "1", "Globex LLC", (7,))
    assert json.loads(json.dumps(payload.body)) == payload.body


def test_bill_body_with_ap_account():
    payload = map_rows([row(9, GOOD_BILL)], Direction.BILL, make_ctx(ap_account="33"))
    assert isinstance(payload, Payload)
    assert payload.body == {
        "DocNumber": "ACC-88213", "TxnDate": "2026-03-02",
        "VendorRef": {"value": "56", "name": "Accelebrate"},
        "Line": [{"Amount": 1500.0, "DetailType": "AccountBasedExpenseLineDetail",
                  "Description": "PY-301: Python training, 3 days",
                  "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}}}],
        "APAccountRef": {"value": "33"},
        "PrivateNote": "From: Accelebrate",
    }
    assert (payload.party_id, payload.direction, payload.rows) == ("56", Direction.BILL, (9,))


@pytest.mark.parametrize("cells, changes, path, expected", [
    ({}, {"ap_account": ""}, ("APAccountRef",), ABSENT),
    ({"inv_from": " bhanalytics "}, {}, ("VendorRef", "value"), "57"),
    ({"inv_dollars": "1.234,50"}, {}, ("Line", 0, "Amount"), 1234.5),
], ids=["bill-without-ap-account", "bill-vendor-case-insensitive", "bill-european-amount"])
def test_bill_fields(cells, changes, path, expected):
    payload = map_rows([row(3, GOOD_BILL, **cells)], Direction.BILL, make_ctx(**changes))
    assert isinstance(payload, Payload), payload
    assert dig(payload.body, path) == expected


@pytest.mark.parametrize("cells, changes, path, expected", [
    ({"to_client": "O'Brien & Sons"}, {}, ("CustomerRef",), {"value": "2", "name": "O'Brien & Sons"}),
    ({"to_client": "zoë café ltd"}, {}, ("CustomerRef", "value"), "3"),
    ({"to_client": "Rocket 🚀 Labs"}, {}, ("CustomerRef", "value"), "4"),
    ({"to_client": "Globex\u202e LLC\x00"}, {}, ("CustomerRef", "value"), "1"),
    ({"to_client": "ACD"}, {"customer_field": "end_client"}, ("CustomerRef", "name"), "Initech"),
    ({}, {"doc_prefix": "P-"}, ("DocNumber",), "P-ACD-2026-014"),
    ({"invoice": "  ACD-7 "}, {}, ("DocNumber",), "ACD-7"),
    ({"invoice": "A" * 21}, {}, ("DocNumber",), "A" * 21),
    ({"inv_dollars": "1234.5"}, {}, ("Line", 0, "Amount"), 1234.5),
    ({}, {"item_name": ""}, ("Line", 0, "SalesItemLineDetail", "ItemRef"), {"value": "1"}),
    ({"job_name": ""}, {}, ("Line", 0, "Description"), "Python training, 3 days"),
    ({"task_descr": ""}, {}, ("Line", 0, "Description"), "PY-301"),
    ({"task_descr": "", "job_name": " "}, {}, ("Line", 0, "Description"), ABSENT),
    ({"task_descr": "Zoë's\x00 training\u202e 🚀\r\nday 2"}, {}, ("Line", 0, "Description"),
     "PY-301: Zoë's training 🚀\nday 2"),
    ({"task_descr": '=HYPERLINK("http://x","y")'}, {}, ("Line", 0, "Description"), 'PY-301: =HYPERLINK("http://x","y")'),
    ({"task_descr": "x" * 3992}, {}, ("Line", 0, "Description"), "PY-301: " + "x" * 3992),
    ({"submitted_date": ""}, {}, ("TxnDate",), "2026-04-01"),
    ({"submitted_date": "03/15/2026"}, {}, ("TxnDate",), "2026-03-15"),
    ({"submitted_date": "46082"}, {}, ("TxnDate",), "2026-03-01"),
    ({"Inv_paid_date": "46113.25"}, {}, ("DueDate",), "2026-04-01"),
    ({"Inv_paid_date": "2026-03-20"}, {}, ("DueDate",), "2026-03-20"),
    ({"Inv_paid_date": "2026-03-02"}, {}, ("DueDate",), "2026-03-02"),
    ({"Inv_paid_date": "2026-02-01"}, {}, ("DueDate",), ABSENT),
    ({"Inv_paid_date": "2026-03-31", "submitted_date": ""}, {}, ("DueDate",), ABSENT),
    ({"Inv_paid_date": ""}, {}, ("DueDate",), ABSENT),
    ({"notes": 'Call =HYPERLINK("http://x","y")', "thread": "+Re: PO 77"}, {}, ("PrivateNote",),
     "From: ACD | ACD share: 300.00 | Workers' share: 1200.00 | Notes: Call =HYPERLINK(\"http://x\",\"y\") | "
     "Thread: +Re: PO 77"),
    ({"owed2ACD": "", "owed2workers": "0", "notes": "late\x1b payer\u2066"}, {}, ("PrivateNote",),
     "From: ACD | Workers' share: 0.00 | Notes: late payer"),
    ({"inv_from": "", "owed2ACD": "", "owed2workers": ""}, {}, ("PrivateNote",), ABSENT),
], ids=["apostrophe-customer", "accented-customer-client-side", "emoji-customer", "hidden-chars-in-customer",
        "end-client-as-customer", "doc-prefix", "invoice-stripped", "21-characters-ok", "amount-json-number",
        "item-without-name", "description-task-only", "description-job-only", "description-absent",
        "description-cleaned", "formula-description-stays-text", "description-4000-ok", "txn-date-today-when-blank",
        "txn-date-us", "txn-date-serial", "due-date-serial", "due-date-after", "due-date-same-day",
        "due-date-before-omitted", "due-date-before-today-omitted", "due-date-blank", "private-note-all-parts",
        "private-note-skips-blanks-cleaned", "private-note-absent"])
def test_invoice_fields(cells, changes, path, expected):
    payload = map_rows([row(4, **cells)], Direction.INVOICE, make_ctx(**changes))
    assert isinstance(payload, Payload), payload
    assert dig(payload.body, path) == expected


def test_long_private_note_is_truncated_not_an_error():
    payload = map_rows([row(4, notes="n" * 5000)], Direction.INVOICE, make_ctx())
    assert isinstance(payload, Payload)
    note = payload.body["PrivateNote"]
    assert len(note) == 4000 and note.endswith("…") and note.startswith("From: ACD | ACD share: 300.00")


@pytest.mark.parametrize("cells, direction, changes, fragment", [
    ({"invoice": ""}, Direction.INVOICE, {}, "invoice is blank: every row needs an invoice number"),
    ({"invoice": "A" * 22}, Direction.INVOICE, {},
     f"Invoice number '{'A' * 22}' is 22 characters; QuickBooks allows 21"),
    ({"invoice": "A" * 20}, Direction.INVOICE, {"doc_prefix": "PP"},
     f"Invoice number 'PP{'A' * 20}' is 22 characters; QuickBooks allows 21 (including the prefix 'PP')"),
    ({"invoice": "ACD-1\n2"}, Direction.INVOICE, {},
     "Invoice number 'ACD-1\\n2' contains '\\n': QuickBooks cannot search for such a number"),
    ({"invoice": "ACD\t7"}, Direction.BILL, {}, "contains '\\t'"),
    ({"invoice": "Ü-12"}, Direction.INVOICE, {}, "Invoice number 'Ü-12' contains 'Ü'"),
    ({"invoice": "A\u200bB"}, Direction.INVOICE, {}, "contains '\\u200b'"),
    ({"inv_dollars": ""}, Direction.INVOICE, {}, "inv_dollars is blank: enter the invoice total"),
    ({"inv_dollars": "abc"}, Direction.INVOICE, {}, "inv_dollars 'abc' is not an amount"),
    ({"inv_dollars": "-5"}, Direction.INVOICE, {}, "inv_dollars '-5' is negative"),
    ({"inv_dollars": "0"}, Direction.INVOICE, {}, "inv_dollars is 0"),
    ({"inv_dollars": "$1,234.567"}, Direction.INVOICE, {}, "at most 2 decimals"),
    ({"inv_dollars": "1e9"}, Direction.INVOICE, {}, "scientific notation"),
    ({"to_client": "Acme Widgets"}, Direction.INVOICE, {},
     "Customer 'Acme Widgets' is not in QuickBooks: add it to config/qb_customers.json, the qb_customers tab, "
     "or QuickBooks"),
    ({"to_client": "Acme: West"}, Direction.INVOICE, {},
     "Customer 'Acme: West' is not in QuickBooks: add it to config/qb_customers.json"),
    ({"to_client": "  "}, Direction.INVOICE, {}, "to_client is blank: enter the customer's name"),
    ({"end_client": ""}, Direction.INVOICE, {"customer_field": "end_client"}, "end_client is blank"),
    ({"to_client": "Twin Co"}, Direction.INVOICE, {}, "matches several customers in QuickBooks (Ids 6, 7)"),
    ({"to_client": "Old Co"}, Direction.INVOICE, {}, "Customer 'Old Co' is inactive in QuickBooks"),
    ({"to_client": "Ghost"}, Direction.INVOICE, {},
     "Customer 'Ghost' is mapped to 'Nobody Inc' in config/qb_customers.json, but QuickBooks has no active customer"),
    ({"submitted_date": "31/02/2026"}, Direction.INVOICE, {},
     "submitted_date '31/02/2026' is not a date: use YYYY-MM-DD or MM/DD/YYYY"),
    ({"submitted_date": "yesterday"}, Direction.INVOICE, {}, "submitted_date 'yesterday' is not a date"),
    ({"Inv_paid_date": "soon"}, Direction.INVOICE, {}, "Inv_paid_date 'soon' is not a date"),
    ({"task_descr": "d" * 5000}, Direction.INVOICE, {},
     "The description (job_name + task_descr) is 5,008 characters; QuickBooks allows 4,000"),
    ({"owed2ACD": "a third"}, Direction.INVOICE, {}, "owed2ACD 'a third' is not an amount"),
    ({"owed2workers": "-10"}, Direction.INVOICE, {}, "owed2workers '-10' is negative"),
    ({}, Direction.INVOICE, {"item_id": ""}, "QB_DEFAULT_ITEM_ID is not set"),
    ({"inv_from": "Acme Widgets"}, Direction.BILL, {},
     "Vendor 'Acme Widgets' is not in QuickBooks: add it in QuickBooks (Expenses > Vendors)"),
    ({"inv_from": ""}, Direction.BILL, {}, "inv_from is blank"),
    ({"inv_from": "Accelebrate"}, Direction.BILL, {"expense_account": ""}, "QB_DEFAULT_EXPENSE_ACCOUNT is not set"),
], ids=["blank-invoice", "22-char-invoice", "22-chars-with-prefix", "line-break-in-number", "tab-in-bill-number",
        "non-ascii-number", "zero-width-space-in-number", "blank-amount", "text-amount", "negative-amount",
        "zero-amount", "three-decimals", "scientific-amount", "unknown-customer", "colon-customer", "blank-to-client",
        "blank-end-client", "two-customers-match", "inactive-customer", "mapping-to-missing-customer",
        "impossible-date", "word-date", "bad-paid-date", "description-5000", "bad-owed2ACD", "negative-owed2workers",
        "no-item-configured", "unknown-vendor", "blank-vendor", "no-expense-account"])
def test_row_errors(cells, direction, changes, fragment):
    result = map_rows([row(6, **cells)], direction, make_ctx(**changes))
    assert isinstance(result, RowError), result
    assert fragment in result.message
    assert (result.rows, result.direction) == ((6,), direction)
    assert not result.message.startswith("row ")  # a single row's message needs no row number


def test_several_problems_in_one_row_are_reported_together():
    result = map_rows([row(11, invoice=" ", inv_dollars="abc", to_client="Acme Widgets", submitted_date="yesterday",
                           owed2ACD="?")], Direction.INVOICE, make_ctx())
    assert isinstance(result, RowError)
    assert result.key == ""
    parts = result.message.split("; ")
    assert parts == [
        "invoice is blank: every row needs an invoice number",
        "Customer 'Acme Widgets' is not in QuickBooks: add it to config/qb_customers.json, the qb_customers tab, "
        "or QuickBooks",
        "inv_dollars 'abc' is not an amount: enter a number such as 1234.50",
        "owed2ACD '?' is not an amount: enter a number such as 1234.50",
        "submitted_date 'yesterday' is not a date: use YYYY-MM-DD or MM/DD/YYYY",
    ]


# --- duplicate invoice numbers and grouping --------------------------------------------------------------

def test_duplicate_invoice_without_grouping_names_the_other_row():
    rows = [row(5, invoice="ACD-9 "), row(2, invoice="ACD-9", inv_dollars="100"), row(3, invoice="ACD-10")]
    groups, errors = group_rows(rows, group_by_invoice=False)
    assert [[r.row for r in g] for g in groups] == [[2], [3]]
    assert errors == [RowError(rows=(5,), key="ACD-9", direction=None, message=(
        "Invoice number 'ACD-9' is also on row 2: give each row its own number, or set QB_GROUP_BY_INVOICE=true "
        "to combine them into one invoice"))]


def test_duplicate_invoice_with_grouping_makes_one_multi_line_invoice():
    rows = [row(5, invoice="ACD-9", inv_dollars="250.25", task_descr="Day 2", owed2ACD="50", owed2workers="",
                notes="second"),
            row(2, invoice=" ACD-9", inv_dollars="1,000", task_descr="Day 1", notes="first")]
    groups, errors = group_rows(rows, group_by_invoice=True)
    assert errors == [] and [[r.row for r in g] for g in groups] == [[2, 5]]
    payload = map_rows(groups[0], Direction.INVOICE, make_ctx())
    assert isinstance(payload, Payload)
    assert payload.rows == (2, 5) and payload.amount == Decimal("1250.25")
    assert [(line["Amount"], line["Description"]) for line in payload.body["Line"]] == [
        (1000.0, "PY-301: Day 1"), (250.25, "PY-301: Day 2")]
    assert payload.body["PrivateNote"] == ("From: ACD | ACD share: 350.00 | Workers' share: 1200.00 | "
                                           "Notes: first / second")


def test_blank_invoice_rows_stay_separate_groups():
    groups, errors = group_rows([row(2, invoice=""), row(3, invoice="  ")], group_by_invoice=True)
    assert errors == [] and [[r.row for r in g] for g in groups] == [[2], [3]]


@pytest.mark.parametrize("second, fragments", [
    ({"inv_dollars": "abc", "submitted_date": "yesterday"},
     ["row 8: inv_dollars 'abc' is not an amount", "row 8: submitted_date 'yesterday' is not a date"]),
    ({"to_client": "O'Brien & Sons"},
     ["Rows sharing invoice 'ACD-9' name different customers: 'Globex LLC' (row 2) and 'O'Brien & Sons' (row 8)"]),
], ids=["each-row-reports-its-own-problems", "rows-name-different-customers"])
def test_group_errors(second, fragments):
    result = map_rows([row(2, invoice="ACD-9"), row(8, invoice="ACD-9", **second)], Direction.INVOICE, make_ctx())
    assert isinstance(result, RowError)
    assert result.rows == (2, 8) and result.key == "ACD-9"
    for fragment in fragments:
        assert fragment in result.message
    assert "row 2:" not in result.message


def test_group_rows_resolving_to_the_same_customer_are_fine():
    payload = map_rows([row(2, to_client="Globex"), row(3, to_client="globex llc")], Direction.INVOICE, make_ctx())
    assert isinstance(payload, Payload) and payload.party_id == "1" and len(payload.body["Line"]) == 2


# --- payload hash ----------------------------------------------------------------------------------------

def test_payload_hash_is_stable_across_dict_ordering():
    body = {"DocNumber": "A-1", "Line": [{"Amount": 10.0, "DetailType": "X"}], "CustomerRef": {"value": "1"}}
    reordered = {"CustomerRef": {"value": "1"}, "Line": [{"DetailType": "X", "Amount": 10.0}], "DocNumber": "A-1"}
    common = dict(direction=Direction.INVOICE, key="A-1", doc_number="A-1", amount=Decimal("10.00"),
                  party_id="1", party_name="Globex LLC", rows=(2,))
    first, second = Payload(body=body, **common), Payload(body=reordered, **common)
    canonical = '{"CustomerRef":{"value":"1"},"DocNumber":"A-1","Line":[{"Amount":10.0,"DetailType":"X"}]}'
    assert first.payload_hash == second.payload_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert Payload(body={**body, "DocNumber": "A-2"}, **common).payload_hash != first.payload_hash


def test_same_row_maps_to_the_same_hash():
    one = map_rows([row(2)], Direction.INVOICE, make_ctx())
    shuffled = SheetRow(row=2, values={"qb_sync_status": "", **dict(reversed(list(GOOD.items())))})
    two = map_rows([shuffled], Direction.INVOICE, make_ctx())
    assert isinstance(one, Payload) and isinstance(two, Payload)
    assert one.payload_hash == two.payload_hash and len(one.payload_hash) == 64


def test_context_validates_its_settings():
    with pytest.raises(ValueError, match="customer_field"):
        make_ctx(customer_field="inv_from")
    with pytest.raises(ValueError, match="doc_prefix"):
        make_ctx(doc_prefix="P" * 21)
