"""OAuth 2.0 with Intuit through requests-oauthlib: authorize URL, code exchange, refresh, revoke.

`state` is made with `secrets`, kept in the user's session, used once and compared in constant time.
Every failure leaves here as one of our errors: `ReconnectNeeded` (invalid_grant: the grant is dead),
`ClientRejected` (invalid_client: wrong keys), `RetriableAPIError` (Intuit unreachable, 5xx, 429), or
`OAuthCallbackError` (a callback that must be refused). Token values never appear in a message.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import time
from dataclasses import dataclass
from typing import Callable, MutableMapping
from urllib.parse import urlsplit

import requests
from oauthlib.oauth2 import InvalidClientError, InvalidGrantError, OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from quickbooks.errors import ClientRejected, OAuthCallbackError, ReconnectNeeded, RetriableAPIError
from quickbooks.settings import SCOPE, QbSettings
from quickbooks.wire.tokens import TokenSet, TokenStore
from tracker.settings import is_loopback

log = logging.getLogger(__name__)
# requests-oauthlib and oauthlib log whole token requests and answers at DEBUG: never let them through.
for _chatty in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)

STATE_SESSION_KEY = "qbo_oauth_state"


def _allow_loopback_http(*urls: str) -> None:
    """oauthlib refuses plain http; the bundled emulator on loopback is the one place we allow it."""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme != "http":
            continue
        if not is_loopback(parts.hostname or ""):
            raise ClientRejected(f"Refusing plain http to {parts.hostname}: OAuth needs https outside this machine")
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def _check_token_response(response: requests.Response) -> requests.Response:
    """Compliance hook: classify Intuit's answer before oauthlib parses it."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    if response.status_code == 429 or response.status_code >= 500:
        raise RetriableAPIError(f"Intuit's token service answered HTTP {response.status_code}; will try again",
                                status=response.status_code)
    if kind != "application/json":
        raise RetriableAPIError(f"Intuit's token service answered {kind or 'an unknown type'} instead of JSON "
                                f"(HTTP {response.status_code}); will try again", status=response.status_code)
    return response


class OAuthClient:
    """Talks to Intuit's OAuth endpoints for one app (client id/secret) and redirect URI."""

    def __init__(self, settings: QbSettings, redirect_uri: str | None = None):
        if not settings.endpoints_ready:
            raise ClientRejected("QuickBooks addresses are not configured (QB_AUTHORIZE_URL, QB_TOKEN_URL ...)")
        self.settings = settings
        self.redirect_uri = redirect_uri or settings.redirect_uri
        _allow_loopback_http(settings.authorize_url, settings.token_url, settings.revoke_url)

    def _session(self, state: str | None = None) -> OAuth2Session:
        session = OAuth2Session(self.settings.client_id, redirect_uri=self.redirect_uri, scope=[SCOPE], state=state)
        session.register_compliance_hook("access_token_response", _check_token_response)
        session.register_compliance_hook("refresh_token_response", _check_token_response)
        return session

    def _auth(self) -> HTTPBasicAuth:
        return HTTPBasicAuth(self.settings.client_id, self.settings.client_secret)

    def authorization_url(self, state: str) -> str:
        url, _ = self._session(state).authorization_url(self.settings.authorize_url)
        return url

    def exchange_code(self, code: str) -> dict:
        return dict(self._call("exchanging the authorization code", lambda: self._session().fetch_token(
            self.settings.token_url, code=code, auth=self._auth(), include_client_id=False,
            timeout=self.settings.timeout_seconds)))

    def refresh(self, refresh_token: str) -> dict:
        return dict(self._call("refreshing the access token", lambda: self._session().refresh_token(
            self.settings.token_url, refresh_token=refresh_token, auth=self._auth(),
            timeout=self.settings.timeout_seconds)))

    def revoke(self, token: str) -> None:
        def call():
            response = requests.post(self.settings.revoke_url, json={"token": token}, auth=self._auth(),
                                     headers={"Accept": "application/json"}, timeout=self.settings.timeout_seconds)
            if response.status_code >= 500 or response.status_code == 429:
                raise RetriableAPIError(f"Intuit's revoke service answered HTTP {response.status_code}",
                                        status=response.status_code)
            if response.status_code == 401:
                raise ClientRejected("Intuit refused QB_CLIENT_ID/QB_CLIENT_SECRET while revoking the token")
            return response
        self._call("revoking the token", call)

    def _call(self, doing: str, call: Callable[[], object]):
        try:
            return call()
        except InvalidGrantError:
            raise ReconnectNeeded(f"Intuit answered invalid_grant while {doing}: the grant is no longer valid "
                                  "(revoked, expired, or already used). Connect QuickBooks again.") from None
        except InvalidClientError:
            raise ClientRejected(f"Intuit refused the app's keys while {doing} (invalid_client): check "
                                 "QB_CLIENT_ID and QB_CLIENT_SECRET for this QB_ENV") from None
        except OAuth2Error as exc:
            raise ReconnectNeeded(f"Intuit refused the request while {doing} ({exc.error}): "
                                  "check QB_REDIRECT_URI and connect QuickBooks again") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetriableAPIError(f"Intuit could not be reached while {doing} ({type(exc).__name__}); "
                                    "check the network and try again") from None


