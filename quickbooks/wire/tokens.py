"""The QuickBooks connection: tokens encrypted at rest (Fernet, QB_TOKEN_KEY) and refreshed safely.

Refresh is serialized across threads and processes by a database lease, and the rotated refresh token is
committed before the new access token is handed out: two workers refreshing at once never present a
superseded refresh token to Intuit, which would answer `invalid_grant` and lock the company out.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from tracker.db import qb_tokens
from tracker.leases import waiting_lease
from quickbooks.errors import ReconnectNeeded, RetriableAPIError, TokenKeyMismatch

ACCESS_SKEW_SECONDS = 300          # refresh this long before the access token expires
RECONNECT_WARNING_SECONDS = 7 * 86400   # "reconnect soon" when the refresh token ends within a week
REFRESH_LEASE = "qb_token_refresh"


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: float
    refresh_expires_at: float
    realm_id: str

    @classmethod
    def from_response(cls, payload: dict, realm_id: str, issued_at: float,
                      previous_refresh_token: str | None = None) -> "TokenSet":
        """Build from Intuit's token answer; `issued_at` is stamped before the call, so expiry errs early."""
        refresh = payload.get("refresh_token") or previous_refresh_token
        if not payload.get("access_token") or not refresh:
            raise ReconnectNeeded("Intuit's token answer had no access or refresh token: connect QuickBooks again")
        return cls(access_token=payload["access_token"], refresh_token=refresh,
                   access_expires_at=issued_at + float(payload.get("expires_in", 3600)),
                   refresh_expires_at=issued_at + float(payload.get("x_refresh_token_expires_in", 100 * 86400)),
                   realm_id=realm_id)


@dataclass(frozen=True)
class ConnectionInfo:
    """What the admin page may show about the connection: never a token."""

    realm_id: str
    environment: str
    company_name: str
    connected_at: float
    refreshed_at: float
    access_expires_at: float
    refresh_expires_at: float
    reconnect_reason: str | None
    custom_numbers: dict[str, bool] | None = None   # per direction: does QuickBooks take our DocNumbers?
    company_setup: str | None = None   # JSON of quickbooks.rules.tax.CompanySetup (country, tax, currencies)

    def needs_reconnect(self, now: float) -> str | None:
        if self.reconnect_reason:
            return self.reconnect_reason
        if self.refresh_expires_at <= now:
            return "the refresh token has expired"
        return None

    def reconnect_soon(self, now: float) -> bool:
        return self.refresh_expires_at - now < RECONNECT_WARNING_SECONDS


