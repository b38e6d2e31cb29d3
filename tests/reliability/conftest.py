"""A world for reliability tests: the QuickBooks emulator (in this process), a workbook of ready rows, a
database with stored tokens, the CLI in a subprocess, and checks that every ready row exists exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import acd
from tracker import db
from quickbooks.connection import open_quickbooks
from quickbooks.settings import load_qb_settings
from quickbooks.sync import SyncService
from quickbooks.wire.tokens import TokenSet, TokenStore
from sankey_helpers import SOURCE_HEADERS
from tracker.settings import Settings
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = ["Globex LLC", "Initech", "O'Brien & Sons", "Zoë Café Ltd", "Acme Corp"]
VENDORS = ["Accelebrate", "BHanalytics"]
DUAL_MODE = {"QB_SYNC_MODE": "dual", "QB_ENABLE_BILLS": "true", "QB_DEFAULT_EXPENSE_ACCOUNT": "7"}

# Intuit's variations (docs/reference/quickbooks-api.md): requestid replayed, ignored or refused with 6000, and
# duplicate numbers refused (6140) or accepted. Correctness must not depend on any of them.
REQUESTID_MODES = ("replay", "ignore", "reject")
DUPLICATE_CHECKS = {"on": {"invoice_duplicates": "refuse", "bill_duplicates": "company"},
                    "off": {"invoice_duplicates": "allow", "bill_duplicates": "allow"}}
MODES = [pytest.param({"requestid_mode": requestid, **checks}, id=f"requestid-{requestid}-duplicates-{name}")
         for requestid in REQUESTID_MODES for name, checks in DUPLICATE_CHECKS.items()]


def ready_rows(n: int, prefix: str = "R", bill_every: int = 0) -> list[list[str]]:
    """`n` ready rows; with `bill_every`, every such row is a vendor's bill to ACD (money out) instead."""
    def row(i: int) -> list[str]:
        if bill_every and i % bill_every == 0:
            return sheet_row(f"B{prefix}-{i:04d}", inv_from=VENDORS[i % 2], to_client="ACD",
                             inv_dollars=f"{50 + i}.{i % 100:02d}", task_descr="Training", end_client="", job_name="")
        return sheet_row(f"{prefix}-{i:04d}", to_client=CUSTOMERS[i % len(CUSTOMERS)],
                         inv_dollars=f"{100 + i}.{i % 100:02d}", task_descr="Consulting", end_client="", job_name="")
    return table(*(row(i) for i in range(n)))