@dataclass(frozen=True)
class ConnectResult:
    realm_id: str
    tokens: TokenSet


def start_connect(client: OAuthClient, session: MutableMapping) -> str:
    """Begin a connect: a fresh single-use `state` in the user's session; returns Intuit's consent URL."""
    state = secrets.token_urlsafe(32)
    session[STATE_SESSION_KEY] = state
    return client.authorization_url(state)


def finish_connect(client: OAuthClient, store: TokenStore, session: MutableMapping, args: dict,
                   expected_realm: str = "", clock: Callable[[], float] = time.time) -> ConnectResult:
    """Check the callback (state, error, realm), exchange the code and store the tokens."""
    expected_state = session.pop(STATE_SESSION_KEY, None)
    given_state = args.get("state") or ""
    if not expected_state:
        raise OAuthCallbackError("This QuickBooks sign-in was not started here, or was already used: press "
                                 "\"Connect QuickBooks\" again")
    if not hmac.compare_digest(str(given_state).encode(), expected_state.encode()):
        raise OAuthCallbackError("The answer from Intuit does not match this sign-in (state mismatch): press "
                                 "\"Connect QuickBooks\" again")
    if args.get("error"):
        reason = "access was denied on Intuit's page" if args["error"] == "access_denied" else f"Intuit said {args['error']}"
        raise OAuthCallbackError(f"QuickBooks was not connected: {reason}")
    code, realm_id = args.get("code") or "", args.get("realmId") or ""
    if not code or not realm_id:
        raise OAuthCallbackError("Intuit's answer lacks the code or the company (realmId): connect again")
    if expected_realm and realm_id != expected_realm:
        raise OAuthCallbackError(f"You signed in to company {realm_id}, but QB_REALM_ID is {expected_realm}: "
                                 "choose that company on Intuit's page, or change QB_REALM_ID")
    issued_at = clock()
    tokens = TokenSet.from_response(client.exchange_code(code), realm_id, issued_at)
    store.save(tokens)
    log.info("QuickBooks company %s connected", realm_id)
    return ConnectResult(realm_id, tokens)


def disconnect(client: OAuthClient, store: TokenStore) -> None:
    """Revoke at Intuit (best effort when the grant is already dead) and delete the stored tokens."""
    try:
        tokens = store.load()
    except ReconnectNeeded:
        tokens = None
    if tokens is not None:
        try:
            client.revoke(tokens.refresh_token)
        except ReconnectNeeded:
            pass
    store.clear()
    log.info("QuickBooks disconnected; stored tokens deleted")