class TokenStore:
    """The `qb_tokens` table: one connection (company) at a time."""

    def __init__(self, engine: Engine, token_key: str, environment: str, clock: Callable[[], float] = time.time):
        if not token_key:
            raise TokenKeyMismatch("QB_TOKEN_KEY is not set: it encrypts the stored QuickBooks tokens")
        self.engine = engine
        self.environment = environment
        self.clock = clock
        self._fernet = Fernet(token_key.encode())

    def save(self, tokens: TokenSet, company_name: str | None = None) -> None:
        secret = self._fernet.encrypt(json.dumps({"access_token": tokens.access_token,
                                                  "refresh_token": tokens.refresh_token}).encode())
        now = self.clock()
        with self.engine.begin() as connection:
            row = connection.execute(select(qb_tokens.c.id, qb_tokens.c.realm_id, qb_tokens.c.connected_at,
                                            qb_tokens.c.company_name)).first()
            values = dict(realm_id=tokens.realm_id, environment=self.environment, token_ciphertext=secret,
                          access_expires_at=tokens.access_expires_at, refresh_expires_at=tokens.refresh_expires_at,
                          refreshed_at=now, reconnect_reason=None)
            if row is not None and row.realm_id == tokens.realm_id:
                values["company_name"] = row.company_name if company_name is None else company_name
                connection.execute(update(qb_tokens).where(qb_tokens.c.id == row.id).values(**values))
            else:
                connection.execute(delete(qb_tokens))
                connection.execute(insert(qb_tokens).values(connected_at=now, company_name=company_name or "", **values))

    def load(self) -> TokenSet | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(qb_tokens)).first()
        if row is None:
            return None
        if row.reconnect_reason:
            raise ReconnectNeeded(f"QuickBooks must be connected again: {row.reconnect_reason}")
        secret = self._decrypt(row.token_ciphertext)
        return TokenSet(secret["access_token"], secret["refresh_token"], row.access_expires_at,
                        row.refresh_expires_at, row.realm_id)

    def info(self) -> ConnectionInfo | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(qb_tokens)).first()
        if row is None:
            return None
        return ConnectionInfo(row.realm_id, row.environment, row.company_name, row.connected_at, row.refreshed_at,
                              row.access_expires_at, row.refresh_expires_at, row.reconnect_reason,
                              json.loads(row.custom_numbers) if row.custom_numbers else None, row.company_setup)

    def set_company_name(self, name: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(qb_tokens).values(company_name=name))

    def set_custom_numbers(self, custom_numbers: dict[str, bool]) -> None:
        """The company's custom-transaction-number preferences (kept until the next connect)."""
        with self.engine.begin() as connection:
            connection.execute(update(qb_tokens).values(custom_numbers=json.dumps(custom_numbers, sort_keys=True)))

    def set_company_setup(self, setup_json: str) -> None:
        """The company's country, tax setup and currencies (kept until the next connect)."""
        with self.engine.begin() as connection:
            connection.execute(update(qb_tokens).values(company_setup=setup_json))

    def mark_dead(self, reason: str) -> None:
        """Keep the row (for the admin page) but never use its tokens again."""
        with self.engine.begin() as connection:
            connection.execute(update(qb_tokens).values(reconnect_reason=reason[:500]))

    def clear(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(qb_tokens))

    def check_key(self) -> None:
        """Raise `TokenKeyMismatch` at start-up when stored tokens exist that this key cannot read."""
        with self.engine.connect() as connection:
            row = connection.execute(select(qb_tokens.c.token_ciphertext)).first()
        if row is not None:
            self._decrypt(row.token_ciphertext)

    def _decrypt(self, ciphertext: bytes) -> dict:
        try:
            return json.loads(self._fernet.decrypt(ciphertext))
        except InvalidToken:
            raise TokenKeyMismatch("The stored QuickBooks tokens cannot be decrypted with this QB_TOKEN_KEY: set "
                                   "the key they were stored with, or delete them with "
                                   "`python quickbooks_sync.py auth --disconnect` and connect again") from None


Refresher = Callable[[str], dict]


class TokenManager:
    """Hands out a valid access token, refreshing (once, for everyone) when it is about to expire."""

    def __init__(self, store: TokenStore, refresher: Refresher, *, lease_wait: float = 60.0,
                 clock: Callable[[], float] = time.time):
        self.store = store
        self.refresher = refresher
        self.lease_wait = lease_wait
        self.clock = clock

    def current(self) -> TokenSet:
        tokens = self.store.load()
        if tokens is None:
            raise ReconnectNeeded("QuickBooks is not connected: an admin must press \"Connect QuickBooks\" "
                                  "(or run `python quickbooks_sync.py auth`)")
        if tokens.access_expires_at - ACCESS_SKEW_SECONDS > self.clock():
            return tokens
        return self.refresh(stale_access_token=tokens.access_token)

    def refresh(self, stale_access_token: str) -> TokenSet:
        """Refresh unless someone else already replaced `stale_access_token` while we waited."""
        with waiting_lease(self.store.engine, REFRESH_LEASE, ttl=120, wait=self.lease_wait) as acquired:
            if not acquired:
                raise RetriableAPIError("Another process has been refreshing the QuickBooks token for "
                                        f"{self.lease_wait:.0f} s; will try again")
            tokens = self.store.load()
            if tokens is None:
                raise ReconnectNeeded("QuickBooks was disconnected meanwhile: connect it again")
            now = self.clock()
            if tokens.access_token != stale_access_token and tokens.access_expires_at - ACCESS_SKEW_SECONDS > now:
                return tokens  # another thread or process refreshed while we waited
            if tokens.refresh_expires_at <= now:
                self.store.mark_dead("the refresh token expired (Intuit keeps one for about 100 days)")
                raise ReconnectNeeded("The QuickBooks refresh token has expired: connect QuickBooks again")
            try:
                payload = self.refresher(tokens.refresh_token)
            except ReconnectNeeded as exc:
                self.store.mark_dead(str(exc))
                raise
            fresh = TokenSet.from_response(payload, tokens.realm_id, issued_at=now,
                                           previous_refresh_token=tokens.refresh_token)
            self.store.save(fresh)  # committed before anyone uses the new access token
            return fresh

