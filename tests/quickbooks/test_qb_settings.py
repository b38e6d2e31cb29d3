"""QuickBooks settings: local needs nothing, Intuit environments need keys; every problem named at once."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tracker.errors import ConfigError
from quickbooks.settings import load_qb_settings

KEY = Fernet.generate_key().decode()


def test_local_needs_no_credentials():
    settings = load_qb_settings(environ={}, env_file=None)
    assert settings.env == "local" and settings.is_local
    assert settings.sync_mode == "invoice_only" and not settings.bills_enabled
    assert not settings.endpoints_ready, "the emulator's address is filled in when it starts"
    assert settings.with_endpoints("http://127.0.0.1:5000").token_url == "http://127.0.0.1:5000/oauth2/v1/tokens/bearer"


@pytest.mark.parametrize("raw, expected", [("Production", "production"), ("Development", "sandbox"),
                                           ("sandbox", "sandbox")])
def test_environment_names_from_the_seed_are_accepted(raw, expected):
    settings = load_qb_settings(environ={"QB_ENV": raw, "QB_CLIENT_ID": "id", "QB_CLIENT_SECRET": "s",
                                         "QB_TOKEN_KEY": KEY, "SECRET_KEY": "k"}, env_file=None)
    assert settings.env == expected
    assert settings.token_url == "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    assert settings.api_base_url.endswith(("sandbox-quickbooks.api.intuit.com", "//quickbooks.api.intuit.com"))


@pytest.mark.parametrize("environ, expected", [
    ({"QB_ENV": "prod"}, "QB_ENV='prod': expected local, sandbox (or development) or production"),
    ({"QB_ENV": "sandbox"}, "QB_CLIENT_ID is required when QB_ENV=sandbox"),
    ({"QB_ENV": "sandbox"}, "QB_TOKEN_KEY is required when QB_ENV=sandbox"),
    ({"QB_ENV": "production"}, "SECRET_KEY is required when QB_ENV=production"),
    ({"QB_TOKEN_KEY": "not-a-key"}, "QB_TOKEN_KEY='not-a-key': expected a Fernet key"),
    ({"QB_DEFAULT_ITEM_ID": "Services"}, "QB_DEFAULT_ITEM_ID='Services': expected the numeric id"),
    ({"QB_SYNC_MODE": "both"}, "expected one of invoice_only, dual"),
    ({"QB_SYNC_MODE": "dual"}, "QB_SYNC_MODE=dual needs QB_ENABLE_BILLS=true"),
    ({"QB_SYNC_MODE": "dual", "QB_ENABLE_BILLS": "true"}, "QB_DEFAULT_EXPENSE_ACCOUNT is required"),
    ({"QB_TOKEN_URL": "http://intuit.example/token"}, "use https://"),
], ids=["bad-env", "no-client-id", "no-token-key", "no-secret-key", "bad-key", "item-name", "bad-mode",
        "dual-no-bills", "bills-no-account", "plain-http"])
def test_problems_are_named(environ, expected):
    with pytest.raises(ConfigError) as info:
        load_qb_settings(environ=environ, env_file=None)
    assert expected in str(info.value)


def test_secrets_stay_out_of_the_repr():
    settings = load_qb_settings(environ={"QB_CLIENT_SECRET": "s3cr3t-value", "QB_TOKEN_KEY": KEY}, env_file=None)
    assert "s3cr3t-value" not in repr(settings) and KEY not in repr(settings)
