"""The databases the tests run on: SQLite in a temp folder, and PostgreSQL in a fresh database of its own.

PostgreSQL comes from `TEST_DATABASE_URL` (`scripts/test.sh` starts a throwaway server and sets it): each test
gets a database of its own, created from that URL's server and dropped afterwards, so tests stay independent.
Unset, a PostgreSQL test fails, loudly, rather than skip: CI must not pass without them. `TEST_DATABASE_URL=skip`
skips them on purpose (a developer without PostgreSQL).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

HOW = ("scripts/test.sh starts a throwaway PostgreSQL and sets TEST_DATABASE_URL; or set it to "
       "postgresql+psycopg://user@host:port/db (a user who may create databases), or to `skip` to skip these tests")


def postgres_server() -> str:
    """The URL of the PostgreSQL server the tests may create databases on (fails or skips the test without one)."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url == "skip":
        pytest.skip("TEST_DATABASE_URL=skip: the PostgreSQL tests are skipped on purpose")
    if not url:
        pytest.fail(f"this test runs on PostgreSQL and TEST_DATABASE_URL is not set: {HOW}", pytrace=False)
    return url


@contextlib.contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of `server_url`; its URL; dropped afterwards (connections and all)."""
    name = f"tracker_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def database_for(backend: str, folder) -> Iterator[str]:
    """The URL of an empty database of `backend` ("sqlite": a file in `folder`; "postgresql": a fresh database)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'test.db'}"
    else:
        with fresh_postgres_database(postgres_server()) as url:
            yield url
