"""Files only their owner reads: the SQLite database and its -wal/-shm, the logs and their rotations, `.env`.

Created with mode 0600 whatever the umask; an existing one that group or others may read is set to 0600 with a
warning in the log; one already at 0600 or tighter keeps its mode.
"""

from __future__ import annotations

import logging
import os
import sqlite3

import pytest
from sqlalchemy import text

from tracker import db
from tracker.logging_setup import configure_logging
from tracker.settings import load_settings


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def open_umask():
    """The usual umask of a shared machine: new files readable by everyone unless created otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_database_and_its_wal_files_are_the_owners_only(tmp_path, open_umask):
    path = tmp_path / "data" / "tracker.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM sync_runs")).scalar()
        wal, shm = tmp_path / "data" / "tracker.db-wal", tmp_path / "data" / "tracker.db-shm"
        assert wal.exists() and shm.exists()
        assert {p.name: _mode(p) for p in (path, wal, shm)} == {"tracker.db": 0o600, "tracker.db-wal": 0o600,
                                                                 "tracker.db-shm": 0o600}
    engine.dispose()


def test_an_existing_database_readable_by_others_is_set_to_600_and_logged(tmp_path, open_umask, caplog):
    path = tmp_path / "tracker.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    caplog.set_level(logging.WARNING)
    engine = db.make_engine(f"sqlite:///{path}")
    assert _mode(path) == 0o600
    assert any(str(path) in r.getMessage() and "644" in r.getMessage() and "set to 600" in r.getMessage()
               for r in caplog.records)
    engine.dispose()


def test_a_database_already_private_keeps_its_mode_and_nothing_is_logged(tmp_path, caplog):
    path = tmp_path / "tracker.db"
    sqlite3.connect(path).close()
    path.chmod(0o400)
    caplog.set_level(logging.WARNING)
    db.make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o400
    assert not [r for r in caplog.records if "set to 600" in r.getMessage()]


def test_log_files_are_the_owners_only_and_reopened_after_logrotate(tmp_path, open_umask, restore_logging):
    log_file = tmp_path / "logs" / "quickbooks_sync.log"
    configure_logging("INFO", log_format="json", log_file=log_file)
    logging.getLogger("quickbooks_sync").info("sync started")
    assert _mode(log_file) == 0o600

    log_file.rename(tmp_path / "logs" / "quickbooks_sync.log.1")   # what logrotate does (without copytruncate)
    logging.getLogger("quickbooks_sync").info("after the rotation")
    assert _mode(log_file) == 0o600
    assert "after the rotation" in log_file.read_text()
    assert "after the rotation" not in (tmp_path / "logs" / "quickbooks_sync.log.1").read_text()


def test_existing_logs_readable_by_others_are_set_to_600_and_logged(tmp_path, restore_logging, caplog):
    log_file = tmp_path / "logs" / "quickbooks_sync.log"
    log_file.parent.mkdir()
    for path in (log_file, tmp_path / "logs" / "quickbooks_sync.log.1"):
        path.write_text("{}\n")
        path.chmod(0o644)
    caplog.set_level(logging.WARNING)
    configure_logging("INFO", log_format="json", log_file=log_file)
    assert {_mode(p) for p in log_file.parent.iterdir()} == {0o600}
    assert len([r for r in caplog.records if "set to 600" in r.getMessage()]) == 2


def test_an_env_file_readable_by_others_is_set_to_600_and_logged(tmp_path, caplog):
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=from-dotenv\n")
    env_file.chmod(0o644)
    caplog.set_level(logging.WARNING)
    assert load_settings(environ={}, env_file=env_file).secret_key == "from-dotenv"
    assert _mode(env_file) == 0o600
    assert any(".env" in r.getMessage() and "644" in r.getMessage() for r in caplog.records)
