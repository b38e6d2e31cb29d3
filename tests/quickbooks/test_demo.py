"""Demo mode generates its secrets once into .env; real environments never get generated secrets."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from quickbooks.demo import ensure_local_secrets
from quickbooks.settings import load_qb_settings
from tracker.settings import load_settings


def test_secrets_are_generated_once_and_read_back(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=8050")
    first = ensure_local_secrets(env_file, environ={})
    assert first.names == ("QB_TOKEN_KEY", "SECRET_KEY", "ADMIN_PASSWORD_HASH")
    assert ensure_local_secrets(env_file, environ={}).names == ()
    settings, qb = load_settings(environ={}, env_file=env_file), load_qb_settings(environ={}, env_file=env_file)
    assert qb.token_key and settings.secret_key
    assert check_password_hash(settings.admin_password_hash, first.admin_password)
    text = env_file.read_text()
    assert text.startswith("PORT=8050\n") and first.admin_password not in text
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"


def test_nothing_is_generated_outside_local_mode(tmp_path):
    generated = ensure_local_secrets(tmp_path / ".env", environ={"QB_ENV": "production"})
    assert generated.names == () and not (tmp_path / ".env").exists()


def test_an_admin_password_given_in_clear_is_kept_as_a_hash(tmp_path):
    settings = load_settings(environ={"ADMIN_PASSWORD": "correct horse"}, env_file=None)
    assert "correct horse" not in repr(settings)
    assert check_password_hash(settings.admin_password_hash, "correct horse")
