"""`make_engine` on both databases: SQLite's pragmas, PostgreSQL through psycopg 3, and a lock waited for a bounded
time on either (30 s), never forever."""

from __future__ import annotations

from sqlalchemy import text

from tracker import db


def test_a_lock_is_waited_for_a_bounded_time(database_url):
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == db.SQLITE_BUSY_TIMEOUT_MS
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        else:
            assert connection.execute(text("SHOW lock_timeout")).scalar() == "30s"
    engine.dispose()


def test_a_plain_postgresql_url_gets_the_shipped_driver():
    """No connection is made: only the driver the URL resolves to (psycopg 3, not SQLAlchemy's psycopg2)."""
    for url in ("postgresql://user:secret@db.example/tracker", "postgresql+psycopg://user:secret@db.example/tracker"):
        engine = db.make_engine(url)
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
        assert engine.url.database == "tracker" and engine.pool._pre_ping
