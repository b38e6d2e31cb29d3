"""The QuickBooks admin page in a real headless Chromium, and its guard against anonymous requests."""

from __future__ import annotations

import json

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tracker.leases import release, try_acquire
from quickbooks.sync import SYNC_LEASE
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table
from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser


def _row(invoice, to_client, dollars):  # no end client or job
    return sheet_row(invoice, to_client=to_client, inv_dollars=dollars, task_descr="Python training", end_client="",
                     job_name="")


@pytest.fixture
def admin_app(tracker_app, point_app, tmp_path):
    """The shared app pointed at a fresh workbook: two good rows, one for a customer QuickBooks lacks."""
    path = tmp_path / "book.xlsx"
    LocalWorkbook.create(path, {"inv_tbl": table(_row("ADM-1", "Globex LLC", "1500"),
                                                 _row("ADM-2", "Initech", "$2,000.50"),
                                                 _row("ADM-3", "Nobody Inc", "10"))})
    point_app(local_sheet_path=path)
    tracker_app.server.extensions["sync"].qb.store.clear()
    return tracker_app


@pytest.mark.parametrize("method, path, body", [
    ("get", "/admin", None),
    ("get", "/qbo/connect", None),
    ("get", "/qbo/callback?code=x&state=y&realmId=1", None),
    ("post", "/_dash-update-component", {"output": "admin-sync-message.children", "outputs": {},
                                         "inputs": [{"id": "admin-sync-now", "property": "n_clicks", "value": 1}],
                                         "changedPropIds": ["admin-sync-now.n_clicks"]}),
], ids=["page", "connect", "callback", "sync-now-callback"])
def test_anonymous_requests_are_refused(dash_duo, admin_app, method, path, body):
    runs = admin_app.server.extensions["sync"].runs
    before = len(runs.recent(1000))
    dash_duo.start_server(admin_app)
    response = getattr(requests, method)(dash_duo.server_url + path, json=body, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
    assert len(runs.recent(1000)) == before, "an anonymous request started a sync"


def _login(dash_duo):
    dash_duo.driver.set_window_size(1400, 1000)   # a desktop; the default window is a small 780 x 440
    dash_duo.driver.get(dash_duo.server_url + "/login?next=/admin")
    dash_duo.driver.find_element(By.ID, "username").send_keys("admin")
    dash_duo.driver.find_element(By.ID, "password").send_keys(ADMIN_PASSWORD)
    dash_duo.driver.find_element(By.ID, "login-submit").click()


def test_a_wrong_password_is_refused(dash_duo, admin_app):
    dash_duo.start_server(admin_app)
    dash_duo.driver.get(dash_duo.server_url + "/login?next=/admin")
    dash_duo.driver.find_element(By.ID, "username").send_keys("admin")
    dash_duo.driver.find_element(By.ID, "password").send_keys("guess")
    dash_duo.driver.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_contains_text("#login-error", "Wrong user or password", timeout=10)


def test_connect_sync_watch_and_disconnect(dash_duo, admin_app):
    sync = admin_app.server.extensions["sync"]
    emulator = sync.qb.emulator
    dash_duo.start_server(admin_app)
    _login(dash_duo)
    dash_duo.wait_for_contains_text("#admin-connection-state", "Not connected", timeout=20)
    assert dash_duo.find_element("#admin-env-badge").text == "LOCAL EMULATOR"

    dash_duo.find_element("#admin-connect").click()
    WebDriverWait(dash_duo.driver, 20).until(expected_conditions.element_to_be_clickable((By.ID, "authorize")))
    dash_duo.driver.find_element(By.ID, "authorize").click()
    dash_duo.wait_for_contains_text("#admin-flash", "QuickBooks connected: ACD Demo Company", timeout=20)
    dash_duo.wait_for_contains_text("#admin-connection-state", "ACD Demo Company", timeout=20)

    dash_duo.find_element("#admin-sync-now").click()
    dash_duo.wait_for_contains_text("#admin-sync-message", "Sync started", timeout=20)
    dash_duo.wait_for_text_to_equal("#admin-count-invoice-synced", "synced: 2", timeout=30)
    dash_duo.wait_for_contains_text("#admin-failed-table", "Customer 'Nobody Inc' is not in QuickBooks", timeout=20)
    counts = emulator.docnumber_counts("Invoice")   # the emulator is shared with other tests of this process
    assert (counts.get("ADM-1"), counts.get("ADM-2"), counts.get("ADM-3")) == (1, 1, None)
    dash_duo.wait_for_contains_text("#admin-progress", "last run ok", timeout=20)
    dash_duo.wait_for_contains_text("#admin-recent-table", "ADM-2", timeout=20)

    assert try_acquire(sync.engine, SYNC_LEASE, "cron-run-once", ttl=60)
    try:
        dash_duo.find_element("#admin-sync-now").click()
        dash_duo.wait_for_contains_text("#admin-sync-message", "already running", timeout=20)
    finally:
        release(sync.engine, SYNC_LEASE, "cron-run-once")

    dash_duo.find_element("#admin-disconnect-btn").click()
    WebDriverWait(dash_duo.driver, 10).until(expected_conditions.alert_is_present())
    dash_duo.driver.switch_to.alert.accept()
    dash_duo.wait_for_contains_text("#admin-flash-area", "QuickBooks disconnected", timeout=20)
    dash_duo.wait_for_contains_text("#admin-connection-state", "Not connected", timeout=20)
    assert sync.qb.store.info() is None
    assert [entry for entry in dash_duo.get_logs() if "favicon" not in json.dumps(entry)] == []


def test_preview_lists_what_would_be_sent_and_changes_nothing(dash_duo, admin_app):
    sync = admin_app.server.extensions["sync"]
    tokens = sync.qb.emulator.issue_tokens()
    from quickbooks.wire.tokens import TokenSet
    import time

    sync.qb.store.save(TokenSet.from_response(tokens, tokens["realm_id"], time.time()))
    before = sync.settings.local_sheet_path.read_bytes()
    dash_duo.start_server(admin_app)
    _login(dash_duo)
    dash_duo.wait_for_element("#admin-preview-btn", timeout=20).click()
    dash_duo.wait_for_contains_text("#admin-preview-summary",
                                    "2 to create, 1 with problems, 0 skipped; nothing was changed", timeout=30)
    assert "ADM-2" in dash_duo.find_element("#admin-preview-table").text
    assert "Customer 'Nobody Inc' is not in QuickBooks" in dash_duo.find_element("#admin-preview-problems").text
    assert sync.settings.local_sheet_path.read_bytes() == before
