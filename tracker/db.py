"""The tracker's database: engine, table definitions and schema migrations (Alembic).

`DATABASE_URL` is an SQLAlchemy URL (default `sqlite:///finance_tracker.db`): SQLite, or PostgreSQL through psycopg 3
(`postgresql+psycopg://user:pass@host/db`), the two the tests run on. SQLite runs in WAL mode with a busy timeout,
so the web process, the scheduler and a cron run can share one file; PostgreSQL waits on a lock as long. The schema
is owned by the Alembic scripts in `migrations/`; `upgrade(engine)` brings either to the newest revision.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING
from pathlib import Path

from filelock import FileLock
from sqlalchemy import (Column, Date, DateTime, Float, ForeignKey, Integer, LargeBinary, Index, MetaData, String, Table,
                        Text, UniqueConstraint, create_engine, event, text)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from tracker import files

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATION_LOCK_SECONDS = 600
MIGRATION_LOCK_KEY = 0x7472_6163_6B65_72   # PostgreSQL advisory lock of `upgrade` ("tracker" in ASCII)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})

daily_snapshots = Table(
    "daily_snapshots", metadata,
    Column("id", Integer, primary_key=True),
    Column("snapshot_date", Date, nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("source", String(300), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("total_dollars", String(40), nullable=False),
    Column("rows_json", Text, nullable=False),
    UniqueConstraint("snapshot_date"),
)


# One row per named lease (sync runs, token refresh): who holds it and until when (epoch seconds), and its fencing
# token, one more at each new holder (tracker/leases.py).
leases = Table(
    "leases", metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("token", Integer, nullable=False, server_default="0"),
)

# The QuickBooks connection: tokens encrypted with Fernet (QB_TOKEN_KEY); expiry times in clear for the UI.
qb_tokens = Table(
    "qb_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("realm_id", String(40), nullable=False),
    Column("environment", String(20), nullable=False),
    Column("token_ciphertext", LargeBinary, nullable=False),
    Column("access_expires_at", Float, nullable=False),
    Column("refresh_expires_at", Float, nullable=False),
    Column("connected_at", Float, nullable=False),
    Column("refreshed_at", Float, nullable=False),
    Column("company_name", String(300), nullable=False, server_default=""),
    Column("reconnect_reason", String(500), nullable=True),
    # JSON {"invoice": true, "bill": false}: whether QuickBooks takes our DocNumbers; null until read
    Column("custom_numbers", String(100), nullable=True),
    # JSON {"country": "GB", "automated_sales_tax": false, "multicurrency": true, "home_currency": "GBP"}; null until read
    Column("company_setup", Text, nullable=True),
)


def _audit_table(name: str) -> Table:
    """One row per sheet row and direction: what was sent to QuickBooks and what came back.

    `state` is sending (intent committed, answer not yet recorded), created, or failed. The row is kept
    whatever happens to the sheet, so a reverted or re-typed row is never pushed twice.
    """
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True),
        Column("sheet", String(300), nullable=False),
        Column("worksheet", String(200), nullable=False),
        Column("row_key", String(200), nullable=False),
        Column("state", String(20), nullable=False),
        Column("request_id", String(36), nullable=True),
        Column("payload_hash", String(64), nullable=True),
        Column("payload_json", Text, nullable=True),
        Column("row_fingerprint", String(64), nullable=True),
        Column("qb_id", String(40), nullable=True),
        Column("doc_number", String(40), nullable=True),
        Column("qb_url", String(300), nullable=True),
        Column("party_name", String(500), nullable=True),
        Column("amount", String(40), nullable=True),
        Column("response_json", Text, nullable=True),
        Column("error", Text, nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("created_at", Float, nullable=False),
        Column("updated_at", Float, nullable=False),
        # After creation (quickbooks/pull.py, quickbooks/rules/lifecycle.py): the sheet content the transaction
        # was made from (edits are found against it), and what QuickBooks last said of it.
        Column("content_json", Text, nullable=True),
        Column("qb_sync_token", String(20), nullable=True),
        Column("qb_total", String(40), nullable=True),
        Column("qb_balance", String(40), nullable=True),
        Column("qb_paid_date", String(10), nullable=True),
        Column("qb_due_date", String(10), nullable=True),
        Column("qb_state", String(20), nullable=True),          # open, voided, deleted; null: not read back yet
        Column("qb_state_date", String(10), nullable=True),     # when it was voided or deleted
        # What the sync itself changed in the row's own columns, so that it can undo exactly that (a payment
        # deleted in QuickBooks): the status before it set `paid`, and the Inv_paid_date it filled in.
        Column("status_before_paid", Text, nullable=True),   # the sheet's text, any length (0012)
        Column("paid_date_filled", String(10), nullable=True),
        UniqueConstraint("sheet", "worksheet", "row_key"),
        # The admin page's queries (polled every 2 s per open tab) and the engine's: counts by state, the latest
        # rows of a state, and the after-creation counts, answered from the indexes alone (covering).
        Index(f"ix_{name}_state_updated", "sheet", "worksheet", "state", "updated_at"),
        Index(f"ix_{name}_state_remote", "sheet", "worksheet", "state", "qb_state", "qb_balance", "qb_total",
              "qb_due_date"),
        # QuickBooks Id -> row: what a Change Data Capture answer names is found without reading the history.
        Index(f"ix_{name}_qb_id", "sheet", "worksheet", "qb_id"),
    )


qb_invoice_audit = _audit_table("qb_invoice_audit")
qb_bill_audit = _audit_table("qb_bill_audit")

# Every earlier version of an updated transaction (QB_ON_EDIT=update): the audit row keeps the latest only.
qb_audit_versions = Table(
    "qb_audit_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("direction", String(10), nullable=False),
    Column("sheet", String(300), nullable=False),
    Column("worksheet", String(200), nullable=False),
    Column("row_key", String(200), nullable=False),
    Column("qb_id", String(40), nullable=True),
    Column("qb_sync_token", String(20), nullable=True),
    Column("payload_json", Text, nullable=True),
    Column("content_json", Text, nullable=True),
    Column("recorded_at", Float, nullable=False),
    Index("ix_qb_audit_versions_row", "direction", "sheet", "worksheet", "row_key"),
)

# A BillPayment per paid Bill (QB_AUTO_MARK_BILL_PAID), with the same intent-first rules as creates.
qb_bill_payment_audit = Table(
    "qb_bill_payment_audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("sheet", String(300), nullable=False),
    Column("worksheet", String(200), nullable=False),
    Column("row_key", String(200), nullable=False),
    Column("bill_id", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("request_id", String(36), nullable=True),
    Column("payload_json", Text, nullable=True),
    Column("qb_id", String(40), nullable=True),
    Column("error", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("sheet", "worksheet", "row_key"),
)

# Marks kept between runs, such as how far Change Data Capture has been read ("cdc:<realm>").
qb_marks = Table(
    "qb_marks", metadata,
    Column("name", String(200), primary_key=True),
    Column("value", String(40), nullable=False),
    Column("updated_at", Float, nullable=False),
)

# One row per sync run: who started it, how far it got (for the progress bar), what it did.
sync_runs = Table(
    "sync_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("trigger", String(20), nullable=False),
    Column("directions", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    Column("rows_total", Integer, nullable=False, server_default="0"),
    Column("rows_done", Integer, nullable=False, server_default="0"),
    Column("counts_json", Text, nullable=False, server_default="{}"),
    Column("failures_json", Text, nullable=False, server_default="[]"),
    Column("error", Text, nullable=True),
    # The logged-in user who pressed "Sync now"; null for scheduled, cron and daemon runs.
    Column("started_by", String(64), nullable=True),
)

# Who may log in (tracker/users.py): role staff or admin; the password only as a werkzeug scrypt hash.
users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(10), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("password_changed_at", Float, nullable=False),
    Column("last_login_at", Float, nullable=True),
    UniqueConstraint("username"),
)

# Logged-in sessions (tracker/sessions.py): the cookie carries a random token, signed; only its SHA-256 is kept
# here, so the database file holds no usable session. Logout, idle expiry and a password change delete rows.
sessions = Table(
    "sessions", metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("data_json", Text, nullable=False, server_default="{}"),
)

# Failed logins of the last minutes (tracker/throttle.py), per user name and client address, for every worker.
login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("address", String(64), nullable=False, index=True),
    Column("failed_at", Float, nullable=False, index=True),
)


# What has been announced by mail or chat (tracker/notify.py), one row per event (kind, key): a failed row with its
# message, "reconnect", a token's expiry, a run that could not finish. `channels_left` lists the channels (mail,
# webhook) that have not taken it yet; `sent_at` is set once none is left. A send that failed is retried next cycle.
notifications_sent = Table(
    "notifications_sent", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("key", String(200), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
    Column("created_at", Float, nullable=False),
    Column("channels_left", String(40), nullable=False, server_default=""),
    Column("sent_at", Float, nullable=True),
    UniqueConstraint("kind", "key"),
)

def sqlite_file(url: str | URL) -> Path | None:
    """The database file of an SQLite URL; None for an in-memory database or another engine."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite: WAL, foreign keys, and waiting on locks instead of failing.

    An SQLite file is created with mode 0600 (SQLite gives its -wal and -shm files the database's mode); an
    existing one, or its -wal/-shm, that group or others may read is set to 0600, with a warning in the log.
    """
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            for existing in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                files.tighten(existing)
            files.create_private(path)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    parsed = make_url(url)
    if parsed.drivername == "postgresql":   # the driver this project ships (psycopg 3), not SQLAlchemy's psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("postgresql"):   # a lock is waited for as long as SQLite's busy timeout, not forever
        return create_engine(parsed, pool_pre_ping=True,
                             connect_args={"options": f"-c lock_timeout={SQLITE_BUSY_TIMEOUT_MS}"})
    return create_engine(parsed, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config   # Alembic is imported only to migrate: it costs every start ~0.2 s

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every pending migration (idempotent; safe to call at each start).

    Processes starting together (gunicorn -w 4, the app and a cron run) migrate one after the other instead of
    racing Alembic: for an SQLite file under a file lock beside it (`<database>.migrate.lock`); on PostgreSQL under
    a transaction-level advisory lock taken in the very transaction that runs the migrations (PostgreSQL's DDL is
    transactional, so a waiting process then sees the finished schema and has nothing left to do).
    """
    if revision == "head" and current_revision(engine) == head_revision():
        return   # the usual start: nothing to do, and Alembic (and its import) is not needed to know it
    from alembic import command

    path = sqlite_file(engine.url)
    lock = FileLock(f"{path}.migrate.lock", timeout=MIGRATION_LOCK_SECONDS) if path else contextlib.nullcontext()
    with lock, engine.begin() as connection:
        if connection.dialect.name == "postgresql":   # waits as long as the file lock would
            connection.execute(text(f"SET LOCAL lock_timeout = {MIGRATION_LOCK_SECONDS * 1000}"))
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str:
    """The newest migration's revision: scripts are named `<revision>_<what>.py` with 4-digit revisions (a test
    in tests/tracker/test_migrations.py keeps every script so)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision; None when it has none yet (or cannot be read: then `upgrade` decides)."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None
