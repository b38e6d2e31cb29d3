"""QBO emulator, OAuth 2.0 side: consent page, code exchange, refresh rotation, expiry, revoke, auth faults.

Driven through real HTTP with requests and requests-oauthlib's OAuth2Session (reference §1, §6).
"""

from __future__ import annotations

import pytest
import requests
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from tests.builders import consent, query_params
from tests.emulators.qbo_helpers import REDIRECT_URI, SCOPE

TOKEN_PATH = "/oauth2/v1/tokens/bearer"


@pytest.fixture(autouse=True)
def _plain_http_for_oauthlib(monkeypatch):
    """oauthlib refuses http:// unless told the transport is a loopback test."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def oauth_session(emu, state: str = "state-123") -> tuple[OAuth2Session, str]:
    session = OAuth2Session(emu.client_id, redirect_uri=REDIRECT_URI, scope=[SCOPE], state=state)
    url, _ = session.authorization_url(f"{emu.base_url}/oauth2/authorize")
    return session, url


def connect(emu) -> dict:
    """The whole connect flow; returns the token dict requests-oauthlib stored."""
    session, url = oauth_session(emu)
    location = consent(url)
    return session.fetch_token(f"{emu.base_url}{TOKEN_PATH}", authorization_response=location,
                               client_secret=emu.client_secret)


def token_call(emu, data: dict, auth=None) -> requests.Response:
    auth = HTTPBasicAuth(emu.client_id, emu.client_secret) if auth is None else auth
    return requests.post(f"{emu.base_url}{TOKEN_PATH}", data=data, auth=auth or None,
                         headers={"Accept": "application/json"}, timeout=5)


def fresh_code(emu) -> str:
    _, url = oauth_session(emu)
    return query_params(consent(url))["code"]


def company_info(emu, access_token: str) -> requests.Response:
    return requests.get(f"{emu.base_url}/v3/company/{emu.realm_id}/companyinfo/{emu.realm_id}",
                        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"}, timeout=5)


def test_full_connect_with_requests_oauthlib(qbo):
    session, url = oauth_session(qbo, state="xyz")
    location = consent(url)
    params = query_params(location)
    assert location.startswith(REDIRECT_URI + "?")
    assert params["state"] == "xyz" and params["realmId"] == qbo.realm_id and params["code"]
    token = session.fetch_token(f"{qbo.base_url}{TOKEN_PATH}", authorization_response=location,
                                client_secret=qbo.client_secret)
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600
    assert token["x_refresh_token_expires_in"] == 8726400 and token["refresh_token"].startswith("AB11")
    answer = session.get(f"{qbo.base_url}/v3/company/{qbo.realm_id}/companyinfo/{qbo.realm_id}",
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json()["CompanyInfo"]["CompanyName"] == "ACD Demo Company"
    assert qbo.stats()["token_grants"] == {"authorization_code": 1} and qbo.stats()["authorize"] == 1


def test_cancel_redirects_with_access_denied(qbo):
    _, url = oauth_session(qbo, state="s-1")
    assert query_params(consent(url, button="cancel")) == {"error": "access_denied", "state": "s-1"}


@pytest.mark.parametrize("params, status, expect", [
    ({"client_id": "someone-else"}, 400, "invalid_client"),
    ({"redirect_uri": "http://evil.example/cb"}, 400, "not registered"),
    ({"response_type": "token"}, 302, "error=unsupported_response_type"),
    ({"scope": "com.example.nope"}, 302, "error=invalid_scope"),
], ids=["unknown-client-error-page", "unregistered-redirect-error-page", "bad-response-type-redirect",
        "bad-scope-redirect"])
def test_authorize_errors(qbo, params, status, expect):
    query = {"client_id": qbo.client_id, "response_type": "code", "scope": SCOPE, "redirect_uri": REDIRECT_URI,
             "state": "s", **params}
    answer = requests.get(f"{qbo.base_url}/oauth2/authorize", params=query, allow_redirects=False, timeout=5)
    assert answer.status_code == status
    assert expect in (answer.headers.get("Location", "") if status == 302 else answer.text)
    if status == 400:
        assert "Location" not in answer.headers and "text/html" in answer.headers["Content-Type"]


def _reuse(emu, clock):
    code = fresh_code(emu)
    assert token_call(emu, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}).ok
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}, None


def _expired(emu, clock):
    code = fresh_code(emu)
    clock.advance(601)
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}, None


@pytest.mark.parametrize("setup, status, error", [
    (lambda e, c: ({"grant_type": "authorization_code", "code": fresh_code(e), "redirect_uri": REDIRECT_URI},
                   HTTPBasicAuth(e.client_id, "wrong")), 401, "invalid_client"),
    (lambda e, c: ({"grant_type": "refresh_token", "refresh_token": "x", "client_id": e.client_id,
                    "client_secret": "wrong"}, False), 401, "invalid_client"),
    (_reuse, 400, "invalid_grant"),
    (_expired, 400, "invalid_grant"),
    (lambda e, c: ({"grant_type": "authorization_code", "code": fresh_code(e),
                    "redirect_uri": "http://localhost:9999/other"}, None), 400, "invalid_grant"),
    (lambda e, c: ({"grant_type": "authorization_code", "code": "AB11made-up", "redirect_uri": REDIRECT_URI},
                   None), 400, "invalid_grant"),
    (lambda e, c: ({"grant_type": "refresh_token", "refresh_token": "AB11unknown"}, None), 400, "invalid_grant"),
    (lambda e, c: ({"grant_type": "password", "username": "u"}, None), 400, "unsupported_grant_type"),
], ids=["bad-secret-basic", "bad-secret-post", "code-reused", "code-expired-after-10-min", "redirect-uri-mismatch",
        "unknown-code", "unknown-refresh-token", "unsupported-grant"])
def test_token_endpoint_errors(qbo, qbo_clock, setup, status, error):
    data, auth = setup(qbo, qbo_clock)
    answer = token_call(qbo, data, auth)
    assert answer.status_code == status
    assert answer.json() == {"error": error}


def test_client_secret_post_is_accepted(qbo):
    answer = token_call(qbo, {"grant_type": "authorization_code", "code": fresh_code(qbo), "redirect_uri": REDIRECT_URI,
                              "client_id": qbo.client_id, "client_secret": qbo.client_secret}, auth=False)
    assert answer.status_code == 200 and answer.json()["access_token"]


def test_refresh_rotates_and_the_superseded_token_is_invalid_grant(qbo):
    first = connect(qbo)
    session = OAuth2Session(qbo.client_id, token=first)
    second = session.refresh_token(f"{qbo.base_url}{TOKEN_PATH}", refresh_token=first["refresh_token"],
                                   auth=HTTPBasicAuth(qbo.client_id, qbo.client_secret))
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    stale = token_call(qbo, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert (stale.status_code, stale.json()) == (400, {"error": "invalid_grant"})
    third = token_call(qbo, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    assert third.status_code == 200
    assert company_info(qbo, first["access_token"]).status_code == 200  # old access tokens live until they expire


def test_refresh_without_rotation_returns_the_same_token_counting_down(make_qbo, qbo_clock):
    emu = make_qbo(rotate_refresh_tokens=False)
    first = connect(emu)
    qbo_clock.advance(1000)
    again = token_call(emu, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}).json()
    assert again["refresh_token"] == first["refresh_token"]
    assert again["x_refresh_token_expires_in"] == 8726400 - 1000


def test_refresh_token_expiry_is_honoured(make_qbo, qbo_clock):
    emu = make_qbo(refresh_token_ttl=100)
    tokens = connect(emu)
    qbo_clock.advance(101)
    answer = token_call(emu, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_grant"})


def test_access_token_expires_with_the_clock(qbo, qbo_clock):
    tokens = connect(qbo)
    qbo_clock.advance(3599)
    assert company_info(qbo, tokens["access_token"]).status_code == 200
    qbo_clock.advance(1)
    answer = company_info(qbo, tokens["access_token"])
    assert answer.status_code == 401
    error = answer.json()["fault"]["error"][0]
    assert error["code"] == "3200" and error["detail"].startswith("Token expired")


def test_revoke_kills_the_whole_family(qbo):
    tokens = connect(qbo)
    url = f"{qbo.base_url}/oauth2/v1/tokens/revoke"
    bad = requests.post(url, json={"token": tokens["refresh_token"]}, auth=("emulator-client", "nope"), timeout=5)
    assert bad.status_code == 401
    answer = requests.post(url, json={"token": tokens["refresh_token"]},
                           auth=(qbo.client_id, qbo.client_secret), timeout=5)
    assert answer.status_code == 200
    assert company_info(qbo, tokens["access_token"]).status_code == 401
    refresh = token_call(qbo, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.json() == {"error": "invalid_grant"}
    assert qbo.stats()["revoke"] == 2


def _gateway_401(answer):
    body = answer.json()
    assert set(body) >= {"warnings", "intuitObject", "fault", "time"} and isinstance(body["time"], int)
    error = body["fault"]["error"][0]
    assert body["fault"]["type"] == "AUTHENTICATION" and error["code"] == "3200"
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"


@pytest.mark.parametrize("setup, status, check", [
    (lambda api: api.session.headers.pop("Authorization"), 401, _gateway_401),
    (lambda api: api.session.headers.update({"Authorization": "Bearer garbage"}), 401, _gateway_401),
    (lambda api: api.emu.expire_access_tokens(), 401, _gateway_401),
    (lambda api: api.emu.revoke_all(), 401, _gateway_401),
    (lambda api: api.emu.inject("expire_token"), 401, _gateway_401),
    (lambda api: api.emu.inject("403"), 403,
     lambda a: a.json()["fault"]["error"][0]["code"] == "3100" or pytest.fail(a.text)),
], ids=["missing-header", "unknown-token", "expired", "revoked", "injected-expire-token", "injected-403"])
def test_auth_faults(qbo_api, setup, status, check):
    setup(qbo_api)
    answer = qbo_api.query("select * from Customer")
    assert answer.status_code == status
    check(answer)


def test_token_used_against_another_realm_is_xml_401(qbo_api):
    """Reference §6 (intuit/oauth-jsclient#91): XML AuthenticationFault code 100, not the JSON envelope."""
    answer = qbo_api.session.get(f"{qbo_api.emu.base_url}/v3/company/4620816365212676460/query",
                                 params={"query": "select * from Customer"}, timeout=5)
    assert answer.status_code == 401 and answer.headers["Content-Type"].startswith("application/xml")
    assert '<Fault type="AuthenticationFault"><Error code="100">' in answer.text


def test_injected_expire_token_then_refresh_recovers(qbo_api):
    qbo_api.emu.inject("expire_token", match="invoice")
    assert qbo_api.query("select * from Item").status_code == 200  # not matched
    assert qbo_api.get("invoice/1").status_code == 401
    assert qbo_api.get("invoice/1").status_code == 401  # stays expired
    fresh = token_call(qbo_api.emu, {"grant_type": "refresh_token", "refresh_token": qbo_api.tokens["refresh_token"]})
    assert company_info(qbo_api.emu, fresh.json()["access_token"]).status_code == 200


def test_dropped_refresh_answer_leaves_the_client_with_a_superseded_token(qbo_api):
    """The rotation is committed but the answer is lost: the next refresh with the old token is invalid_grant."""
    qbo_api.emu.inject("drop_after_commit", match="token")
    with pytest.raises(requests.ConnectionError):
        token_call(qbo_api.emu, {"grant_type": "refresh_token", "refresh_token": qbo_api.tokens["refresh_token"]})
    again = token_call(qbo_api.emu, {"grant_type": "refresh_token", "refresh_token": qbo_api.tokens["refresh_token"]})
    assert again.json() == {"error": "invalid_grant"}
    assert qbo_api.emu.stats()["dropped"] == 1
