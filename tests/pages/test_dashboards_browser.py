"""The dashboard in a real headless Chromium: pages load offline, the Sankey is drawn, no console errors."""

from __future__ import annotations


import pytest

from quickbooks import demo
from sankey_helpers import SOURCE_HEADERS
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table
from tests.conftest import STAFF_PASSWORD, browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def use_settings(tracker_app, point_app, tmp_path):
    def use(demo_workbook: bool = False, **changes):
        """Point the app at this test's workbook; `demo_workbook` seeds it as the app's start does in demo mode."""
        settings = point_app(local_sheet_path=tmp_path / "book.xlsx", **changes)
        if demo_workbook:
            demo.create_demo_workbook(settings.local_sheet_path, settings.inv_worksheet, settings.demo_rows)
        return settings

    return use


def test_overview_draws_the_sankey_from_the_demo_workbook(dash_duo, tracker_app, use_settings):
    use_settings(demo_workbook=True)
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD)
    dash_duo.wait_for_contains_text("#overview-source", "150 invoices", timeout=20)
    dash_duo.wait_for_element("#overview-sankey .sankey .sankey-node", timeout=20)
    assert len(dash_duo.find_elements("#overview-sankey .sankey-node")) >= 8
    assert dash_duo.find_element("#overview-count").text == "150"
    assert dash_duo.get_logs() == []


def test_overview_filters_change_the_totals(dash_duo, tracker_app, use_settings):
    settings = use_settings()
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": _rows([
        ["A-1", "paid", "ACD", "Globex LLC", "Initech", "1,000.50", "200", "800.50"],
        ["A-2", "pending", "ACD", "O'Brien & Sons", "Zoë Café Ltd", "$2,000", "400", "1600"],
        ["V-1", "pending", "Accelebrate", "ACD", "Initech", "300", "", ""],
    ])})
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD)
    dash_duo.wait_for_text_to_equal("#overview-total", "$3,300.50", timeout=20)
    dash_duo.select_dcc_dropdown("#overview-status", value="pending")
    dash_duo.wait_for_text_to_equal("#overview-total", "$2,300.00", timeout=10)
    dash_duo.wait_for_text_to_equal("#overview-count", "2", timeout=10)
    assert dash_duo.get_logs() == []


def test_invoices_table_searches_every_column(dash_duo, tracker_app, use_settings):
    use_settings(demo_workbook=True)
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD)
    dash_duo.wait_for_element("#nav-invoices", timeout=20).click()
    dash_duo.wait_for_contains_text("#invoices-count", "150 of 150 invoices", timeout=20)
    search = dash_duo.find_element("#invoices-search")
    search.send_keys("Zoë")
    search.send_keys("\n")
    dash_duo.wait_for_contains_text("#invoices-count", "of 150 invoices", timeout=10)
    count = int(dash_duo.find_element("#invoices-count").text.split()[0])
    assert 0 < count < 150
    assert "Zoë" in dash_duo.find_element("#invoices-table").text
    assert dash_duo.get_logs() == []


def test_a_missing_worksheet_is_a_message_not_a_traceback(dash_duo, tracker_app, use_settings):
    settings = use_settings(inv_worksheet="invoices_2026")
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": _rows([])})
    before = settings.local_sheet_path.read_bytes()
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD)
    dash_duo.wait_for_contains_text("#overview-error", "no worksheet 'invoices_2026' (it has: inv_tbl)", timeout=20)
    assert "Traceback" not in dash_duo.driver.page_source
    assert settings.local_sheet_path.read_bytes() == before


def _rows(rows):
    """A source-only sheet from (invoice, status, inv_from, to_client, end_client, dollars, acd, workers) tuples."""
    return table(*(sheet_row(invoice, SOURCE_HEADERS, base={}, status=status, inv_from=inv_from, to_client=to_client,
                             end_client=end_client, inv_dollars=dollars, owed2ACD=acd, owed2workers=workers,
                             submitted_date="2026-03-02")
                   for invoice, status, inv_from, to_client, end_client, dollars, acd, workers in rows),
                 header=SOURCE_HEADERS)
