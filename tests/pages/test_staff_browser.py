"""A staff member's whole visit in a real headless Chromium: the dashboards, the admin card without the admin's
buttons, their own password, and logging out. (The admin's visit is in test_admin_browser.py.)"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table
from tests.conftest import browser_login
from tracker.users import add_user, authenticate, remove_user

pytestmark = pytest.mark.browser

OLD, NEW = "walkthrough-old-pw", "Walkthrough-New-pw-7"


@pytest.fixture
def walkthrough(tracker_app, point_app, tmp_path):
    """A workbook of two rows and a staff user of its own (the test changes that user's password)."""
    path = tmp_path / "book.xlsx"
    LocalWorkbook.create(path, {"inv_tbl": table(sheet_row("WALK-1", to_client="Globex LLC", inv_dollars="1500"),
                                                 sheet_row("WALK-2", to_client="Initech", inv_dollars="250"))})
    point_app(local_sheet_path=path)
    engine = tracker_app.server.config["TRACKER_ENGINE"]
    add_user(engine, "walker", OLD, "staff", strict=False)
    yield tracker_app, engine
    remove_user(engine, "walker")


def _fill(dash_duo, fields: dict[str, str]) -> None:
    for field_id, value in fields.items():
        dash_duo.driver.find_element(By.ID, field_id).send_keys(value)


def test_staff_visit_dashboards_admin_card_password_and_logout(dash_duo, walkthrough):
    app, engine = walkthrough
    browser_login(dash_duo, app, "walker", OLD, "/")
    assert dash_duo.find_element("#nav-user").text == "walker (staff)"
    dash_duo.wait_for_text_to_equal("#overview-count", "2", timeout=20)            # the overview, with its figures
    dash_duo.wait_for_element("#overview-sankey .main-svg", timeout=20)

    dash_duo.find_element("#nav-invoices").click()
    dash_duo.wait_for_contains_text("#invoices-table", "WALK-2", timeout=20)       # the grid, with both rows

    dash_duo.find_element("#nav-admin").click()
    dash_duo.wait_for_contains_text("#admin-connect-admin-only", "needs an admin", timeout=20)
    assert dash_duo.find_elements("#admin-connect") == [] and dash_duo.find_elements("#admin-disconnect-btn") == []
    assert dash_duo.find_elements("#admin-sync-now") != []                        # staff may sync

    dash_duo.find_element("#nav-password").click()
    dash_duo.wait_for_element("#password-submit", timeout=20)
    _fill(dash_duo, {"current": OLD, "new": NEW, "confirm": NEW})
    dash_duo.find_element("#password-submit").click()
    dash_duo.wait_for_contains_text("#password-done", "Password changed.", timeout=20)
    assert authenticate(engine, "walker", NEW) is not None and authenticate(engine, "walker", OLD) is None

    dash_duo.find_element("#password-back").click()
    dash_duo.wait_for_element("#nav-logout", timeout=20).click()
    dash_duo.wait_for_element("#login-submit", timeout=20)
    dash_duo.driver.get(dash_duo.server.url + "/invoices")                         # logged out: the form again
    dash_duo.wait_for_element("#login-submit", timeout=20)
    _fill(dash_duo, {"username": "walker", "password": NEW})
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_contains_text("#invoices-table", "WALK-1", timeout=20)       # back where they were going
