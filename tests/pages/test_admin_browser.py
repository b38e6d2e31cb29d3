"""The QuickBooks admin page in a real headless Chromium, as an admin and as staff, and the guard against
anonymous requests."""

from __future__ import annotations

import json
import time

import pytest
import requests
from sqlalchemy import select
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tracker.leases import release, try_acquire
from quickbooks.sync import SYNC_LEASE
from quickbooks.wire.tokens import TokenSet
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, browser_login
from tracker.db import sync_runs

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
    ("get", "/", None),
    ("get", "/invoices", None),
    ("get", "/qbo/connect", None),
    ("get", "/qbo/callback?code=x&state=y&realmId=1", None),
    ("post", "/_dash-update-component", {"output": "admin-sync-message.children", "outputs": {},
                                         "inputs": [{"id": "admin-sync-now", "property": "n_clicks", "value": 1}],
                                         "changedPropIds": ["admin-sync-now.n_clicks"]}),
], ids=["page", "overview", "invoices", "connect", "callback", "sync-now-callback"])
def test_anonymous_requests_are_refused(dash_duo, admin_app, method, path, body):
    runs = admin_app.server.extensions["sync"].runs
    before = len(runs.recent(1000))
    dash_duo.start_server(admin_app, navigate=False)
    response = getattr(requests, method)(dash_duo.server.url + path, json=body, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert response.headers["Location"] == f"/login?next={path}"
    assert len(runs.recent(1000)) == before, "an anonymous request started a sync"


def _started_by(sync) -> list:
    with sync.engine.connect() as connection:
        return connection.execute(select(sync_runs.c.started_by).where(sync_runs.c.trigger == "manual")
                                  .order_by(sync_runs.c.id.desc()).limit(1)).scalars().all()


def _connect_directly(sync) -> None:
    """Connected as if an admin had done it (the tokens the emulator would grant)."""
    tokens = sync.qb.emulator.issue_tokens()
    sync.qb.store.save(TokenSet.from_response(tokens, tokens["realm_id"], time.time()))


def test_a_wrong_password_is_refused(dash_duo, admin_app, forget_failed_logins):
    dash_duo.start_server(admin_app, navigate=False)
    dash_duo.driver.get(dash_duo.server.url + "/login?next=/admin")
    dash_duo.driver.find_element(By.ID, "username").send_keys("admin")
    dash_duo.driver.find_element(By.ID, "password").send_keys("guess")
    dash_duo.driver.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_contains_text("#login-error", "Wrong user or password", timeout=10)


def test_connect_sync_watch_and_disconnect(dash_duo, admin_app):
    sync = admin_app.server.extensions["sync"]
    emulator = sync.qb.emulator
    browser_login(dash_duo, admin_app, "admin", ADMIN_PASSWORD, "/admin")
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
    assert _started_by(sync) == ["admin"]

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

    dash_duo.find_element("#nav-logout").click()
    dash_duo.wait_for_element("#login-submit", timeout=10)
    dash_duo.driver.get(dash_duo.server.url + "/admin")
    dash_duo.wait_for_element("#login-submit", timeout=10)   # the session ended: back to the login form
    assert "/login?next=/admin" in dash_duo.driver.current_url


def test_staff_sync_and_preview_but_cannot_connect_or_disconnect(dash_duo, admin_app):
    sync = admin_app.server.extensions["sync"]
    _connect_directly(sync)
    browser_login(dash_duo, admin_app, "staff", STAFF_PASSWORD, "/admin")
    dash_duo.wait_for_contains_text("#admin-connection-state", "realm", timeout=20)   # the read-only card
    dash_duo.wait_for_contains_text("#admin-connect-admin-only", "needs an admin", timeout=10)
    assert dash_duo.find_elements("#admin-connect") == [] and dash_duo.find_elements("#admin-disconnect-btn") == []
    assert dash_duo.find_element("#nav-user").text == "staff (staff)"

    dash_duo.find_element("#admin-sync-now").click()
    dash_duo.wait_for_contains_text("#admin-sync-message", "Sync started", timeout=20)
    dash_duo.wait_for_text_to_equal("#admin-count-invoice-synced", "synced: 2", timeout=30)
    dash_duo.wait_for_contains_text("#admin-progress", "last run ok", timeout=20)
    assert _started_by(sync) == ["staff"]
    assert [entry for entry in dash_duo.get_logs() if "favicon" not in json.dumps(entry)] == []

    dash_duo.driver.get(dash_duo.server.url + "/qbo/connect")   # typed by hand: refused on the server too
    assert "Forbidden" in dash_duo.driver.page_source
    assert sync.qb.store.info() is not None


def test_preview_lists_what_would_be_sent_and_changes_nothing(dash_duo, admin_app):
    sync = admin_app.server.extensions["sync"]
    _connect_directly(sync)
    before = sync.settings.local_sheet_path.read_bytes()
    browser_login(dash_duo, admin_app, "staff", STAFF_PASSWORD, "/admin")   # staff may preview
    dash_duo.wait_for_element("#admin-preview-btn", timeout=20).click()
    dash_duo.wait_for_contains_text("#admin-preview-summary",
                                    "2 to create, 1 with problems, 0 skipped; nothing was changed", timeout=30)
    assert "ADM-2" in dash_duo.find_element("#admin-preview-table").text
    assert "Customer 'Nobody Inc' is not in QuickBooks" in dash_duo.find_element("#admin-preview-table").text
    assert sync.settings.local_sheet_path.read_bytes() == before
