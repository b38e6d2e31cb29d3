"""Everything needed to talk to one QuickBooks company, assembled once from the settings.

In `QB_ENV=local` the bundled emulator is started in-process on a free loopback port and every address
points at it, so the demo needs no Intuit account. The token key is checked here, at start-up: stored
tokens that this key cannot decrypt stop the app with a clear message instead of failing later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy.engine import Engine

from emulators._server import RunningServer
from quickbooks.wire.client import QboClient
from quickbooks.wire.oauth import OAuthClient
from quickbooks.settings import QbSettings
from quickbooks.wire.tokens import TokenManager, TokenStore

log = logging.getLogger(__name__)


@dataclass
class QuickBooks:
    settings: QbSettings
    store: TokenStore
    oauth: OAuthClient
    tokens: TokenManager
    client: QboClient
    emulator_server: RunningServer | None = field(default=None, repr=False)
    emulator: object | None = field(default=None, repr=False)   # the QboEmulator in local mode

    def close(self) -> None:
        if self.emulator_server is not None:
            self.emulator_server.stop()

    @property
    def environment_label(self) -> str:
        return {"local": "LOCAL EMULATOR", "sandbox": "SANDBOX"}.get(self.settings.env, "PRODUCTION")


def open_quickbooks(settings: QbSettings, engine: Engine, *, redirect_uris: Sequence[str] = ()) -> QuickBooks:
    """Assemble the connection; in local mode start the emulator accepting `redirect_uris` (plus the CLI's)."""
    server = emulator = None
    if settings.is_local and not settings.endpoints_ready:
        from emulators.qbo import QboEmulator

        emulator = QboEmulator(client_id=settings.client_id, client_secret=settings.client_secret,
                               redirect_uris=tuple(dict.fromkeys([settings.redirect_uri, *redirect_uris])),
                               state_file=settings.emulator_state_file)
        server = emulator.start()
        settings = settings.with_endpoints(server.url)
        log.warning("QB_ENV=local: QuickBooks calls go to the bundled emulator at %s (demo data, nothing real)",
                    server.url)
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
