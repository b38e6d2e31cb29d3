"""Issue 14 in a real headless Chromium, at desktop (1400x1000) and phone (390x844) sizes: the admin card says
what is true (not connected, pending with its age, a sentence per direction, progress then outcome, the button
that applies, the runs chart, the preview of every row), and the rows staff can act on (failed with Retry, not
syncing and why, receivables, every invoice created). Screenshots go to /tmp/admin-<size>-*.png."""

from __future__ import annotations

import json

import pytest
from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from sqlalchemy import delete

from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table
from tests.conftest import STAFF_PASSWORD, browser_login
from tests.pages.test_admin_browser import _connect_directly, _row
from tracker.db import sync_runs

pytestmark = pytest.mark.browser
SIZES = {"desktop": (1400, 1000), "phone": (390, 844)}


def _click(dash_duo, selector: str) -> None:
    """Click the element as a person would; when the page's 2-second poll keeps moving it under the pointer (a
    click Chromium says another element would receive), dispatch the click on the element itself."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    try:
        element.click()
    except (ElementClickInterceptedException, StaleElementReferenceException):
        dash_duo.driver.execute_script("arguments[0].click()", dash_duo.find_element(selector))


@pytest.fixture
def card_app(tracker_app, point_app, tmp_path, request):
    path = tmp_path / "book.xlsx"
    LocalWorkbook.create(path, {"inv_tbl": table(
        _row("CARD-1", "Globex LLC", "9224.43"), _row("CARD-2", "Initech", "$2,000.50"),
        _row("CARD-3", "Nobody Inc", "10"), sheet_row("CARD-4", status="draft", to_client="Globex LLC"),
        sheet_row("CARD-5", inv_from="Accelebrate", to_client="ACD"))})
    point_app(local_sheet_path=path, inv_worksheet="inv_tbl")
    sync = tracker_app.server.extensions["sync"]
    sync.qb.store.clear()
    with sync.engine.begin() as connection:   # the shared app's runs and previews: this test counts its own
        connection.execute(delete(sync_runs))
    return tracker_app


def _shot(dash_duo, size: str, name: str) -> None:
    dash_duo.driver.save_screenshot(f"/tmp/admin-{size}-{name}.png")


@pytest.mark.parametrize("size", SIZES)
def test_the_card_says_what_is_true_and_staff_act_on_rows(dash_duo, card_app, size):
    sync = card_app.server.extensions["sync"]
    browser_login(dash_duo, card_app, "staff", STAFF_PASSWORD, "/admin")
    dash_duo.driver.set_window_size(*SIZES[size])
    dash_duo.wait_for_contains_text("#admin-connection-state", "Not connected", timeout=20)
    dash_duo.wait_for_contains_text("#admin-count-invoice-pending", "not counted yet", timeout=20)
    dash_duo.wait_for_contains_text("#admin-sentence-bill", "Bills are off", timeout=20)
    dash_duo.wait_for_contains_text("#admin-not-syncing", "draft", timeout=20)

    dash_duo.find_element("#admin-sync-now").click()   # not connected: said plainly, with who can fix it
    dash_duo.wait_for_contains_text("#admin-sync-failed", "QuickBooks is not connected", timeout=20)
    assert "Ask an admin" in dash_duo.find_element("#admin-sync-ask-admin").text
    _shot(dash_duo, size, "1-not-connected")

    _connect_directly(sync)
    dash_duo.wait_for_contains_text("#admin-connection-state", "realm", timeout=20)
    dash_duo.find_element("#admin-preview-btn").click()   # pending becomes known, with its age
    dash_duo.wait_for_contains_text("#admin-preview-summary", "2 to create, 1 with problems, 1 skipped", timeout=30)
    dash_duo.wait_for_contains_text("#admin-count-invoice-pending", "pending: 2 (as of", timeout=20)
    dash_duo.wait_for_contains_text("#admin-sentence-bill", "Bills are off: 1 row(s) wait", timeout=20)
    assert "$9,224.43" in dash_duo.find_element("#admin-preview-table").text

    dash_duo.find_element("#admin-sync-now").click()   # then the outcome with its counts
    dash_duo.wait_for_contains_text("#admin-outcome", "ok: 2 synced, 1 failed", timeout=40)
    dash_duo.wait_for_contains_text("#admin-failed-table", "Customer 'Nobody Inc' is not in QuickBooks", timeout=20)
    failed = dash_duo.find_element("#admin-failed-table").text
    assert "$10.00" in failed and "Nobody Inc" in failed
    dash_duo.wait_for_contains_text("#admin-recent-table", "$2,000.50", timeout=20)
    pdf = dash_duo.find_element("#admin-recent-table .admin-pdf")
    assert pdf.get_attribute("download").endswith(".pdf")
    dash_duo.wait_for_contains_text("#admin-preview-summary", "0 to create", timeout=30)   # refreshed after the run
    dash_duo.wait_for_contains_text("#admin-receivables", "Open balance per client", timeout=20)
    _shot(dash_duo, size, "2-after-run")
    dash_duo.driver.execute_script("window.scrollTo(0, document.body.scrollHeight / 2)")
    _shot(dash_duo, size, "3-rows")

    _click(dash_duo, "#admin-failed-table button")   # Retry: what `reset` does, for staff
    dash_duo.wait_for_contains_text("#admin-retry-result", "Reset CARD-3", timeout=20)
    dash_duo.wait_for_contains_text("#admin-failed", "No failed rows", timeout=20)
    assert [e for e in dash_duo.get_logs() if "favicon" not in json.dumps(e)] == []
