"""pages/_grid.py: the invoices grid's sort, column filters, search and blocks, as AG Grid's infinite row model asks
for them. Pure: no Dash, no sheet."""

from __future__ import annotations

import pytest

from pages._grid import (MAX_BLOCK, block_bounds, filter_records, rows_for, search_records, search_text,
                         sort_records)

RECORDS = [
    {"_row": 2, "invoice": "A-1", "status": "paid", "to_client": "Globex LLC", "inv_dollars": "$1,000.50", "notes": ""},
    {"_row": 3, "invoice": "A-2", "status": " Pending ", "to_client": "Zoë Café Ltd", "inv_dollars": "200",
     "notes": "PO 4471"},
    {"_row": 4, "invoice": "B-1", "status": "pending", "to_client": "Initech", "inv_dollars": "(50.00)", "notes": ""},
    {"_row": 5, "invoice": "B-2", "status": "", "to_client": "globex llc", "inv_dollars": "", "notes": "net 30"},
    {"_row": 6, "invoice": "C-1", "status": "void", "to_client": "Initech", "inv_dollars": "TBD", "notes": ""},
]


def _invoices(records) -> list[str]:
    return [r["invoice"] for r in records]


def text(kind: str, value: str | None = None) -> dict:
    return {"filterType": "text", "type": kind, **({"filter": value} if value is not None else {})}


def num(kind: str, value=None, value_to=None) -> dict:
    return {"filterType": "number", "type": kind, "filter": value, **({"filterTo": value_to} if value_to else {})}


FILTERS = {
    "contains, any case": ({"to_client": text("contains", "GLOBEX")}, ["A-1", "B-2"]),
    "notContains: blank cells pass": ({"notes": text("notContains", "po")}, ["A-1", "B-1", "B-2", "C-1"]),
    "equals": ({"status": text("equals", "Paid")}, ["A-1"]),
    "notEqual": ({"status": text("notEqual", "pending")}, ["A-1", "A-2", "B-2", "C-1"]),
    "startsWith": ({"invoice": text("startsWith", "b-")}, ["B-1", "B-2"]),
    "endsWith": ({"invoice": text("endsWith", "-1")}, ["A-1", "B-1", "C-1"]),
    "text blank": ({"status": text("blank")}, ["B-2"]),
    "text notBlank": ({"notes": text("notBlank")}, ["A-2", "B-2"]),
    "amount equals": ({"inv_dollars": num("equals", 1000.5)}, ["A-1"]),
    "amount notEqual skips blanks": ({"inv_dollars": num("notEqual", 200)}, ["A-1", "B-1"]),
    "amount greaterThan": ({"inv_dollars": num("greaterThan", 200)}, ["A-1"]),
    "amount greaterThanOrEqual": ({"inv_dollars": num("greaterThanOrEqual", 200)}, ["A-1", "A-2"]),
    "amount lessThan, negative": ({"inv_dollars": num("lessThan", 0)}, ["B-1"]),
    "amount lessThanOrEqual": ({"inv_dollars": num("lessThanOrEqual", 200)}, ["A-2", "B-1"]),
    "amount inRange excludes the ends": ({"inv_dollars": num("inRange", -50, 1000.5)}, ["A-2"]),
    "amount blank: empty or unreadable": ({"inv_dollars": num("blank")}, ["B-2", "C-1"]),
    "amount notBlank": ({"inv_dollars": num("notBlank")}, ["A-1", "A-2", "B-1"]),
    "row number": ({"_row": num("greaterThan", 4)}, ["B-2", "C-1"]),
    "two columns": ({"to_client": text("contains", "initech"), "status": text("equals", "void")}, ["C-1"]),
    "OR of two conditions": ({"invoice": {"filterType": "text", "operator": "OR",
                                          "conditions": [text("equals", "a-1"), text("equals", "c-1")]}},
                             ["A-1", "C-1"]),
    "AND of two conditions": ({"inv_dollars": {"filterType": "number", "operator": "AND",
                                               "conditions": [num("greaterThan", 0), num("lessThan", 500)]}},
                              ["A-2"]),
    "condition1/condition2 (AG Grid before 31)": ({"invoice": {"filterType": "text", "operator": "OR",
                                                               "condition1": text("startsWith", "a"),
                                                               "condition2": text("startsWith", "c")}},
                                                  ["A-1", "A-2", "C-1"]),
    "no filter": ({}, ["A-1", "A-2", "B-1", "B-2", "C-1"]),
    "not a filter model": ("status=paid", ["A-1", "A-2", "B-1", "B-2", "C-1"]),
    "unknown operator: no filter": ({"status": text("regex", ".*")}, ["A-1", "A-2", "B-1", "B-2", "C-1"]),
    "a number filter without a number": ({"inv_dollars": num("equals", "abc")}, []),
}


