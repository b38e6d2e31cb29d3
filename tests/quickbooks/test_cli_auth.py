"""`quickbooks_sync.py auth --no-browser` end to end: consent in the emulator, redirect to the CLI, tokens stored."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from sqlalchemy import select

from tracker import db
from tests.builders import consent

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QB_", "GOOGLE_", "SHEET_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", LOCAL_SHEET_PATH=str(tmp_path / "book.xlsx"),
               QB_TOKEN_KEY=Fernet.generate_key().decode(), **extra)
    return env


def _run(tmp_path, *args, env):
    return subprocess.run([sys.executable, str(ROOT / "quickbooks_sync.py"), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_auth_connects_through_the_local_callback(tmp_path):
    env = _env(tmp_path, QB_REDIRECT_URI=f"http://localhost:{_free_port()}/callback")
    child = subprocess.Popen([sys.executable, str(ROOT / "quickbooks_sync.py"), "auth", "--no-browser",
                              "--timeout", "30"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + 30
    while not any("oauth2/authorize" in line for line in lines):
        assert time.monotonic() < deadline and child.poll() is None, "".join(lines)
        lines.append(child.stdout.readline())
    authorize_url = next(line for line in lines if "oauth2/authorize" in line).strip()
    while not any("Waiting up to" in line for line in lines):
        lines.append(child.stdout.readline())
    page = requests.get(consent(authorize_url), timeout=5)
    assert "QuickBooks connected" in page.text
    output = "".join(lines) + child.communicate(timeout=30)[0]
    assert child.returncode == 0, output
    assert "QuickBooks connected: ACD Demo Company" in output
    engine = db.make_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        row = connection.execute(select(db.qb_tokens)).one()
    assert row.company_name == "ACD Demo Company" and row.token_ciphertext


def test_status_without_a_connection_says_what_to_run(tmp_path):
    result = _run(tmp_path, "status", env=_env(tmp_path))
    assert result.returncode == 1
    assert "not connected. Run `python quickbooks_sync.py auth`" in result.stdout


def test_a_bad_setting_is_one_plain_message(tmp_path):
    result = _run(tmp_path, "status", env=_env(tmp_path, QB_ENV="prod"))
    assert result.returncode == 2
    assert "QB_ENV='prod'" in result.stderr and "Traceback" not in result.stderr
