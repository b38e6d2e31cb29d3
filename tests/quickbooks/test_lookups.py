"""`Lookups` against the QuickBooks emulator: how sheet names become customers and vendors.

Proves the order (config/qb_customers.json, then the qb_customers tab, then an exact DisplayName ignoring case
and spaces), that the tab is read only when a name is not resolved otherwise, what a missing or malformed tab
does, that inactive customers are told apart, and that each list is fetched once per `Lookups`.
"""

from __future__ import annotations

import json
from typing import Sequence

import pytest

from quickbooks.lookups import Lookups, read_sheet_map
from spreadsheet.base import CellUpdate, Sheet, Worksheet
from tracker.errors import ConfigError, WorksheetNotFound

TAB = "qb_customers"


class TabsSheet(Sheet):
    """A spreadsheet held in memory (title -> rows) that counts the reads of its tabs."""

    label = "in-memory sheet"

    def __init__(self, tabs: dict[str, list[list[str]]]):
        self.tabs, self.reads = tabs, 0

    def worksheet_titles(self) -> list[str]:
        return list(self.tabs)

    def worksheet(self, title: str) -> Worksheet:
        if title not in self.tabs:
            raise WorksheetNotFound(f"no worksheet '{title}'")
        return _Tab(self, title)


class _Tab(Worksheet):
    def __init__(self, sheet: TabsSheet, title: str):
        self.sheet, self.title = sheet, title

    def read_all(self) -> list[list[str]]:
        self.sheet.reads += 1
        return [list(row) for row in self.sheet.tabs[self.title]]

    def write_cells(self, updates: Sequence[CellUpdate]) -> int:
        raise AssertionError("lookups never write")


MAPPING_TAB = {TAB: [["sheet_name", "qb_customer"], ["Initech Europe", "Initech"], ["Acme", "Initech"]]}


@pytest.fixture
def make_lookups(connected, tmp_path):
    def make(explicit: dict[str, str] | None = None, tabs: dict | None = None) -> tuple[Lookups, TabsSheet]:
        config = tmp_path / "qb_customers.json"
        if explicit is not None:
            config.write_text(json.dumps(explicit))
        sheet = TabsSheet(MAPPING_TAB if tabs is None else tabs)
        return Lookups(connected.client, config, sheet, TAB), sheet
    return make


# the name in the sheet -> the QuickBooks DisplayName it resolves to
EXACT = [
    pytest.param("Globex LLC", "Globex LLC", id="exact"),
    pytest.param("  globex   LLC ", "Globex LLC", id="case-and-spaces"),
    pytest.param("O'BRIEN & SONS", "O'Brien & Sons", id="apostrophe"),
    pytest.param("zoë café ltd", "Zoë Café Ltd", id="non-ascii"),
]


@pytest.mark.parametrize("name, display_name", EXACT)
def test_customers_by_exact_name(make_lookups, name, display_name):
    lookups, sheet = make_lookups()
    assert lookups.customers({name}).resolve(name)[1] == display_name
    assert sheet.reads == 0, "every name resolved: the mapping tab is not read"


# the config file, the names a run needs -> what "Acme" resolves to, tab reads
PRECEDENCE = [
    pytest.param({"Acme": "Globex LLC"}, {"Acme", "Initech Europe"}, "Globex LLC", 1, id="config-wins-over-tab"),
    pytest.param(None, {"Acme"}, "Initech", 1, id="tab-when-no-config"),
    pytest.param({"Acme": "Globex LLC"}, {"Acme"}, "Globex LLC", 0, id="tab-unread-when-config-resolves"),
]


@pytest.mark.parametrize("explicit, names, acme, reads", PRECEDENCE)
def test_config_then_tab(make_lookups, explicit, names, acme, reads):
    lookups, sheet = make_lookups(explicit)
    index = lookups.customers(names)
    assert index.resolve("Acme")[1] == acme
    assert sheet.reads == reads
    if reads:
        assert index.resolve("Initech Europe")[1] == "Initech"


def test_the_tab_is_read_once_however_often_names_are_missing(make_lookups):
    lookups, sheet = make_lookups()
    lookups.customers({"Globex LLC"})
    assert sheet.reads == 0
    lookups.customers({"Nobody Ltd"})
    lookups.customers({"Initech Europe", "Someone Else"})
    assert sheet.reads == 1
    assert lookups.customers({"Initech Europe"}).resolve("Initech Europe")[1] == "Initech"


# the qb_customers tab -> the map read from it (read_sheet_map), or the ConfigError
TABS = [
    pytest.param({}, {}, id="missing-tab-empty-map"),
    pytest.param({TAB: []}, {}, id="empty-tab-empty-map"),
    pytest.param({TAB: [[" qb_customer ", "notes", "sheet_name"], ["Initech", "x", " Initech EU "], ["", "", "Blank"]]},
                 {"Initech EU": "Initech"}, id="columns-in-any-order-blanks-skipped"),
    pytest.param({TAB: [["name", "customer"], ["Acme", "Initech"]]}, ConfigError, id="without-the-two-columns"),
]


@pytest.mark.parametrize("tabs, expected", TABS)
def test_read_sheet_map(tabs, expected):
    if expected is ConfigError:
        with pytest.raises(ConfigError, match="sheet_name and qb_customer"):
            read_sheet_map(TabsSheet(tabs), TAB)
    else:
        assert read_sheet_map(TabsSheet(tabs), TAB) == expected


def test_a_missing_tab_leaves_unknown_names_unresolved(make_lookups):
    lookups, _ = make_lookups(tabs={})
    index = lookups.customers({"Nobody Ltd", "Globex LLC"})
    assert index.resolve("Nobody Ltd") is None and index.resolve("Globex LLC")[1] == "Globex LLC"


def test_a_malformed_tab_stops_the_lookup_naming_the_columns(make_lookups):
    lookups, _ = make_lookups(tabs={TAB: [["name", "customer"]]})
    with pytest.raises(ConfigError, match="needs the columns sheet_name and qb_customer"):
        lookups.customers({"Nobody Ltd"})


def test_inactive_customers_are_reported_inactive(make_lookups):
    lookups, _ = make_lookups(tabs={})
    index = lookups.customers({"Cyberdyne Systems"})   # inactive in the emulator's demo company
    assert index.resolve("Cyberdyne Systems") is None
    assert index.inactive("Cyberdyne Systems") and not index.inactive("Globex LLC")


@pytest.mark.parametrize("kind", ["customers", "vendors"])
def test_each_list_is_fetched_once_per_lookups(make_lookups, qbo_emulator, kind):
    def fetch(lookups):
        return lookups.customers({"Globex LLC"}) if kind == "customers" else lookups.vendors()

    lookups, _ = make_lookups()
    qbo_emulator.reset_stats()
    first = fetch(lookups)
    fetch(lookups)
    assert qbo_emulator.stats()["query"] == 1
    fetch(make_lookups()[0])
    assert qbo_emulator.stats()["query"] == 2, "a new run asks again"
    if kind == "vendors":
        assert first.resolve(" accelebrate ")[1] == "Accelebrate"
