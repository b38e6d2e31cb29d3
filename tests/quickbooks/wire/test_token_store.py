"""The token store: encrypted at rest, a wrong key refuses to start, a dead grant is kept but never used."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tracker import db
from quickbooks.errors import ReconnectNeeded, TokenKeyMismatch
from quickbooks.wire.tokens import TokenManager, TokenSet, TokenStore

ACCESS, REFRESH = "access-token-PLAINTEXT-1", "refresh-token-PLAINTEXT-1"


@pytest.fixture
def engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'tokens.db'}")
    db.upgrade(engine)
    return engine


def _tokens(access=ACCESS, refresh=REFRESH, access_expires=10_000.0, refresh_expires=1_000_000.0):
    return TokenSet(access, refresh, access_expires, refresh_expires, "9130350000000001")


def test_tokens_are_encrypted_at_rest(engine, tmp_path):
    store = TokenStore(engine, Fernet.generate_key().decode(), "local")
    store.save(_tokens(), company_name="ACD Demo Company")
    assert store.load() == _tokens()
    engine.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("tokens.db"))
    assert ACCESS.encode() not in raw and REFRESH.encode() not in raw
    assert b"ACD Demo Company" in raw


def test_a_different_key_refuses_with_a_clear_message(engine):
    TokenStore(engine, Fernet.generate_key().decode(), "local").save(_tokens())
    other = TokenStore(engine, Fernet.generate_key().decode(), "local")
    with pytest.raises(TokenKeyMismatch, match="cannot be decrypted with this QB_TOKEN_KEY"):
        other.check_key()
    with pytest.raises(TokenKeyMismatch):
        other.load()
    assert other.info().realm_id == "9130350000000001", "the stored row is left as it was"


def test_no_key_at_all_is_a_configuration_error(engine):
    with pytest.raises(TokenKeyMismatch, match="QB_TOKEN_KEY is not set"):
        TokenStore(engine, "", "local")


def test_a_fresh_token_is_used_without_refreshing(engine):
    store = TokenStore(engine, Fernet.generate_key().decode(), "local")
    store.save(_tokens(access_expires=5000.0))
    refreshed = []
    manager = TokenManager(store, refresher=refreshed.append, clock=lambda: 1000.0)
    assert manager.current().access_token == ACCESS
    assert refreshed == []


def test_an_expired_refresh_token_marks_the_connection_dead(engine):
    store = TokenStore(engine, Fernet.generate_key().decode(), "local")
    store.save(_tokens(access_expires=100.0, refresh_expires=500.0))
    manager = TokenManager(store, refresher=lambda token: pytest.fail("must not call Intuit"), clock=lambda: 1000.0)
    with pytest.raises(ReconnectNeeded, match="refresh token has expired"):
        manager.current()
    assert "expired" in store.info().needs_reconnect(now=1000.0)
    with pytest.raises(ReconnectNeeded, match="must be connected again"):
        store.load()


def test_not_connected_says_what_to_press(engine):
    store = TokenStore(engine, Fernet.generate_key().decode(), "local")
    with pytest.raises(ReconnectNeeded, match="Connect QuickBooks"):
        TokenManager(store, refresher=lambda token: {}).current()