@dataclass
class World:
    emulator: object
    folder: Path
    env: dict
    settings: Settings
    keys: list[str] = field(default_factory=list)

    def cli(self, *args, failpoint: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {**self.env, **({"TRACKER_FAILPOINT": failpoint} if failpoint else {})}
        return subprocess.run([sys.executable, str(ROOT / "quickbooks_sync.py"), *args], cwd=self.folder, env=env,
                              capture_output=True, text=True, timeout=timeout)

    def popen(self, *args, failpoint: str | None = None) -> subprocess.Popen:
        env = {**self.env, **({"TRACKER_FAILPOINT": failpoint} if failpoint else {})}
        return subprocess.Popen([sys.executable, str(ROOT / "quickbooks_sync.py"), *args], cwd=self.folder,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def service(self) -> SyncService:
        qb_settings = load_qb_settings(environ=self.env, env_file=None)
        engine = db.make_engine(self.settings.database_url)
        return SyncService(self.settings, open_quickbooks(qb_settings, engine), engine)

    def sheet(self) -> dict[str, dict[str, str]]:
        rows = acd.open_sheet(self.settings).worksheet(self.settings.inv_worksheet).read_all()
        return {r[0]: dict(zip(rows[0], r)) for r in rows[1:] if r[0]}

    def created_count(self) -> int:
        return len(self.emulator.created("Invoice")) + len(self.emulator.created("Bill"))

    def run_until_quiet(self, max_runs: int = 4) -> None:
        """Run in-process until a run creates nothing new (at most `max_runs`)."""
        service = self.service()
        for _ in range(max_runs):
            before = self.created_count()
            report = service.run("cli")
            if report.ok and self.created_count() == before:
                return
        raise AssertionError(f"still busy after {max_runs} runs: {report.status} {report.error}")

    def assert_each_row_exactly_once(self) -> None:
        """Every ready row exists once in QuickBooks (Invoice or Bill) and its sheet row carries that transaction's
        own id and link, marked synced: no duplicate, no row lost, no row failed that QuickBooks holds."""
        sheet = self.sheet()
        for entity, id_column, status_column in (("Invoice", "qb_invoice_id", "qb_sync_status"),
                                                 ("Bill", "qb_bill_id", "qb_bill_status")):
            keys = sorted(k for k in self.keys if k.startswith("B") == (entity == "Bill"))
            counts = self.emulator.docnumber_counts(entity)
            duplicated = {k: n for k, n in counts.items() if n != 1}
            assert duplicated == {}, f"{entity}s created more than once: {duplicated}"
            assert sorted(counts) == keys, f"a ready row has no QuickBooks {entity}"
            created = {i["DocNumber"]: i["Id"] for i in self.emulator.created(entity)}
            link = "qb_invoice_url" if entity == "Invoice" else "qb_bill_url"
            wrong = [(k, sheet[k][status_column], sheet[k].get("qb_error") or sheet[k].get("qb_bill_error"))
                     for k in keys if sheet[k][id_column] != created[k] or f"txnId={created[k]}&" not in sheet[k][link]
                     or sheet[k][status_column] != "synced"]
            assert wrong == [], f"sheet rows without their own {entity} id/link: {wrong[:5]}"


def make_world(folder: Path, emulator, rows: list[list[str]], database: str | None = None, **env_extra) -> World:
    """The world in `folder`, on the database at the URL `database` (an SQLite file in `folder` when None)."""
    path = folder / "book.xlsx"
    LocalWorkbook.create(path, {"inv_tbl": rows})
    database = database or f"sqlite:///{folder / 'sync.db'}"
    engine = db.make_engine(database)
    db.upgrade(engine)
    key = Fernet.generate_key().decode()
    tokens = emulator.issue_tokens()
    TokenStore(engine, key, "sandbox").save(TokenSet.from_response(tokens, tokens["realm_id"], time.time()))
    engine.dispose()
    base = emulator.base_url
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QB_", "GOOGLE_", "SHEET_", "DATABASE_",
                                                                  "TRACKER_"))}
    env.update(DATABASE_URL=database, LOCAL_SHEET_PATH=str(path), QB_ENV="sandbox", QB_CLIENT_ID="emulator-client",
               QB_CLIENT_SECRET="emulator-secret", QB_TOKEN_KEY=key, QB_API_BASE_URL=base,
               QB_AUTHORIZE_URL=f"{base}/oauth2/authorize", QB_TOKEN_URL=f"{base}/oauth2/v1/tokens/bearer",
               QB_REVOKE_URL=f"{base}/oauth2/v1/tokens/revoke",
               QB_DIRECTIONS_FILE=str(ROOT / "config/qb_directions.json"),
               QB_CUSTOMERS_FILE=str(ROOT / "config/qb_customers.json"),
               QB_MAX_ATTEMPTS="3", QB_BACKOFF_MAX_SECONDS="0.05", SECRET_KEY="reliability-test-secret-key")
    env.update(env_extra)
    settings = Settings(local_sheet_path=path, database_url=database, scheduler_enabled=False, secret_key="t")
    keys = [r[0] for r in rows[1:] if r[SOURCE_HEADERS.index("status")] in ("submitted", "pending")]
    return World(emulator, folder, env, settings, keys)


@pytest.fixture
def qbo():
    from emulators.qbo import QboEmulator

    emulator = QboEmulator()
    with emulator.start():
        yield emulator
