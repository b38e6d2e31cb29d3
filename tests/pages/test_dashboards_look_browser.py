"""Issue 14, the dashboards as finance staff see them in headless Chromium, on a desktop (1400x1000) and a phone
(390x844): date ranges, the header line, the Sankey's "No split", dollar bars, labels and toolbars that do not
overlap, the invoices grid's headers, pinned invoice and QuickBooks links, the export's download, the login page.
Each test saves a screenshot under /tmp (dashboards-<page>-<size>.png) for a person to look at."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from quickbooks import demo
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table
from tests.conftest import STAFF_PASSWORD, browser_login

pytestmark = pytest.mark.browser
SIZES = {"desktop": (1400, 1000), "phone": (390, 844)}

OVERLAPS = """
    const boxes = [...document.querySelectorAll(arguments[0])].map(e => e.getBoundingClientRect())
        .filter(b => b.width > 0 && b.height > 0);
    const hits = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) hits.push([i, j]);
    }
    return [boxes.length, hits];"""
INTERSECT = """
    const a = document.querySelector(arguments[0]).getBoundingClientRect();
    return [...document.querySelectorAll(arguments[1])].map(e => e.getBoundingClientRect())
        .some(b => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom);"""


def _resize(dash_duo, size: str) -> None:
    dash_duo.driver.set_window_size(*SIZES[size])
    time.sleep(0.5)   # Plotly redraws at the new width


def _shot(dash_duo, name: str) -> None:
    dash_duo.driver.save_screenshot(f"/tmp/dashboards-{name}.png")


def _type_date(dash_duo, selector: str, day: str) -> None:
    """A native date field takes the digits of the US order it shows (mm dd yyyy)."""
    year, month, date = day.split("-")
    dash_duo.find_element(selector).send_keys(f"{month}{date}{year}")


@pytest.fixture
def demo_sheet(point_app, tmp_path):
    settings = point_app(local_sheet_path=tmp_path / "book.xlsx")
    demo.create_demo_workbook(settings.local_sheet_path, settings.inv_worksheet, settings.demo_rows)
    return settings


@pytest.mark.parametrize("size", SIZES)
def test_overview_reads_well(dash_duo, tracker_app, demo_sheet, size):
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD)
    _resize(dash_duo, size)
    dash_duo.wait_for_element("#overview-sankey .sankey-node", timeout=20)
    dash_duo.wait_for_element("#overview-by-month .bartext", timeout=20)
    time.sleep(1)
    _shot(dash_duo, f"overview-{size}")
    labels = [e.text for e in dash_duo.find_elements("#overview-sankey .node-label")]
    assert "No split (vendor bills)" in labels
    count, hits = dash_duo.driver.execute_script(OVERLAPS, "#overview-sankey .node-label")
    assert count == len(labels) and hits == [], f"overlapping Sankey labels: {[(labels[i], labels[j]) for i, j in hits]}"
    assert "no split" in dash_duo.find_element("#overview-split-note").text
    bar_texts = [e.text for e in dash_duo.find_elements("#overview-by-status .bartext")]
    assert bar_texts and all(t.startswith("$") for t in bar_texts), bar_texts
    ticks = [e.text for e in dash_duo.find_elements("#overview-by-status .ytick text") if e.text]
    assert ticks and all(t.startswith("$") for t in ticks), ticks
    for graph in ("overview-sankey", "overview-by-status", "overview-by-month"):   # the toolbar shows on hover
        dash_duo.driver.execute_script(f"document.querySelector('#{graph} .modebar-container').style.opacity = 1")
        assert not dash_duo.driver.execute_script(INTERSECT, f"#{graph} .modebar", "h5, .gtitle")
    assert dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= SIZES[size][0]
    for graph in ("overview-sankey", "overview-by-month"):
        dash_duo.driver.execute_script(f"document.getElementById('{graph}').scrollIntoView()")
        _shot(dash_duo, f"overview-{size}-{graph.split('-')[-1]}")
    assert dash_duo.get_logs() == []


def test_overview_header_and_figures_follow_the_filters(dash_duo, tracker_app, point_app, tmp_path):
    settings = point_app(local_sheet_path=tmp_path / "book.xlsx")
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": table(
        sheet_row("A-1", status="paid", inv_dollars="1000", owed2ACD="250", owed2workers="750",
                  submitted_date="2026-02-10"),
        sheet_row("A-2", status="pending", inv_dollars="2000", owed2ACD="500", owed2workers="1500",
                  submitted_date="2026-03-05"),
        sheet_row("V-1", status="pending", inv_from="Accelebrate", to_client="ACD", inv_dollars="300",
                  submitted_date="2026-03-20"))})
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD)
    dash_duo.wait_for_text_to_equal("#overview-total", "$3,300.00", timeout=20)
    assert dash_duo.find_element("#overview-source").text.startswith("3 invoices from the local workbook")
    _type_date(dash_duo, "#overview-from", "2026-03-01")
    dash_duo.wait_for_text_to_equal("#overview-total", "$2,300.00", timeout=10)
    dash_duo.wait_for_contains_text("#overview-source", "2 of 3 invoices from the local workbook", timeout=10)
    assert dash_duo.find_element("#overview-source").text.endswith("(submitted 2026-03-01 to …).")
    assert "$300.00 with no split: 1 vendor row(s)" in dash_duo.find_element("#overview-split-note").text
    dash_duo.select_dcc_dropdown("#overview-status", value="paid")
    dash_duo.wait_for_text_to_equal("#overview-count", "0", timeout=10)
    dash_duo.wait_for_contains_text("#overview-source", "0 of 3 invoices", timeout=10)
    assert dash_duo.get_logs() == []


def _grid_sheet(point_app, tmp_path):
    settings = point_app(local_sheet_path=tmp_path / "book.xlsx")
    rows = [sheet_row(f"INV-{i:03d}", status="paid" if i % 5 == 0 else "pending", inv_dollars=f"{i * 1000:,}.00",
                      submitted_date=f"2026-{3 + i % 2:02d}-{1 + i % 28:02d}", Inv_paid_date="2026-04-30",
                      qb_invoice_id=str(i), qb_invoice_url=f"https://qbo.example/app/invoice?txnId={i}",
                      notes="=1+2" if i == 2 else "")
            for i in range(1, 41)]
    rows[2] = sheet_row("INV-003", submitted_date="2026-03-04", qb_invoice_url="javascript:alert(1)")
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": table(*rows)})
    return settings


@pytest.mark.parametrize("size", SIZES)
def test_invoices_grid_reads_well(dash_duo, tracker_app, point_app, tmp_path, size):
    _grid_sheet(point_app, tmp_path)
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD, path="/invoices")
    _resize(dash_duo, size)
    dash_duo.wait_for_contains_text("#invoices-count", "40 of 40 invoices", timeout=20)
    dash_duo.wait_for_contains_text(".ag-pinned-left-cols-container", "INV-001", timeout=20)
    _shot(dash_duo, f"invoices-{size}")
    pinned = dash_duo.find_element(".ag-pinned-left-header").text
    assert "Invoice" in pinned
    api = "dash_ag_grid.getApi('invoices-table')"
    titles = dash_duo.driver.execute_script(f"return {api}.getColumnDefs().map(d => d.headerName)")
    assert "Paid date" in titles and "QuickBooks" in titles and "Inv_paid_date" not in titles
    dash_duo.driver.execute_script(f"{api}.ensureColumnVisible('qb_invoice_url')")
    link = dash_duo.wait_for_element(".ag-cell[col-id=qb_invoice_url] a", timeout=10)
    assert link.get_attribute("target") == "_blank"
    hrefs = [a.get_attribute("href") for a in dash_duo.find_elements(".ag-cell[col-id=qb_invoice_url] a")]
    assert hrefs and all(h.startswith("https://qbo.example/") for h in hrefs), hrefs   # javascript: is text only
    assert "QuickBooks" in dash_duo.find_element(".ag-header-group-cell").text
    _shot(dash_duo, f"invoices-{size}-quickbooks")
    assert dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= SIZES[size][0]
    assert dash_duo.get_logs() == []


def test_the_export_downloads_the_rows_the_grid_shows(dash_duo, tracker_app, point_app, tmp_path):
    _grid_sheet(point_app, tmp_path)
    browser_login(dash_duo, tracker_app, "staff", STAFF_PASSWORD, path="/invoices")
    dash_duo.wait_for_contains_text("#invoices-count", "40 of 40 invoices", timeout=20)
    _type_date(dash_duo, "#invoices-from", "2026-04-01")
    dash_duo.wait_for_contains_text("#invoices-count", "19 of 40 invoices", timeout=10)   # odd rows but INV-003
    dash_duo.driver.execute_script("dash_ag_grid.getApi('invoices-table').setFilterModel("
                                   "{status: {filterType: 'text', type: 'equals', filter: 'paid'}})")
    dash_duo.wait_for_contains_text("#invoices-count", "4 of 40 invoices", timeout=10)
    dash_duo.find_element("#invoices-export-csv").click()
    folder = Path(dash_duo.download_path)
    for _ in range(100):
        files = [f for f in folder.glob("invoices-*.csv")]
        if files:
            break
        time.sleep(0.1)
    header, *rows = list(csv.reader(io.StringIO(files[0].read_text(encoding="utf-8-sig"))))
    assert [row[1] for row in rows] == ["INV-005", "INV-015", "INV-025", "INV-035"]
    assert header[1] == "Invoice" and "Paid date" in header
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("size", SIZES)
def test_login_page_has_the_navbar_and_keeps_the_user_name(dash_duo, tracker_app, forget_failed_logins, size):
    dash_duo.start_server(tracker_app, navigate=False)
    dash_duo.driver.set_window_size(*SIZES[size])
    dash_duo.driver.get(f"{dash_duo.server.url}/login?next=/")
    assert "Finance tracker" in dash_duo.find_element("#login-navbar").text
    dash_duo.find_element("#username").send_keys("staff")
    dash_duo.find_element("#password").send_keys("wrong password")
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_contains_text("#login-error", "Wrong user or password", timeout=10)
    assert dash_duo.find_element("#username").get_attribute("value") == "staff"
    assert dash_duo.find_element("#password").get_attribute("value") == ""
    _shot(dash_duo, f"login-{size}")
    dash_duo.find_element("#password").send_keys(STAFF_PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#react-entry-point", timeout=20)
    if size == "phone":   # the navbar folds into its menu button
        dash_duo.wait_for_element(".navbar-toggler", timeout=10).click()
    logout = dash_duo.wait_for_element("#nav-logout", timeout=10)
    dash_duo.wait_for_contains_text("#nav-user", "staff", timeout=10)   # on a phone the menu is still opening
    time.sleep(0.5)
    logout.click()
    dash_duo.wait_for_element("#login-navbar", timeout=10)
    assert dash_duo.find_element("#username").get_attribute("value") == ""
