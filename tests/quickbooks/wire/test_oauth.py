"""Connecting QuickBooks through real requests-oauthlib against the emulator, and every way it can go wrong."""

from __future__ import annotations

import pytest
import requests
from cryptography.fernet import Fernet

from quickbooks.connection import open_quickbooks
from quickbooks.errors import (ClientRejected, OAuthCallbackError, ReconnectNeeded, RetriableAPIError,
                               TokenKeyMismatch)
from quickbooks.wire.oauth import OAuthClient, disconnect, finish_connect, start_connect
from tests.builders import consent, query_params


def test_full_connect_flow_stores_tokens_and_reaches_the_company(connected, qbo_emulator):
    info = connected.store.info()
    assert info.realm_id == qbo_emulator.realm_id
    assert connected.client.company_info()["CompanyName"] == "ACD Demo Company"
    assert qbo_emulator.stats()["token"] == 1


@pytest.mark.parametrize("tamper, message", [
    (lambda session, params: params.update(state="forged-" + params["state"]), "state mismatch"),
    (lambda session, params: params.pop("state"), "state mismatch"),
    (lambda session, params: session.clear(), "not started here, or was already used"),
    (lambda session, params: params.update(realmId="1234"), "signed in to company 1234"),
], ids=["tampered-state", "missing-state", "no-session-state", "wrong-realm"])
def test_a_suspicious_callback_is_refused_and_nothing_is_stored(quickbooks, qbo_emulator, tamper, message):
    session: dict = {}
    params = query_params(consent(start_connect(quickbooks.oauth, session)))
    tamper(session, params)
    with pytest.raises(OAuthCallbackError, match=message):
        finish_connect(quickbooks.oauth, quickbooks.store, session, params, expected_realm=qbo_emulator.realm_id)
    assert quickbooks.store.info() is None


def test_a_replayed_callback_is_refused(quickbooks):
    session: dict = {}
    params = query_params(consent(start_connect(quickbooks.oauth, session)))
    finish_connect(quickbooks.oauth, quickbooks.store, session, dict(params))
    before = quickbooks.store.load()
    with pytest.raises(OAuthCallbackError, match="already used"):
        finish_connect(quickbooks.oauth, quickbooks.store, session, dict(params))
    assert quickbooks.store.load() == before


def test_access_denied_on_the_consent_page(quickbooks):
    session: dict = {}
    params = query_params(consent(start_connect(quickbooks.oauth, session), button="cancel"))
    with pytest.raises(OAuthCallbackError, match="access was denied"):
        finish_connect(quickbooks.oauth, quickbooks.store, session, params)
    assert quickbooks.store.info() is None


def test_a_wrong_client_secret_is_named(qb_settings, engine):
    quickbooks = open_quickbooks(qb_settings(client_secret="wrong"), engine)
    session: dict = {}
    params = query_params(consent(start_connect(quickbooks.oauth, session)))
    with pytest.raises(ClientRejected, match="QB_CLIENT_ID and QB_CLIENT_SECRET"):
        finish_connect(quickbooks.oauth, quickbooks.store, session, params)
    assert quickbooks.store.info() is None


def test_an_unregistered_redirect_uri_gets_no_code(qb_settings, engine):
    client = OAuthClient(qb_settings(), redirect_uri="http://localhost:9/not-registered")
    page = requests.get(start_connect(client, {}), allow_redirects=False, timeout=5)
    assert page.status_code == 400
    assert "Location" not in page.headers


def test_a_code_used_twice_is_refused(quickbooks):
    session: dict = {}
    params = query_params(consent(start_connect(quickbooks.oauth, session)))
    quickbooks.oauth.exchange_code(params["code"])
    with pytest.raises(ReconnectNeeded, match="invalid_grant"):
        quickbooks.oauth.exchange_code(params["code"])


def test_refresh_rotates_and_the_superseded_token_is_dead(connected, qbo_emulator):
    old = connected.store.load()
    qbo_emulator.expire_access_tokens()
    assert connected.client.company_info()["CompanyName"] == "ACD Demo Company"
    new = connected.store.load()
    assert new.refresh_token != old.refresh_token and new.access_token != old.access_token
    with pytest.raises(ReconnectNeeded, match="invalid_grant"):
        connected.oauth.refresh(old.refresh_token)
    assert connected.store.load() == new, "a stray failure with an old token changes nothing stored"


def test_a_dead_refresh_token_asks_for_a_reconnect_and_keeps_the_row(connected, qbo_emulator):
    qbo_emulator.revoke_all()
    connected.store.save(_expired(connected.store.load()))
    with pytest.raises(ReconnectNeeded, match="invalid_grant"):
        connected.client.company_info()
    assert "invalid_grant" in connected.store.info().reconnect_reason


def test_html_from_the_token_endpoint_is_a_plain_retriable_error(connected, qbo_emulator):
    before = connected.store.load()
    qbo_emulator.inject("html_502", count=1, match="token")
    with pytest.raises(RetriableAPIError, match="instead of JSON|HTTP 502"):
        connected.oauth.refresh(before.refresh_token)
    assert connected.store.load() == before


def test_a_wrong_token_key_refuses_to_start(connected, qb_settings, engine):
    with pytest.raises(TokenKeyMismatch, match="cannot be decrypted with this QB_TOKEN_KEY"):
        open_quickbooks(qb_settings(token_key=Fernet.generate_key().decode()), engine)


def test_disconnect_revokes_and_deletes(connected):
    tokens = connected.store.load()
    disconnect(connected.oauth, connected.store)
    assert connected.store.info() is None
    with pytest.raises(ReconnectNeeded):
        connected.oauth.refresh(tokens.refresh_token)


def _expired(tokens):
    from dataclasses import replace

    return replace(tokens, access_expires_at=0.0)
