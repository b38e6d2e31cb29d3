"""/qbo/connect and /qbo/callback need the admin role: every refused callback leaves a message and no tokens; who
connected is logged. The PDF route is open to staff."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest



@pytest.fixture
def admin(tracker_app, admin_client):
    """The logged-in admin client; the stored connection starts empty."""
    tracker_app.server.extensions["sync"].qb.store.clear()
    return admin_client


def _flash(client) -> dict:
    with client.session_transaction() as session:
        return session.get("admin_flash", {})


def _start(client) -> dict[str, str]:
    response = client.get("/qbo/connect")
    assert response.status_code == 302
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))


@pytest.mark.parametrize("args, expected", [
    (lambda state: {"code": "c", "state": "forged", "realmId": "9130350000000001"}, "state mismatch"),
    (lambda state: {"code": "c", "realmId": "9130350000000001"}, "state mismatch"),
    (lambda state: {"error": "access_denied", "state": state}, "access was denied"),
    (lambda state: {"code": "not-a-real-code", "state": state, "realmId": "9130350000000001"}, "invalid_grant"),
], ids=["tampered-state", "missing-state", "access-denied", "bad-code"])
def test_a_refused_callback_says_why_and_stores_nothing(admin, tracker_app, args, expected):
    state = _start(admin)["state"]
    response = admin.get("/qbo/callback", query_string=args(state))
    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    assert _flash(admin)["kind"] == "danger" and expected in _flash(admin)["message"]
    assert tracker_app.server.extensions["sync"].qb.store.info() is None


def test_a_replayed_state_is_refused(admin, tracker_app):
    state = _start(admin)["state"]
    admin.get("/qbo/callback", query_string={"error": "access_denied", "state": state})
    admin.get("/qbo/callback", query_string={"code": "c", "state": state, "realmId": "9130350000000001"})
    assert "already used" in _flash(admin)["message"]


def test_a_company_other_than_qb_realm_id_is_refused(admin, tracker_app):
    import dataclasses

    quickbooks = tracker_app.server.extensions["sync"].qb
    original = quickbooks.settings
    quickbooks.settings = dataclasses.replace(original, realm_id="1111")
    try:
        state = _start(admin)["state"]
        admin.get("/qbo/callback", query_string={"code": "c", "state": state, "realmId": "9130350000000001"})
    finally:
        quickbooks.settings = original
    assert "QB_REALM_ID is 1111" in _flash(admin)["message"]


def test_session_cookie_flags(tracker_app):
    from tests.conftest import ADMIN_PASSWORD, login

    client = tracker_app.server.test_client()
    form_cookie = client.get("/login").headers["Set-Cookie"]
    assert form_cookie.startswith("login_csrf=") and "HttpOnly" in form_cookie and "SameSite=Lax" in form_cookie
    session_cookie = login(client, "admin", ADMIN_PASSWORD).headers["Set-Cookie"]
    assert session_cookie.startswith("session=") and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_staff_cannot_connect_and_a_connect_names_the_admin(admin, staff_client, tracker_app, caplog):
    from tests.builders import consent, query_params

    store = tracker_app.server.extensions["sync"].qb.store
    assert staff_client.get("/qbo/connect").status_code == 403
    assert staff_client.get("/qbo/callback", query_string={"code": "c", "state": "s"}).status_code == 403
    assert store.info() is None
    redirect_to = consent(admin.get("/qbo/connect").headers["Location"])
    with caplog.at_level("INFO", logger="quickbooks.web"):
        response = admin.get("/qbo/callback", query_string=query_params(redirect_to))
    assert response.status_code == 302 and _flash(admin)["kind"] == "success", _flash(admin)
    assert store.info() is not None
    assert "QuickBooks connected by admin" in caplog.text
    store.clear()


def test_an_invoice_pdf_is_fetched_on_demand(admin, staff_client, tracker_app):
    import time

    from quickbooks.wire.tokens import TokenSet

    quickbooks = tracker_app.server.extensions["sync"].qb
    tokens = quickbooks.emulator.issue_tokens()
    quickbooks.store.save(TokenSet.from_response(tokens, tokens["realm_id"], time.time()))
    customer = quickbooks.client.query("SELECT * FROM Customer WHERE DisplayName = 'Initech'")["Customer"][0]
    invoice = quickbooks.client.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [
        {"Amount": 10.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})
    response = admin.get(f"/qbo/invoice/{invoice['Id']}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert staff_client.get(f"/qbo/invoice/{invoice['Id']}/pdf").data.startswith(b"%PDF-")
    assert response.data.startswith(b"%PDF-")
    assert tracker_app.server.test_client().get(f"/qbo/invoice/{invoice['Id']}/pdf").status_code == 401
