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


def test_invoices_grid_pages_sorts_filters_and_searches_on_the_server(dash_duo, tracker_app, use_settings):
    """250 rows, 100 a page: each page, sort, column filter and search is a block the server picks (infinite model)."""
    settings = use_settings()
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": table(*(_invoice(i) for i in range(1, 251)))})
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD, path="/invoices")
    dash_duo.wait_for_contains_text("#invoices-count", "250 of 250 invoices", timeout=20)
    _wait_first_invoice(dash_duo, "INV-001")
    dash_duo.wait_for_contains_text(".ag-paging-row-summary-panel", "1 to 100 of 250", timeout=10)
    dash_duo.find_element(".ag-paging-button[data-ref=btNext]").click()
    _wait_first_invoice(dash_duo, "INV-101")

    search = dash_duo.find_element("#invoices-search")
    search.send_keys("Zoë")
    search.send_keys("\n")
    dash_duo.wait_for_text_to_equal("#invoices-count", "10 of 250 invoices", timeout=10)
    _wait_first_invoice(dash_duo, "INV-005")   # a new search starts again from the first page

    dash_duo.driver.execute_script("dash_ag_grid.getApi('invoices-table').ensureColumnVisible('inv_dollars')")
    amount = dash_duo.wait_for_element(".ag-header-cell[col-id=inv_dollars] .ag-header-cell-label", timeout=10)
    amount.click()
    amount.click()                               # descending, as amounts: 2070 before 570 (text would put 570 first)
    _wait_first_invoice(dash_duo, "INV-207")

    dash_duo.driver.execute_script("dash_ag_grid.getApi('invoices-table').ensureColumnVisible('status')")
    dash_duo.wait_for_element(".ag-header-cell[col-id=status] .ag-header-cell-filter-button", timeout=10).click()
    dash_duo.wait_for_element(".ag-filter input.ag-input-field-input", timeout=10).send_keys("paid")
    dash_duo.wait_for_text_to_equal("#invoices-count", "5 of 250 invoices", timeout=10)
    _wait_first_invoice(dash_duo, "INV-205")
    assert "Zoë Café Ltd" in dash_duo.find_element("#invoices-table").text
    assert dash_duo.get_logs() == []


def test_a_missing_worksheet_is_a_message_not_a_traceback(dash_duo, tracker_app, use_settings):
    settings = use_settings(inv_worksheet="invoices_2026")
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": _rows([])})
    before = settings.local_sheet_path.read_bytes()
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD)
    dash_duo.wait_for_contains_text("#overview-error", "no worksheet 'invoices_2026' (it has: inv_tbl)", timeout=20)
    assert "Traceback" not in dash_duo.driver.page_source
    assert settings.local_sheet_path.read_bytes() == before


def _invoice(i: int) -> list[str]:
    """Row i of the grid test: every fifth paid, amounts i * 10, two in fifty for Zoë Café Ltd."""
    return sheet_row(f"INV-{i:03d}", status="paid" if i % 5 == 0 else "pending", inv_dollars=str(i * 10),
                     to_client="Zoë Café Ltd" if i % 50 in (5, 7) else "Globex LLC")


FIRST_ROW = """
    const rows = [...document.querySelectorAll('#invoices-table .ag-pinned-left-cols-container .ag-row')];
    rows.sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')));
    const cell = rows.length ? rows[0].querySelector('[col-id=invoice]') : null;
    return cell ? cell.innerText : null;"""


def _wait_first_invoice(dash_duo, invoice: str) -> None:
    """Wait until the grid's first shown row is `invoice` (a block arrives after a round trip to the server).
    Read in the pinned invoice column, which stays on screen however far the grid scrolls sideways."""
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(dash_duo.driver, 10).until(lambda driver: driver.execute_script(FIRST_ROW) == invoice,
                                             f"first row never became {invoice}")


def _rows(rows):
    """A source-only sheet from (invoice, status, inv_from, to_client, end_client, dollars, acd, workers) tuples."""
    return table(*(sheet_row(invoice, SOURCE_HEADERS, base={}, status=status, inv_from=inv_from, to_client=to_client,
                             end_client=end_client, inv_dollars=dollars, owed2ACD=acd, owed2workers=workers,
                             submitted_date="2026-03-02")
                   for invoice, status, inv_from, to_client, end_client, dollars, acd, workers in rows),
                 header=SOURCE_HEADERS)
