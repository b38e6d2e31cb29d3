"""`quickbooks_sync.py` run-once / daemon / migrate / reset / status as cron and operators use them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import acd
from tracker import db
from tracker.leases import try_acquire
from quickbooks.sync import SYNC_LEASE
from quickbooks.wire.tokens import TokenSet, TokenStore
from sankey_helpers import SOURCE_HEADERS
from tracker.settings import Settings
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table

ROOT = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key().decode()


def _row(invoice, **values):  # source columns only; no end client, job or date
    return sheet_row(invoice, header=SOURCE_HEADERS, inv_dollars="1200.50", task_descr="Training", end_client="",
                     job_name="", submitted_date="", **values)


@pytest.fixture
def cli(tmp_path, qbo_emulator):
    """Run the CLI in a subprocess against the test's emulator, with stored tokens and a local workbook.

    It runs in a temp folder and is not told where config/ is: the shipped mappings must be found anyway."""
    rows = table(_row("C-1"), _row("C-2"), _row("C-3", to_client="Nobody Inc"), header=SOURCE_HEADERS)
    LocalWorkbook.create(tmp_path / "book.xlsx", {"inv_tbl": rows})
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = db.make_engine(database)
    db.upgrade(engine)
    tokens = qbo_emulator.issue_tokens()
    TokenStore(engine, KEY, "sandbox").save(TokenSet.from_response(tokens, tokens["realm_id"], time.time()))
    base = qbo_emulator.base_url
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QB_", "GOOGLE_", "SHEET_", "DATABASE_"))}
    env.update(DATABASE_URL=database, LOCAL_SHEET_PATH=str(tmp_path / "book.xlsx"), QB_ENV="sandbox",
               QB_CLIENT_ID="emulator-client", QB_CLIENT_SECRET="emulator-secret", QB_TOKEN_KEY=KEY,
               QB_API_BASE_URL=base, QB_AUTHORIZE_URL=f"{base}/oauth2/authorize",
               QB_TOKEN_URL=f"{base}/oauth2/v1/tokens/bearer", QB_REVOKE_URL=f"{base}/oauth2/v1/tokens/revoke",
               QB_MAX_ATTEMPTS="2", SECRET_KEY="cli-test-secret-key", LOG_FILE="logs/quickbooks_sync.log",
               QB_BACKOFF_MAX_SECONDS="0.05")

    class Cli:
        settings = Settings(local_sheet_path=tmp_path / "book.xlsx", database_url=database)
        folder = tmp_path

        def run(self, *args, **extra_env):
            return subprocess.run([sys.executable, str(ROOT / "quickbooks_sync.py"), *args], cwd=tmp_path,
                                  env={**env, **extra_env}, capture_output=True, text=True, timeout=120)

        def popen(self, *args):
            return subprocess.Popen([sys.executable, str(ROOT / "quickbooks_sync.py"), *args], cwd=tmp_path, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def sheet(self):
            rows = acd.open_sheet(self.settings).worksheet("inv_tbl").read_all()
            return {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}

        engine_ = engine

    return Cli()


def test_help_explains_every_command(cli):
    result = cli.run("--help")
    for command in ("auth", "run-once", "daemon", "migrate", "reset", "status"):
        assert command in result.stdout
    assert "--dry-run" in cli.run("run-once", "--help").stdout


def test_run_once_needs_migrate_first_then_syncs(cli, qbo_emulator):
    first = cli.run("run-once")
    assert first.returncode == 1
    assert "run `python quickbooks_sync.py migrate`" in first.stdout + first.stderr
    migrated = cli.run("migrate")
    assert migrated.returncode == 0 and "Added to inv_tbl: qb_invoice_id" in migrated.stdout
    assert "already has every qb_* column" in cli.run("migrate").stdout

    synced = cli.run("run-once")
    assert synced.returncode == 0, "row problems are reported in the sheet; the run itself completed"
    assert "Sync ok" in synced.stdout and "2 synced" in synced.stdout and "1 failed" in synced.stdout
    sheet = cli.sheet()
    assert sheet["C-1"]["qb_sync_status"] == "synced" and sheet["C-3"]["qb_sync_status"] == "failed"
    assert sorted(qbo_emulator.docnumber_counts("Invoice")) == ["C-1", "C-2"]

    log_lines = [json.loads(line) for line in (cli.folder / "logs/quickbooks_sync.log").read_text().splitlines()]
    assert any("Sync run" in entry["message"] for entry in log_lines)
    assert all(entry["pid"] for entry in log_lines)
    assert any(entry.get("run_id") for entry in log_lines if entry["message"].startswith("Sync run"))
    tokens = TokenStore(cli.engine_, KEY, "sandbox").load()
    log_text = (cli.folder / "logs/quickbooks_sync.log").read_text()
    assert tokens.access_token not in log_text and tokens.refresh_token not in log_text


def test_dry_run_prints_payloads_and_changes_nothing(cli, qbo_emulator):
    cli.run("migrate")
    before = (cli.folder / "book.xlsx").read_bytes()
    result = cli.run("run-once", "--dry-run")
    planned = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    creates = [p for p in planned if p["action"] == "create"]
    assert [p["key"] for p in creates] == ["C-1", "C-2"]
    assert creates[0]["payload"]["DocNumber"] == "C-1"
    assert any(p["action"] == "error" and "Nobody Inc" in p["message"] for p in planned)
    assert (cli.folder / "book.xlsx").read_bytes() == before
    assert qbo_emulator.created("Invoice") == []


def test_a_run_while_another_holds_the_lease_exits_3(cli):
    cli.run("migrate")
    try_acquire(cli.engine_, SYNC_LEASE, "the-dash-scheduler", ttl=60)
    result = cli.run("run-once")
    assert result.returncode == 3
    assert "already running" in result.stdout


def test_a_bad_setting_exits_2_without_a_traceback(cli):
    result = cli.run("run-once", QB_SYNC_MODE="both")
    assert result.returncode == 2
    assert "QB_SYNC_MODE='both'" in result.stderr and "Traceback" not in result.stderr


def test_reset_and_status(cli, qbo_emulator):
    cli.run("migrate")
    cli.run("run-once")
    refused = cli.run("reset", "--row", "C-1")
    assert refused.returncode == 1 and "Refused" in refused.stdout
    assert cli.run("reset", "--row", "C-3").returncode == 0
    assert cli.sheet()["C-3"]["qb_sync_status"] == ""
    status = cli.run("status")
    assert "Invoices: 0 pending, 2 synced" in status.stdout
    assert "QuickBooks (SANDBOX)" in status.stdout


def test_daemon_stops_warmly_on_sigterm(cli, qbo_emulator):
    cli.run("migrate")
    daemon = cli.popen("daemon", "--interval", "0.5")
    deadline = time.monotonic() + 60
    log = cli.folder / "logs/quickbooks_sync.log"
    while not (log.exists() and "Sync run" in log.read_text()):
        assert daemon.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0
    assert "Sync daemon stopped" in log.read_text()
    assert sorted(qbo_emulator.docnumber_counts("Invoice")) == ["C-1", "C-2"]
