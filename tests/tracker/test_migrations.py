"""The Alembic migrations build exactly the schema `tracker/db.py` declares, and every one of them runs down too,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tracker import db


def test_the_migrated_schema_is_the_declared_one(database_url):
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    engine.dispose()
    assert differences == []


def test_every_migration_runs_down_and_up_again(database_url):
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    with engine.begin() as connection:
        config = db.alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade(engine)
    assert {"qb_marks", "qb_bill_payment_audit", "qb_audit_versions"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def _upgrade_in_child(url, start, results):
    start.wait(30)
    try:
        db.upgrade(db.make_engine(url))
        results.put("ok")
    except Exception as exc:  # reported to the parent
        results.put(repr(exc))


def test_four_processes_booting_at_once_migrate_one_after_the_other(database_url):
    """gunicorn -w 4 on an empty database: every worker upgrades at start; none fails, the schema is built once."""
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    children = [ctx.Process(target=_upgrade_in_child, args=(database_url, start, results)) for _ in range(4)]
    for child in children:
        child.start()
    start.set()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(30)
    assert outcomes == ["ok"] * 4
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == ScriptDirectory.from_config(
            db.alembic_config(engine)).get_current_head()
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
    engine.dispose()


def test_every_script_is_named_by_its_revision_and_the_newest_is_head():
    """`db.upgrade` skips Alembic when the database is at `db.head_revision()`, read from the file names."""
    import re

    from alembic.script import ScriptDirectory

    config = db.alembic_config(db.make_engine("sqlite://"))
    scripts = ScriptDirectory.from_config(config)
    for script in scripts.walk_revisions():
        assert re.fullmatch(rf"{script.revision}_\w+\.py", script.path.rsplit("/", 1)[-1]), script.path
    assert scripts.get_current_head() == db.head_revision()
