"""`quickbooks_sync.py users add|list|remove|set-password`, in subprocesses as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker import db
from tracker.db import users
from tracker.sessions import SessionStore
from tracker.users import authenticate, find

ROOT = Path(__file__).resolve().parents[2]
GOOD = "Correct-horse-42"


@pytest.fixture
def cli(tmp_path):
    database = f"sqlite:///{tmp_path / 'users.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QB_", "ADMIN_", "DATABASE_", "SECRET_"))}
    env.update(DATABASE_URL=database, QB_ENV="production")   # no QuickBooks settings needed to manage users

    def run(*args, stdin: str = "", **extra_env):
        return subprocess.run([sys.executable, str(ROOT / "quickbooks_sync.py"), "users", *args], cwd=tmp_path,
                              env={**env, **extra_env}, input=stdin, capture_output=True, text=True, timeout=120)

    run.engine = db.make_engine(database)
    yield run
    run.engine.dispose()


def test_add_list_set_password_and_remove(cli):
    added = cli("add", "Alice", "--role", "admin", "--password-stdin", stdin=GOOD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Added alice (admin)" in added.stdout
    assert cli("add", "bob", "--password-stdin", stdin=GOOD + "\n").returncode == 0
    assert authenticate(cli.engine, "alice", GOOD) and find(cli.engine, "bob").role == "staff"

    listed = cli("list")
    assert listed.returncode == 0
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [["alice", "admin"], ["bob", "staff"]]
    with cli.engine.connect() as connection:
        hashes = connection.execute(select(users.c.password_hash)).scalars().all()
    assert all(h not in listed.stdout for h in hashes) and "scrypt" not in listed.stdout and GOOD not in listed.stdout

    SessionStore(cli.engine, 3600).create(find(cli.engine, "bob").id, {})
    changed = cli("set-password", "bob", "--password-stdin", stdin="Another-horse-43\n")
    assert changed.returncode == 0 and "1 session(s) ended" in changed.stdout
    assert authenticate(cli.engine, "bob", "Another-horse-43") and not authenticate(cli.engine, "bob", GOOD)

    assert cli("remove", "bob").returncode == 0 and find(cli.engine, "bob") is None
    refused = cli("remove", "alice")
    assert refused.returncode == 1 and "last admin" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize("password, message", [("short-1", "at least 12 characters"),
                                               ("onlylowercaseletters", "too simple")])
def test_weak_passwords_are_refused_outside_demo_mode(cli, password, message):
    result = cli("add", "carol", "--password-stdin", stdin=password + "\n")
    assert result.returncode == 1 and message in result.stderr
    assert find(cli.engine, "carol") is None
    demo = cli("add", "carol", "--password-stdin", stdin=password + "\n", QB_ENV="local")
    assert demo.returncode == 0, demo.stderr


def test_the_prompt_asks_twice(cli):
    """Without a terminal, getpass reads the prompt's answers from stdin (and warns about echo)."""
    differ = cli("add", "dave", stdin=GOOD + "\nsomething-else-1\n")
    assert differ.returncode == 1 and "differ" in differ.stderr and find(cli.engine, "dave") is None
    same = cli("add", "dave", stdin=f"{GOOD}\n{GOOD}\n")
    assert same.returncode == 0 and authenticate(cli.engine, "dave", GOOD)
    assert GOOD not in same.stdout + same.stderr


def test_the_first_admin_comes_from_admin_password(cli):
    listed = cli("list", ADMIN_PASSWORD="Bootstrap-pass-1")
    assert listed.returncode == 0 and "added admin admin" in listed.stdout
    assert authenticate(cli.engine, "admin", "Bootstrap-pass-1").role == "admin"
    assert "added admin" not in cli("list", ADMIN_PASSWORD="Changed-later-2").stdout
    assert not authenticate(cli.engine, "admin", "Changed-later-2")


def test_help_names_the_users_command(cli):
    result = subprocess.run([sys.executable, str(ROOT / "quickbooks_sync.py"), "--help"], capture_output=True,
                            text=True, timeout=60)
    assert "users" in result.stdout
