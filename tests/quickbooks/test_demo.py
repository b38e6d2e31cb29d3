"""Demo mode generates its secrets once into .env (owner-only from its creation); real environments never get
generated secrets; the admin password reaches a terminal only, or a 0600 file when stderr is redirected."""

from __future__ import annotations

import io
import os
import sys

from dotenv import dotenv_values
from werkzeug.security import check_password_hash

from quickbooks.demo import Generated, announce_generated, create_demo_workbook, ensure_local_secrets
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


def test_env_is_created_owner_only_from_the_start_never_chmoded_after(tmp_path, monkeypatch):
    def no_chmod(*args, **kwargs):
        raise AssertionError(f"chmod after the fact: {args}")

    env_file = tmp_path / ".env"
    old_umask = os.umask(0o022)
    try:
        monkeypatch.setattr(os, "chmod", no_chmod)
        ensure_local_secrets(env_file, environ={})
        monkeypatch.undo()
    finally:
        os.umask(old_umask)
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    assert set(dotenv_values(env_file)) == {"QB_TOKEN_KEY", "SECRET_KEY", "ADMIN_PASSWORD_HASH"}


def test_the_demo_workbook_is_the_owners_only(tmp_path):
    old_umask = os.umask(0o022)
    try:
        create_demo_workbook(tmp_path / "data" / "finance_tracker.xlsx", rows=5)
    finally:
        os.umask(old_umask)
    assert oct((tmp_path / "data" / "finance_tracker.xlsx").stat().st_mode & 0o777) == "0o600"


def test_redirected_stderr_gets_the_password_files_path_not_the_password(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    announce_generated(Generated(("ADMIN_PASSWORD_HASH",), "pw-Zq81xYv"))
    err = capsys.readouterr().err
    password_file = tmp_path / "data" / "admin-password.txt"
    assert "pw-Zq81xYv" not in err
    assert "data/admin-password.txt" in err
    assert password_file.read_text() == "pw-Zq81xYv\n"
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_password_once_and_no_file_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    announce_generated(Generated(("ADMIN_PASSWORD_HASH",), "pw-Zq81xYv"))
    assert "password pw-Zq81xYv" in terminal.getvalue()
    assert not (tmp_path / "data").exists()
