"""Everything needed to talk to one QuickBooks company, assembled once from the settings.

In `QB_ENV=local` the bundled emulator is started in-process (by `quickbooks/demo.py`) and every address
points at it, so the demo needs no Intuit account. The token key is checked here, at start-up: stored
tokens that this key cannot decrypt stop the app with a clear message instead of failing later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, MutableMapping, Sequence

from sqlalchemy.engine import Engine

from quickbooks import demo
from quickbooks.settings import QbSettings
from quickbooks.wire import oauth
from quickbooks.wire.client import QboClient
from quickbooks.wire.oauth import OAuthClient
from quickbooks.wire.tokens import TokenManager, TokenStore


@dataclass
class QuickBooks:
    settings: QbSettings
    store: TokenStore
    oauth: OAuthClient
    tokens: TokenManager
    client: QboClient
    emulator_server: Any = field(default=None, repr=False)   # demo mode: the emulator's RunningServer
    emulator: Any = field(default=None, repr=False)          # demo mode: the QboEmulator

    def close(self) -> None:
        if self.emulator_server is not None:
            self.emulator_server.stop()

    @property
    def environment_label(self) -> str:
        return {"local": "LOCAL EMULATOR", "sandbox": "SANDBOX"}.get(self.settings.env, "PRODUCTION")

    def _oauth(self, redirect_uri: str | None) -> OAuthClient:
        if redirect_uri is None or redirect_uri == self.settings.redirect_uri:
            return self.oauth
        if self.emulator is not None:   # demo mode: register the app's callback, as an admin does at Intuit
            self.emulator.register_redirect_uri(redirect_uri)
        return OAuthClient(self.settings, redirect_uri=redirect_uri)

    def connect_url(self, session: MutableMapping, redirect_uri: str | None = None) -> str:
        """Start connecting (web or CLI): a single-use `state` in `session`; returns Intuit's consent page."""
        return oauth.start_connect(self._oauth(redirect_uri), session)

    def finish_connect(self, session: MutableMapping, params: dict, redirect_uri: str | None = None) -> str:
        """Check Intuit's redirect, store the tokens and the company's name; returns a sentence saying so."""
        result = oauth.finish_connect(self._oauth(redirect_uri), self.store, session, params,
                                      expected_realm=self.settings.realm_id)
        company = self.client.company_info().get("CompanyName", "")
        self.store.set_company_name(company)
        return f"QuickBooks connected: {company or 'the company'} (realm {result.realm_id}, {self.environment_label})."

    def disconnect(self) -> None:
        """Revoke the grant at Intuit and delete the stored tokens."""
        oauth.disconnect(self.oauth, self.store)


def open_quickbooks(settings: QbSettings, engine: Engine, *, redirect_uris: Sequence[str] = ()) -> QuickBooks:
    """Assemble the connection; in local mode start the emulator accepting `redirect_uris` (plus the CLI's)."""
    server = emulator = None
    if settings.is_local and not settings.endpoints_ready:
        settings, server, emulator = demo.start_emulator(settings, redirect_uris)
    try:
        store = TokenStore(engine, settings.token_key, settings.env)
        store.check_key()
        oauth = OAuthClient(settings)
    except Exception:
        if server is not None:
            server.stop()
        raise
    tokens = TokenManager(store, oauth.refresh)
    return QuickBooks(settings, store, oauth, tokens, QboClient(settings, tokens), server, emulator)
