"""/qbo/connect and /qbo/callback behind the login: every refused callback leaves a message and no tokens."""

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
    client = tracker_app.server.test_client()
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_invoice_pdf_is_fetched_on_demand(admin, tracker_app):
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
    assert response.data.startswith(b"%PDF-")
    assert tracker_app.server.test_client().get(f"/qbo/invoice/{invoice['Id']}/pdf").status_code == 401
