"""Everything needed to talk to one QuickBooks company, assembled once from the settings.

In `QB_ENV=local` the bundled emulator is started in-process (by `quickbooks/demo.py`) and every address
points at it, so the demo needs no Intuit account. The token key is checked here, at start-up: stored
tokens that this key cannot decrypt stop the app with a clear message instead of failing later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, MutableMapping, Sequence

from sqlalchemy.engine import Engine

from quickbooks import demo
from quickbooks.errors import NumbersNotOurs, SyncError
from quickbooks.rules.directions import Direction
from quickbooks.rules.tax import CompanySetup
from quickbooks.settings import QbSettings
from quickbooks.wire import oauth
from quickbooks.wire.client import QboClient
from quickbooks.wire.oauth import OAuthClient
from quickbooks.wire.tokens import TokenManager, TokenStore

log = logging.getLogger(__name__)


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
        info = self.client.company_info()
        company = info.get("CompanyName", "")
        self.store.set_company_name(company)
        message = f"QuickBooks connected: {company or 'the company'} (realm {result.realm_id}, {self.environment_label})."
        try:
            prefs = self.client.preferences()
            numbers = self.read_custom_numbers(prefs)
            self.read_company_setup(info, prefs)
        except SyncError as exc:   # read again before the first sync
            log.warning("Could not read the company's preferences at connect time: %s", exc)
            return message
        off = [d.label.lower() for d in Direction if not numbers[d.value]]
        if off:
            message += (f" Custom transaction numbers are off for {' and '.join(off)} in this company: turn them on "
                        "in QuickBooks before syncing (see the admin page).")
        return message

    def read_custom_numbers(self, prefs: dict | None = None) -> dict[str, bool]:
        """Read and keep whether QuickBooks takes our DocNumbers, per direction (one request unless `prefs`)."""
        prefs = self.client.preferences() if prefs is None else prefs
        numbers = {d.value: (prefs.get(d.facts.custom_numbers_pref[0]) or {}).get(d.facts.custom_numbers_pref[1])
                   is not False for d in Direction}
        self.store.set_custom_numbers(numbers)
        return numbers

    def read_company_setup(self, info: dict | None = None, prefs: dict | None = None) -> CompanySetup:
        """Read and keep the company's country, tax setup and currencies (CompanyInfo and Preferences)."""
        info = self.client.company_info() if info is None else info
        prefs = self.client.preferences() if prefs is None else prefs
        setup = CompanySetup.from_qbo(info, prefs)
        self.store.set_company_setup(setup.to_json())
        log.info("QuickBooks company setup: country %s, home currency %s, multicurrency %s, automated sales tax %s",
                 setup.country, setup.home_currency, setup.multicurrency, setup.automated_sales_tax)
        return setup

    def company_setup(self) -> CompanySetup:
        """The setup kept at connect time; read once when it never was (a connection made before it was kept)."""
        info = self.store.info()
        if info is not None and info.company_setup:
            return CompanySetup.from_json(info.company_setup)
        return self.read_company_setup()

    def check_numbers_are_ours(self, direction: Direction) -> None:
        """Refuse a direction whose numbers QuickBooks assigns itself; read the preference once if never read."""
        info = self.store.info()
        numbers = info.custom_numbers if info is not None and info.custom_numbers is not None else None
        if numbers is None:
            numbers = self.read_custom_numbers()
        if numbers.get(direction.value) is False:
            raise NumbersNotOurs(
                f"QuickBooks numbers {direction.label.lower()} itself in this company (custom transaction numbers "
                f"are off), so the sheet's invoice numbers cannot identify them and nothing is sent: turn on "
                f"'Custom transaction numbers' in QuickBooks ({direction.facts.settings_page}), then connect "
                "QuickBooks again")

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
