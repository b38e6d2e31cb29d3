"""The Alembic migrations build exactly the schema `tracker/db.py` declares, and every one of them runs down too."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tracker import db


def test_the_migrated_schema_is_the_declared_one(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    db.upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    engine.dispose()
    assert differences == []


def test_every_migration_runs_down_and_up_again(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    db.upgrade(engine)
    with engine.begin() as connection:
        config = db.alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade(engine)
    assert {"qb_marks", "qb_bill_payment_audit", "qb_audit_versions"} <= set(inspect(engine).get_table_names())
    engine.dispose()
