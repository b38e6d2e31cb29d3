"""Everything needed to talk to one QuickBooks company, assembled once from the settings.

In `QB_ENV=local` the bundled emulator is started in-process (by `quickbooks/demo.py`) and every address
points at it, so the demo needs no Intuit account. The token key is checked here, at start-up: stored
tokens that this key cannot decrypt stop the app with a clear message instead of failing later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

from sqlalchemy.engine import Engine

from quickbooks import demo
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
    emulator_server: Any = field(default=None, repr=False)   # demo mode: the emulator's RunningServer
    emulator: Any = field(default=None, repr=False)          # demo mode: the QboEmulator

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
