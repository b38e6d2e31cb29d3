"""Header validation, records, lenient value parsing, totals and the Sankey figure of sankey_helpers."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from tracker.errors import HeaderError, SheetError
from sankey_helpers import (
    EXPECTED_HEADERS, INV_TBL, NO_DATE, QB_HEADERS, SOURCE_HEADERS, WORKSHEET_NAMES, HeaderMap,
    build_sankey, inv_tbl_records, plot_text, rows_to_records, totals_by_month, totals_by_status,
    validate_headers,
)
from spreadsheet.cells import month_key, parse_amount, parse_date
from spreadsheet.base import column_letter


# ------------------------------------------------------------------------------------------------ constants

def test_expected_headers_shape():
    assert WORKSHEET_NAMES == {1: "inv_tbl"} and INV_TBL == "inv_tbl"
    assert EXPECTED_HEADERS[1][:17] == list(SOURCE_HEADERS)
    assert EXPECTED_HEADERS[1][17:] == list(QB_HEADERS)
    assert len(SOURCE_HEADERS) == 17 and len(QB_HEADERS) == 13
    assert SOURCE_HEADERS[0] == "invoice" and "Inv_paid_date" in SOURCE_HEADERS
    assert all(name.startswith("qb_") for name in QB_HEADERS)
    assert len(set(EXPECTED_HEADERS[1])) == 30


@pytest.mark.parametrize("col, letter", [(1, "A"), (6, "F"), (26, "Z"), (27, "AA"), (28, "AB"), (702, "ZZ"),
                                         (703, "AAA")], ids=lambda v: str(v))
def test_column_letter(col, letter):
    assert column_letter(col) == letter


# ----------------------------------------------------------------------------------------- validate_headers

REQUIRED = ["invoice", "status", "inv_dollars"]

HEADER_ERROR_CASES = [
    # (header row, data rows, missing, duplicate, blank columns)
    (["invoice", "status"], None, ["inv_dollars"], [], []),
    (["invoice", "status", "inv_dollars", "status"], None, [], ["status"], []),
    (["invoice", "", "status", "inv_dollars"], [["A-1", "stray", "paid", "10"]], [], [], ["B"]),
    (["invoice", "status", "inv_dollars"], [["A-1", "paid", "10", "", "x"]], [], [], ["E"]),
    (["Invoice", "status", "inv_dollars"], None, ["invoice"], [], []),
    (["invoice", "status", "inv_dollars", "notes", "notes ", " notes"], None, [], ["notes"], []),
]


@pytest.mark.parametrize(
    "header, data, missing, duplicate, blank", HEADER_ERROR_CASES,
    ids=["missing", "duplicate", "blank-with-data", "data-beyond-header", "case-sensitive",
         "duplicate-after-trim-listed-once"],
)
def test_header_problems_raise(header, data, missing, duplicate, blank):
    with pytest.raises(HeaderError) as info:
        validate_headers("inv_tbl", header, REQUIRED, data)
    assert info.value.worksheet == "inv_tbl"
    assert info.value.missing == missing
    assert info.value.duplicate == duplicate
    assert info.value.blank_columns == blank
    assert isinstance(info.value, SheetError)


def test_all_problems_reported_at_once():
    header = ["invoice", "status", "", "status", "notes", "", "notes"]
    data = [["A-1", "paid", "oops", "", "", "", ""], ["", "", "", "", "", "   ", ""]]
    with pytest.raises(HeaderError) as info:
        validate_headers("inv_tbl", header, ["invoice", "inv_dollars", "owed2ACD"], data)
    err = info.value
    assert err.missing == ["inv_dollars", "owed2ACD"]
    assert err.duplicate == ["status", "notes"]
    assert err.blank_columns == ["C"]  # column F is blank but holds only spaces
    message = str(err)
    for fragment in ("inv_tbl", "inv_dollars", "owed2ACD", "status", "notes", "column(s): C"):
        assert fragment in message


@pytest.mark.parametrize(
    "header, data",
    [
        (["invoice", "status", "inv_dollars", "", ""], [["A-1", "paid", "10", "", "  "], ["A-2"]]),
        (["invoice", "", "status", "inv_dollars"], [["A-1", "", "paid", "10"], ["A-2", None, "paid"]]),
        (["invoice", "", "status", "inv_dollars"], None),
        (["invoice", "status", "inv_dollars", ""], []),
    ],
    ids=["trailing-blank-columns", "blank-middle-column-empty", "no-data-rows-given", "empty-data"],
)
def test_blank_headers_without_data_are_ignored(header, data):
    header_map = validate_headers("inv_tbl", header, REQUIRED, data)
    assert header_map.names == ["invoice", "status", "inv_dollars"]


def test_extras_kept_and_names_trimmed():
    header = [" invoice", "colour ", "status\t", "", "inv_dollars", "My formula col"]
    header_map = validate_headers("inv_tbl", header, [" invoice ", "status", "inv_dollars"], [])
    assert isinstance(header_map, HeaderMap)
    assert header_map.names == ["invoice", "colour", "status", "inv_dollars", "My formula col"]
    assert header_map.index("status") == 2
    assert header_map.index("inv_dollars") == 4
    assert header_map.index("My formula col") == 5
    assert "colour" in header_map and "qb_invoice_id" not in header_map
    assert header_map.missing(["invoice", "qb_invoice_id", "qb_error"]) == ["qb_invoice_id", "qb_error"]
    with pytest.raises(KeyError):
        header_map.index("nope")


def test_qb_columns_not_required_for_inv_tbl():
    header_map = validate_headers("inv_tbl", list(SOURCE_HEADERS), SOURCE_HEADERS)
    assert header_map.missing(QB_HEADERS) == list(QB_HEADERS)
    reordered = list(reversed(EXPECTED_HEADERS[1]))
    header_map = validate_headers("inv_tbl", reordered, SOURCE_HEADERS)
    assert header_map.index("invoice") == 29 and header_map.missing(EXPECTED_HEADERS[1]) == []


def test_header_map_is_frozen():
    header_map = validate_headers("inv_tbl", ["invoice"], ["invoice"])
    with pytest.raises(AttributeError):
        header_map.worksheet = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "row, name, expected",
    [
        (["A-1", "paid", "10"], "inv_dollars", "10"),
        (["A-1"], "inv_dollars", ""),
        ([], "invoice", ""),
        (["A-1", None, "10"], "status", ""),
        (["A-1", "paid", 10], "inv_dollars", "10"),
        (["A-1", "paid", "10"], "qb_invoice_id", ""),
    ],
    ids=["present", "ragged", "empty-row", "none-cell", "number-cell", "absent-column"],
)
def test_header_map_get(row, name, expected):
    header_map = validate_headers("inv_tbl", ["invoice", "status", "inv_dollars"], REQUIRED)
    assert header_map.get(row, name) == expected


def test_header_map_get_default():
    header_map = validate_headers("inv_tbl", ["invoice", "status"], [])
    assert header_map.get(["A-1"], "status", default="?") == "?"


# ------------------------------------------------------------------------------------------ rows_to_records

def test_rows_to_records_pads_skips_and_numbers_rows():
    header_map = validate_headers("inv_tbl", ["invoice", "status", "extra"], ["invoice", "status"])
    rows = [
        ["A-1", "paid", "x"],
        ["A-2"],  # ragged: trailing cells dropped by the API
        [],  # blank row in the middle
        ["", "  ", ""],  # only spaces counts as blank
        ["A-3", "draft", "y", "beyond header"],
    ]
    records = rows_to_records(header_map, rows)
    assert records == [
        {"invoice": "A-1", "status": "paid", "extra": "x", "_row": 2},
        {"invoice": "A-2", "status": "", "extra": "", "_row": 3},
        {"invoice": "A-3", "status": "draft", "extra": "y", "_row": 6},
    ]


def test_inv_tbl_records_validates_and_reads():
    values = [list(SOURCE_HEADERS) + ["my_extra"], ["ACD-1", "", "paid"], [""]]
    header_map, records = inv_tbl_records(values)
    assert header_map.names[-1] == "my_extra"
    assert len(records) == 1 and records[0]["status"] == "paid" and records[0]["_row"] == 2
    assert records[0]["my_extra"] == "" and set(SOURCE_HEADERS) <= set(records[0])
    with pytest.raises(HeaderError) as info:
        inv_tbl_records([["invoice"]])
    assert "thread" in info.value.missing
    with pytest.raises(HeaderError):
        inv_tbl_records([])


# -------------------------------------------------------------------------------------------- parse_amount

AMOUNT_CASES = [
    ("1500", Decimal("1500")),
    ("1500.00", Decimal("1500.00")),
    ("$2,345.67", Decimal("2345.67")),
    ("1,050.25", Decimal("1050.25")),
    (" 300 ", Decimal("300")),
    ("(120.00)", Decimal("-120.00")),
    ("($1,200.50)", Decimal("-1200.50")),
    ("-45.5", Decimal("-45.5")),
    ("-$45.50", Decimal("-45.50")),
    ("$-45.50", Decimal("-45.50")),
    ("1,234,567.89", Decimal("1234567.89")),
    (".5", Decimal("0.5")),
    ("$ 99", Decimal("99")),
    ("1500.", Decimal("1500")),
    (1500, Decimal("1500")),
    (1050.25, Decimal("1050.25")),
    (0.1, Decimal("0.1")),
    (Decimal("7.10"), Decimal("7.10")),
    ("", None),
    ("   ", None),
    (None, None),
    ("abc", None),
    ("12abc", None),
    ("1,05", None),
    ("1.2.3", None),
    ("NaN", None),
    ("Infinity", None),
    (float("nan"), None),
    ("$", None),
    ("()", None),
    (True, None),
]


@pytest.mark.parametrize("text, expected", AMOUNT_CASES, ids=[repr(c[0]) for c in AMOUNT_CASES])
def test_parse_amount(text, expected):
    result = parse_amount(text)
    assert result == expected
    if expected is not None:
        assert isinstance(result, Decimal)


# ---------------------------------------------------------------------------------------------- dates

DATE_CASES = [
    ("2026-03-02", date(2026, 3, 2), "2026-03"),
    (" 2026-3-2 ", date(2026, 3, 2), "2026-03"),
    ("2026-03-02 00:00:00", date(2026, 3, 2), "2026-03"),
    ("2026-03-02T10:15:00Z", date(2026, 3, 2), "2026-03"),
    ("03/15/2026", date(2026, 3, 15), "2026-03"),
    ("3/5/2026", date(2026, 3, 5), "2026-03"),
    ("45000", date(2023, 3, 15), "2023-03"),
    ("45000.75", date(2023, 3, 15), "2023-03"),
    (45000, date(2023, 3, 15), "2023-03"),
    (46083.0, date(2026, 3, 2), "2026-03"),
    (date(2026, 1, 31), date(2026, 1, 31), "2026-01"),
    (datetime(2025, 12, 1, 9, 30), date(2025, 12, 1), "2025-12"),
    ("", None, None),
    (None, None, None),
    ("soon", None, None),
    ("2026-02-30", None, None),
    ("15/03/2026", None, None),
    ("2026", None, None),
    ("300", None, None),
    ("03/15/26", None, None),
]


@pytest.mark.parametrize("value, expected, month", DATE_CASES, ids=[repr(c[0]) for c in DATE_CASES])
def test_parse_date_and_month(value, expected, month):
    assert parse_date(value) == expected
    assert month_key(value) == month


# ---------------------------------------------------------------------------------------------- totals

def _rec(**fields):
    return {"status": "", "inv_dollars": "", "submitted_date": "", **fields}


def test_totals_by_status_normalises_and_orders():
    records = [
        _rec(status="paid", inv_dollars="100"),
        _rec(status=" Pending ", inv_dollars="$1,000.50"),
        _rec(status="pending", inv_dollars="(50)"),
        _rec(status="PAID", inv_dollars="oops"),
        _rec(status="", inv_dollars="5"),
        _rec(status="draft", inv_dollars=""),
        _rec(status="on hold", inv_dollars="7"),
    ]
    result = totals_by_status(records)
    assert [g["status"] for g in result] == ["draft", "pending", "paid", "(none)", "on hold"]
    by = {g["status"]: g for g in result}
    assert by["pending"]["count"] == 2 and by["pending"]["total"] == Decimal("950.50")
    assert by["paid"]["count"] == 2 and by["paid"]["total"] == Decimal("100") and by["paid"]["unparsed"] == 1
    assert by["draft"]["count"] == 1 and by["draft"]["total"] == 0 and by["draft"]["unparsed"] == 0
    assert sum(g["count"] for g in result) == len(records)


def test_totals_by_month_mixed_date_forms():
    records = [
        _rec(submitted_date="2026-03-02", inv_dollars="100"),
        _rec(submitted_date="03/15/2026", inv_dollars="$1,000.00"),
        _rec(submitted_date="45000", inv_dollars="10"),
        _rec(submitted_date="", inv_dollars="1"),
        _rec(submitted_date="next week", inv_dollars="2"),
        _rec(submitted_date="12/31/2025", inv_dollars="3.25"),
    ]
    result = totals_by_month(records)
    assert [(g["month"], g["count"], g["total"]) for g in result] == [
        ("2023-03", 1, Decimal("10")),
        ("2025-12", 1, Decimal("3.25")),
        ("2026-03", 2, Decimal("1100.00")),
        (NO_DATE, 2, Decimal("3")),
    ]


def test_totals_of_nothing():
    assert totals_by_status([]) == [] and totals_by_month([]) == []


# ---------------------------------------------------------------------------------------------- sankey

def _row(end, client, inv_from, dollars, acd="", workers=""):
    return {"end_client": end, "to_client": client, "inv_from": inv_from,
            "inv_dollars": dollars, "owed2ACD": acd, "owed2workers": workers}


SMALL_TABLE = [
    _row("Initech", "Globex LLC", "ACD", "1,000.00", "200", "800"),
    _row("Initech", "Globex LLC", "ACD", "$500.50", "100.50", "400"),
    _row("Zoë Café Ltd", "O'Brien & Sons", "ACD", "300", "60", "240"),
    _row("Initech", "ACD", "Accelebrate", "700"),  # money out: ACD at two levels
    _row("", " ", "acd ", "50", "", "50"),  # blank names, inv_from spelled differently
    _row("Initech", "Globex LLC", "ACD", "0", "0", "0"),  # no positive amount: skipped
    _row("Initech", "Globex LLC", "ACD", "(20)", "", ""),  # negative: skipped
    _row("Initech", "Globex LLC", "ACD", "n/a", "", ""),  # unreadable: skipped
]


def _links(fig):
    sankey = fig.data[0]
    labels = list(sankey.node.label)
    return {
        (labels[s], labels[t]): v
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value)
    }, labels


def _node_levels(fig):
    """Node label -> list of colours, one per node carrying that label (colour encodes the level)."""
    sankey = fig.data[0]
    levels = {}
    for label, color in zip(sankey.node.label, sankey.node.color):
        levels.setdefault(label, []).append(color)
    return levels


def test_sankey_nodes_and_links():
    fig = build_sankey(SMALL_TABLE, top_n=None)
    links, labels = _links(fig)
    # ACD is a client (level 1) on the money-out row and the invoicing party (level 2): two nodes.
    assert labels.count("ACD") == 2
    assert labels.count("Initech") == 1
    assert labels.count("(none)") == 2  # blank end client and blank client, each at its own level
    assert len(labels) == len(set(zip(labels, fig.data[0].node.color)))
    assert links[("Initech", "Globex LLC")] == pytest.approx(1500.50)
    assert links[("Globex LLC", "ACD")] == pytest.approx(1500.50)
    assert links[("Zoë Café Ltd", "O'Brien &amp; Sons")] == pytest.approx(300)  # Plotly shows "&amp;" as "&"
    assert links[("Initech", "ACD")] == pytest.approx(700)  # end client -> ACD as client
    assert links[("ACD", "Accelebrate")] == pytest.approx(700)  # ACD as client -> vendor
    assert links[("(none)", "(none)")] == pytest.approx(50)
    assert links[("(none)", "ACD")] == pytest.approx(50)  # "acd " grouped with ACD
    assert links[("ACD", "ACD share")] == pytest.approx(360.50)
    assert links[("ACD", "Workers' share")] == pytest.approx(1490)
    assert ("Accelebrate", "ACD share") not in links  # no shares on that row
    assert links[("Accelebrate", "No split (vendor bills)")] == pytest.approx(700)  # so the last column adds up
    assert sum(1 for (s, t) in links if (s, t) == ("Initech", "Globex LLC")) == 1  # aggregated
    assert len(links) == len(fig.data[0].link.value) == 11  # 4 + 4 + 2 aggregated share links + 1 no split


HOSTILE = ('<a href="https://evil.example/">Pay here</a>', "<b>Bold</b> & <i>co</i>", "<br>Acme<sup>2</sup>")


def test_sankey_labels_show_html_in_cells_as_text():
    """Plotly renders `<a href>`, `<b>`, `<br>`... in labels and hover text; sheet cells must show as typed."""
    fig = build_sankey([_row(HOSTILE[0], HOSTILE[1], HOSTILE[2], "100", "40", "60"),
                        _row("Initech", "A & B <LLC>", "ACD", "50")], top_n=None)
    labels = list(fig.data[0].node.label)
    assert all("<" not in label and ">" not in label for label in labels), labels
    assert '&lt;a href="https://evil.example/"&gt;Pay here&lt;/a&gt;' in labels
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;" in labels
    assert "&lt;br&gt;Acme&lt;sup&gt;2&lt;/sup&gt;" in labels
    assert "A &amp; B &lt;LLC&gt;" in labels
    assert "%{source.label}" in fig.data[0].link.hovertemplate, "hover text is built from the escaped labels"


def test_plot_text_escapes_only_what_plotly_would_read_as_markup():
    assert plot_text("O'Brien & Sons") == "O'Brien &amp; Sons"
    assert plot_text("&lt;") == "&amp;lt;", "an entity typed in a cell shows as typed"
    assert plot_text("Zoë Café") == "Zoë Café"


def test_sankey_links_go_one_level_forward():
    fig = build_sankey(SMALL_TABLE, top_n=None)
    sankey = fig.data[0]
    level = {color: i for i, color in enumerate(dict.fromkeys(sankey.node.color))}
    for s, t in zip(sankey.link.source, sankey.link.target):
        assert level[sankey.node.color[t]] == level[sankey.node.color[s]] + 1


def test_sankey_pins_each_level_to_its_column():
    """A vendor bill has no shares; it must still sit with the invoicing parties, not among the shares."""
    sankey = build_sankey(SMALL_TABLE, top_n=None).data[0]
    x_of = {}
    for label, color, x in zip(sankey.node.label, sankey.node.color, sankey.node.x):
        x_of.setdefault(color, set()).add(x)
    assert all(len(xs) == 1 for xs in x_of.values()) and len(x_of) == 4
    position = dict(zip(zip(sankey.node.label, sankey.node.color), sankey.node.x))
    acd_party = max(x for (label, _), x in position.items() if label == "ACD")
    assert position[("Accelebrate", sankey.node.color[list(sankey.node.label).index("Accelebrate")])] == acd_party
    assert all(0 < y < 1 for y in sankey.node.y)


def test_sankey_top_n_groups_the_rest():
    records = [_row(f"End {i:02d}", "Globex LLC", "ACD", str(100 + i), "10", "20") for i in range(30)]
    fig = build_sankey(records, top_n=5)
    links, labels = _links(fig)
    assert "End 29" in labels and "End 25" in labels and "End 24" not in labels
    assert "Other (25 names)" in labels
    expected_other = sum(100 + i for i in range(25))
    assert links[("Other (25 names)", "Globex LLC")] == pytest.approx(expected_other)
    assert links[("Globex LLC", "ACD")] == pytest.approx(sum(100 + i for i in range(30)))


def test_sankey_real_name_other_is_not_the_group():
    records = [_row("Other", "C", "ACD", "1000")] + [_row(f"E{i}", "C", "ACD", "1") for i in range(3)]
    _, labels = _links(build_sankey(records, top_n=1))
    assert "Other" in labels and "Other (3 names)" in labels


def test_sankey_bounded_for_many_rows():
    records = [_row(f"End {i}", f"Client {i % 700}", f"Vendor {i % 50}", "10.5", "1", "9.5")
               for i in range(10_000)]
    fig = build_sankey(records, top_n=15)
    sankey = fig.data[0]
    assert len(sankey.node.label) <= 3 * 16 + 2
    assert len(sankey.link.value) <= 16 * 16 * 2 + 16 * 2
    assert sum(v for s, v in zip(sankey.link.source, sankey.link.value) if s < 16) == pytest.approx(105_000)


def test_sankey_figure_is_titled_and_readable():
    fig = build_sankey(SMALL_TABLE, title="Money flow 2026")
    assert fig.layout.title.text == "Money flow 2026"
    assert fig.layout.height >= 480 and fig.layout.font.size >= 12
    assert fig.data[0].type == "sankey"
    fig.to_json()  # serialisable: no Decimal left in the figure


def test_sankey_with_nothing_to_show():
    fig = build_sankey([_row("A", "B", "ACD", "")])
    assert len(fig.data[0].node.label) == 0
    assert "No invoices" in fig.layout.annotations[0].text