@pytest.mark.parametrize("model, expected", FILTERS.values(), ids=FILTERS.keys())
def test_column_filters(model, expected):
    assert _invoices(filter_records(RECORDS, model)) == expected


SORTS = {
    "text ascending, any case": ([{"colId": "to_client", "sort": "asc"}], ["A-1", "B-2", "B-1", "C-1", "A-2"]),
    "amounts as numbers, blanks lowest": ([{"colId": "inv_dollars", "sort": "asc"}],
                                          ["B-2", "C-1", "B-1", "A-2", "A-1"]),
    "amounts descending": ([{"colId": "inv_dollars", "sort": "desc"}], ["A-1", "A-2", "B-1", "B-2", "C-1"]),
    "two keys": ([{"colId": "to_client", "sort": "asc"}, {"colId": "invoice", "sort": "desc"}],
                 ["B-2", "A-1", "C-1", "B-1", "A-2"]),
    "row number descending": ([{"colId": "_row", "sort": "desc"}], ["C-1", "B-2", "B-1", "A-2", "A-1"]),
    "no sort: sheet order": ([], ["A-1", "A-2", "B-1", "B-2", "C-1"]),
    "not a sort model": ({"colId": "invoice"}, ["A-1", "A-2", "B-1", "B-2", "C-1"]),
}


@pytest.mark.parametrize("model, expected", SORTS.values(), ids=SORTS.keys())
def test_sorting(model, expected):
    assert _invoices(sort_records(RECORDS, model)) == expected


@pytest.mark.parametrize("words, expected", [
    ("zoë", ["A-2"]), ("globex", ["A-1", "B-2"]), ("initech void", ["C-1"]), ("4471 pending", ["A-2"]),
    ("", ["A-1", "A-2", "B-1", "B-2", "C-1"]), (None, ["A-1", "A-2", "B-1", "B-2", "C-1"]), ("nothing", []),
])
def test_the_search_box_wants_every_word_somewhere_in_the_row(words, expected):
    assert _invoices(search_records(RECORDS, words)) == expected
    kept = [search_text(r) for r in RECORDS]   # what the invoices page keeps with its copy of the sheet
    assert _invoices(search_records(RECORDS, words, kept)) == expected


def test_a_search_word_never_spans_two_cells():
    assert search_records([{"a": "glob", "b": "ex"}], "globex") == []


@pytest.mark.parametrize("request_, bounds", [
    ({"startRow": 100, "endRow": 200}, (100, 200)),
    ({"startRow": -5, "endRow": 10}, (0, 10)),
    ({"startRow": 10, "endRow": 5}, (10, 10)),
    ({"startRow": 0, "endRow": 10 ** 9}, (0, MAX_BLOCK)),
    ({"startRow": "x", "endRow": None}, (0, 100)),
    ({}, (0, 100)),
])
def test_block_bounds(request_, bounds):
    assert block_bounds(request_) == bounds


def test_rows_for_searches_filters_sorts_then_cuts_the_block():
    request = {"startRow": 1, "endRow": 3, "sortModel": [{"colId": "inv_dollars", "sort": "desc"}],
               "filterModel": {"status": text("notEqual", "void")}}
    rows, count = rows_for(RECORDS, request, search=None)
    assert (_invoices(rows), count) == (["A-2", "B-1"], 4)
    rows, count = rows_for(RECORDS, request, search="globex")
    assert (_invoices(rows), count) == (["B-2"], 2)
