"""Users in the database: hashed passwords, the weak-password rule, the first admin from the settings, and
migration 0006 on a database that already has runs."""

from __future__ import annotations

import re
import time

import pytest
from alembic import command
from sqlalchemy import insert, inspect, select, text
from werkzeug.security import generate_password_hash

from tracker import db
from tracker.db import sessions, sync_runs, users
from tracker.sessions import SessionStore
from tracker.users import (UserError, add_user, authenticate, bootstrap_admin, list_users, password_problem,
                           remove_user, set_password)

GOOD = "Plenty-long-pass-7"


@pytest.fixture
def engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'users.db'}")
    db.upgrade(engine)
    yield engine
    engine.dispose()


def test_a_password_is_stored_only_as_a_scrypt_hash(engine):
    add_user(engine, "Alice ", GOOD, "admin")
    with engine.connect() as connection:
        row = connection.execute(select(users)).one()
    assert row.username == "alice" and row.role == "admin"
    assert row.password_hash.startswith("scrypt:") and GOOD not in row.password_hash
    assert authenticate(engine, "ALICE", GOOD).username == "alice"
    assert authenticate(engine, "alice", GOOD.lower()) is None
    assert authenticate(engine, "nobody", GOOD) is None


@pytest.mark.parametrize("password, problem", [
    ("Short-1", "at least 12 characters"),
    ("alllowercaseletters", "too simple"),
    ("123456789012345", "too simple"),
    ("aaaaaaaaaaaaaaaaA1", "too simple"),
    ("My-alice-password-1", "user name"),
])
def test_weak_passwords_are_refused_outside_demo_mode(engine, password, problem):
    assert problem in password_problem(password, "alice")
    with pytest.raises(UserError, match=problem):
        add_user(engine, "alice", password, "staff")
    add_user(engine, "alice", password, "staff", strict=False)   # demo mode takes it
    with pytest.raises(UserError, match=problem):
        set_password(engine, "alice", password)


def test_names_roles_and_duplicates_are_checked(engine):
    add_user(engine, "bob", GOOD, "staff")
    for name, role, message in (("bob", "staff", "exists already"), (" BOB", "admin", "exists already"),
                                ("eve", "root", "Role 'root'"), ("e ve", "staff", "User name"),
                                ("eve\x1b[31m", "staff", "User name"), ("", "staff", "User name")):
        with pytest.raises(UserError, match=re.escape(message)):
            add_user(engine, name, GOOD, role)
    assert [u.username for u in list_users(engine)] == ["bob"]


def test_the_last_admin_cannot_be_removed_and_removing_ends_sessions(engine):
    add_user(engine, "root", GOOD, "admin")
    staff = add_user(engine, "bob", GOOD, "staff")
    SessionStore(engine, 3600).create(staff.id, {})
    with pytest.raises(UserError, match="last admin"):
        remove_user(engine, "root")
    remove_user(engine, "bob")
    with engine.connect() as connection:
        assert connection.execute(select(sessions)).all() == []
    assert [u.username for u in list_users(engine)] == ["root"]


def test_a_password_change_ends_every_session_of_that_user_only(engine):
    alice, bob = add_user(engine, "alice", GOOD, "admin"), add_user(engine, "bob", GOOD, "staff")
    store = SessionStore(engine, 3600)
    kept, ended, other = store.create(alice.id, {}), store.create(alice.id, {}), store.create(bob.id, {})
    assert set_password(engine, "alice", "Another-long-pass-8", keep_session=store.row_id(kept)) == 1
    assert store.load(kept) is not None and store.load(ended) is None and store.load(other) is not None
    assert set_password(engine, "alice", "Third-long-pass-9") == 1   # from the CLI: every session ends
    assert store.load(kept) is None
    assert authenticate(engine, "alice", "Third-long-pass-9")


def test_the_first_admin_comes_from_the_settings_once(engine):
    assert bootstrap_admin(engine, "Boss", generate_password_hash("from-settings")).username == "boss"
    assert authenticate(engine, "boss", "from-settings").role == "admin"
    assert bootstrap_admin(engine, "other", generate_password_hash("x")) is None
    assert [u.username for u in list_users(engine)] == ["boss"]


def test_without_users_or_admin_settings_nobody_is_created(engine, caplog):
    assert bootstrap_admin(engine, "admin", "") is None
    assert list_users(engine) == [] and "users add" in caplog.text


def test_a_session_idles_out(engine):
    user = add_user(engine, "alice", GOOD, "staff")
    now = [1000.0]
    store = SessionStore(engine, 600, clock=lambda: now[0])
    token = store.create(user.id, {"csrf": "t"})
    now[0] += 599
    assert store.load(token)[0].username == "alice"
    now[0] += 599   # seen 599 s ago: still fine, as the last load touched it
    assert store.load(token) is not None
    now[0] += 601
    assert store.load(token) is None
    with engine.connect() as connection:
        assert connection.execute(select(sessions)).all() == []


def test_migration_0006_keeps_existing_runs_and_adds_started_by(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    db.upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO sync_runs (\"trigger\", directions, status, started_at) "
                                "VALUES ('schedule', 'invoice', 'ok', 1.0)"))
    db.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"users", "sessions", "login_failures"} <= tables
    with engine.begin() as connection:
        connection.execute(insert(sync_runs).values(trigger="manual", directions="invoice", status="ok",
                                                    started_at=time.time(), started_by="alice"))
    with engine.connect() as connection:
        assert connection.execute(select(sync_runs.c.started_by).order_by(sync_runs.c.id)).scalars().all() == [
            None, "alice"]
    with engine.begin() as connection:
        config = db.alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert "users" not in set(inspect(engine).get_table_names())
    engine.dispose()
