"""bench_scale.py's world: a workbook, a database with years of audit history, stored tokens, and the CLI.

The workbook's `inv_tbl` holds `SHEET_ROWS` demo rows (spreadsheet/demo_rows.py, about a quarter of them vendor
bills) ready to sync, then `NEW_ROWS` more in status `draft`; `mark_new_rows_ready` turns those to `submitted`, as
staff would. The history is bulk-inserted with SQLAlchemy Core (`executemany`, `BATCH` rows per statement, no
journal while loading) before the first run: per direction, audit rows of keys no longer in the sheet
(`ACD-2023-000123`, `ACC-200123`, `BH 100123`, a number format the sheet's own rows never use), shaped like what
the sync writes (compare a real row with `sqlite3 sync.db 'select * from qb_invoice_audit limit 1'` under --keep):
payload_json about 600 bytes, response_json about 1.4 KB (a QuickBooks answer with addresses and terms),
content_json, the state read back (qb_state, qb_balance, qb_total, qb_due_date, qb_paid_date). 98.5% are `created`
(most of them paid, some partly paid, open or overdue, 2% voided, 1% deleted), 1.5% `failed` with QuickBooks'
refusal. Their QuickBooks Ids start at 1,000,000, so they never meet the emulator's. Plus `RUNS` sync_runs rows
(counts_json, and failures_json for the runs that counted failed rows) over three years, and a fresh Change Data
Capture mark, as a deployment that has synced all along has (without one, the first run would query every
followed Id).

Everything is for the sheet the app and the CLI use: `local workbook <path>`, worksheet `inv_tbl`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, event, insert
from sqlalchemy.engine import Engine

from quickbooks.pull import OVERLAP_SECONDS, Marks
from quickbooks.wire.tokens import TokenSet, TokenStore
from spreadsheet.base import CellUpdate
from spreadsheet.demo_rows import CLIENTS, JOBS, NOTES, VENDORS, demo_inv_tbl
from spreadsheet.local import LocalWorkbook
from spreadsheet.schema import QB_HEADERS, SOURCE_HEADERS
from tracker import db

ROOT = Path(__file__).resolve().parent.parent
SHEET_ROWS, NEW_ROWS, RUNS, BATCH = 500, 30, 5000, 5000
WORKSHEET = "inv_tbl"
YEAR = 365 * 24 * 3600
TIME = "/usr/bin/time"
DUAL_MODE = {"QB_SYNC_MODE": "dual", "QB_ENABLE_BILLS": "true", "QB_DEFAULT_EXPENSE_ACCOUNT": "7"}
COMPANY = "9130350000000001"
STREETS = ("1200 Market St, Suite 400", "77 Harbour Rd", "5 Rue de la Paix", "Am Hof 12", "401 Congress Ave")
CITIES = (("Philadelphia", "PA", "19107"), ("Austin", "TX", "78701"), ("Portland", "OR", "97204"))


@dataclass
class World:
    folder: Path
    workbook: Path
    database: Path
    env: dict[str, str]

    @property
    def sheet(self) -> str:
        return f"local workbook {self.workbook}"   # tracker/settings.py sheet_label, as the CLI builds it


@dataclass
class CliRun:
    wall: float         # seconds, start of the subprocess to its exit
    cpu: float          # seconds of CPU (user + system): what the run costs whatever else runs on the machine
    rss_mb: float       # its peak resident set size
    code: int
    out: str


# --- the workbook ---

def sheet_table(synced: int = SHEET_ROWS, new: int = NEW_ROWS) -> list[list[str]]:
    """Header (source and qb_* columns, as after `migrate`) and `synced + new` demo rows: the first `synced` ready
    (`submitted`, no paid date), the last `new` in `draft` (with a submitted date, ready once their status is)."""
    status, paid, submitted = (SOURCE_HEADERS.index(c) for c in ("status", "Inv_paid_date", "submitted_date"))
    job_end = SOURCE_HEADERS.index("job_end")
    rows = []
    for number, row in enumerate(demo_inv_tbl(synced + new)[1:]):
        row = list(row)
        row[status], row[paid] = ("submitted" if number < synced else "draft"), ""
        row[submitted] = row[submitted] or row[job_end]
        rows.append(row + [""] * len(QB_HEADERS))
    return [[*SOURCE_HEADERS, *QB_HEADERS], *rows]


def mark_new_rows_ready(world: World, synced: int = SHEET_ROWS, new: int = NEW_ROWS) -> None:
    """The last `new` rows go from draft to submitted (sheet rows synced+2 .. synced+new+1)."""
    column = SOURCE_HEADERS.index("status") + 1
    LocalWorkbook(world.workbook).worksheet(WORKSHEET).write_cells(
        [CellUpdate(synced + 2 + i, column, "submitted") for i in range(new)])


# --- the world ---

def make_world(folder: Path, emulator, history: int, runs: int = RUNS) -> tuple[World, dict[str, int]]:
    """Workbook, migrated database with tokens, history and runs, and the CLI's environment (as
    tests/reliability/conftest.py make_world, in dual mode). Returns the world and the average JSON sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    workbook, database = folder / "book.xlsx", folder / "sync.db"
    LocalWorkbook.create(workbook, {WORKSHEET: sheet_table()})
    engine = bulk_engine(database)
    db.upgrade(engine)
    key = Fernet.generate_key().decode()
    tokens = emulator.issue_tokens()
    TokenStore(engine, key, "sandbox").save(TokenSet.from_response(tokens, tokens["realm_id"], time.time()))
    world = World(folder, workbook, database, cli_env(emulator.base_url, database, workbook, key))
    sizes = insert_history(engine, world.sheet, history)
    insert_runs(engine, runs)
    mark = dt.datetime.fromtimestamp(time.time() - OVERLAP_SECONDS, dt.timezone.utc)
    Marks(engine).set(f"cdc:{tokens['realm_id']}", mark.isoformat(timespec="seconds"))
    engine.dispose()
    return world, sizes


def bulk_engine(database: Path) -> Engine:
    """The database file as tracker/db.py creates it (mode 600), opened for a bulk load: no rollback journal and
    no fsync, which halves the load (a crash while building loses only the temp folder). The CLI and the app open
    it as always (make_engine: WAL)."""
    url = f"sqlite:///{database}"
    db.make_engine(url).dispose()
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _bulk(connection, _record):
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")

    return engine


def cli_env(base: str, database: Path, workbook: Path, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QB_", "GOOGLE_", "SHEET_", "DATABASE_", "TRACKER_", "ADMIN_", "LOG_"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", LOCAL_SHEET_PATH=str(workbook), QB_ENV="sandbox",
               QB_CLIENT_ID="emulator-client", QB_CLIENT_SECRET="emulator-secret", QB_TOKEN_KEY=key,
               QB_API_BASE_URL=base, QB_AUTHORIZE_URL=f"{base}/oauth2/authorize",
               QB_TOKEN_URL=f"{base}/oauth2/v1/tokens/bearer", QB_REVOKE_URL=f"{base}/oauth2/v1/tokens/revoke",
               QB_DIRECTIONS_FILE=str(ROOT / "config/qb_directions.json"),
               QB_CUSTOMERS_FILE=str(ROOT / "config/qb_customers.json"),
               SECRET_KEY="bench-scale-secret-key", **DUAL_MODE)
    return env


def cli(world: World, *args: str) -> CliRun:
    """`python quickbooks_sync.py ARGS` in the world's folder: wall time; peak RSS and CPU time from
    `/usr/bin/time -v` (else from os.wait4: the same rusage of that one child)."""
    command = [sys.executable, str(ROOT / "quickbooks_sync.py"), *args]
    report = world.folder / "time.txt"
    if shutil.which(TIME):
        command = [TIME, "-v", "-o", str(report), *command]
    with open(world.folder / "cli.out", "w") as out, open(world.folder / "cli.err", "w") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=world.folder, env=world.env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)   # reaped here: Popen must not wait for it again
    rss_kb, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    if command[0] == TIME:
        text = report.read_text()
        found = [re.search(rf"{name}: ([\d.]+)", text) for name in
                 ("Maximum resident set size \\(kbytes\\)", "User time \\(seconds\\)", "System time \\(seconds\\)")]
        if all(found):
            rss_kb, cpu = int(found[0].group(1)), float(found[1].group(1)) + float(found[2].group(1))
    text = (world.folder / "cli.out").read_text() + (world.folder / "cli.err").read_text()
    return CliRun(wall, cpu, rss_kb / 1024, process.returncode, text)


def synced_in(run: CliRun) -> int:
    """Rows the run created (or found) in QuickBooks, from its summary line (`invoice: 22 synced; ...`)."""
    line = next((l for l in run.out.splitlines() if l.startswith("Sync ")), "")
    return sum(int(n) for n in re.findall(r"\b(\d+) synced\b", line))


# --- the history ---

POOL = 512   # distinct transactions per direction; each history row is one of them with its own key, Id and dates
KEY, DAY, DUE, QB_ID = "@K@", "@D@", "@U@", "@I@"


@dataclass(frozen=True)
class Template:
    """One transaction as JSON text with placeholders for what differs from row to row (JSON is encoded once
    per template, not once per row: 200,000 rows stay a matter of seconds)."""
    party: str
    amount: float
    payload: str
    response: str
    content: str


def insert_history(engine, sheet: str, per_direction: int) -> dict[str, int]:
    """`per_direction` audit rows in each audit table, `BATCH` per executemany; the average JSON sizes."""
    totals = {"payload_json": 0, "response_json": 0, "content_json": 0}
    for table, entity, make in ((db.qb_invoice_audit, "invoice", _invoice), (db.qb_bill_audit, "bill", _bill)):
        rng = random.Random(f"{table.name}-{per_direction}")
        templates = [_template(rng, make) for _ in range(POOL)]
        for start in range(0, per_direction, BATCH):
            rows = [_audit_row(rng, entity, templates[i % POOL], sheet, i, per_direction)
                    for i in range(start, min(start + BATCH, per_direction))]
            for name in totals:
                totals[name] += sum(len(r[name] or "") for r in rows)
            with engine.begin() as connection:
                connection.execute(insert(table), rows)
    count = max(2 * per_direction, 1)
    return {name: round(total / count) for name, total in totals.items()}


def _template(rng: random.Random, make) -> Template:
    party, amount, payload, content = make(rng)
    return Template(party, amount, json.dumps(payload, sort_keys=True),
                    json.dumps(_response(rng, payload, amount), sort_keys=True),
                    json.dumps(content, sort_keys=True, ensure_ascii=False))


def _key(entity: str, party: str, i: int, day: dt.date) -> str:
    """A number format the sheet's own rows never use (they have ACD-2026-001, ACC-88001, BH 5501)."""
    if entity == "invoice":
        return f"ACD-{day.year}-{i:06d}"
    return f"ACC-{200_000 + i}" if party == "Accelebrate" else f"BH {100_000 + i}"


def _audit_row(rng: random.Random, entity: str, template: Template, sheet: str, i: int, n: int) -> dict:
    """The `i`th of `n` transactions, made over three years up to 45 days ago, oldest first."""
    created = time.time() - 3 * YEAR + (3 * YEAR - 45 * 86400) * i / max(n, 1)
    day = dt.date.fromtimestamp(created)
    key, when, due = _key(entity, template.party, i, day), day.isoformat(), (day + dt.timedelta(30)).isoformat()
    payload = template.payload.replace(KEY, key).replace(DAY, when).replace(DUE, due)
    row = dict(sheet=sheet, worksheet=WORKSHEET, row_key=key, request_id=str(uuid.UUID(int=rng.getrandbits(128))),
               payload_hash=hashlib.sha256(payload.encode()).hexdigest(), payload_json=payload,
               row_fingerprint=f"{rng.getrandbits(256):064x}", doc_number=key, party_name=template.party,
               amount=f"{template.amount:.2f}", attempts=1, created_at=created,
               updated_at=created + rng.uniform(0.2, 3), content_json=template.content.replace(DAY, when),
               qb_sync_token=None, qb_total=None, qb_balance=None, qb_paid_date=None, qb_due_date=None, qb_state=None,
               qb_state_date=None, status_before_paid=None, paid_date_filled=None, qb_id=None, qb_url=None,
               response_json=None, error=None, state="created")
    if rng.random() < 0.015:
        fault = {"Fault": {"Error": [{"Message": "Duplicate Document Number Error", "code": "6140",
                                      "Detail": "Duplicate Document Number Error : You must specify a different "
                                                f"number. This number has already been used. DocNumber={key}",
                                      "element": ""}], "type": "ValidationFault"}, "time": f"{when}T10:15:00-08:00"}
        row.update(state="failed", response_json=json.dumps(fault), error="QuickBooks refused it (6140): Duplicate "
                   f"Document Number Error: this number has already been used (DocNumber={key})", attempts=2)
        return row
    qb_id = str(1_000_000 + i)
    row.update(_remote(rng, template.amount, day), qb_id=qb_id,
               qb_url=f"https://app.qbo.intuit.com/app/{entity}?txnId={qb_id}&companyId={COMPANY}",
               response_json=template.response.replace(KEY, key).replace(DAY, when).replace(DUE, due)
               .replace(QB_ID, qb_id))
    return row


def _remote(rng: random.Random, amount: float, day: dt.date) -> dict:
    """What QuickBooks last said: mostly paid; some partly paid, open (maybe overdue), voided, deleted."""
    due = (day + dt.timedelta(days=30)).isoformat()
    total, pick = f"{amount:.2f}", rng.random()
    values = dict(qb_sync_token=str(rng.randint(0, 3)), qb_total=total, qb_due_date=due, qb_state="open")
    if pick < 0.02:
        return {**values, "qb_state": "voided", "qb_balance": "0.00", "qb_state_date": due}
    if pick < 0.03:
        return {**values, "qb_state": "deleted", "qb_state_date": due}
    if pick < 0.95:
        paid = (day + dt.timedelta(days=rng.randint(5, 60))).isoformat()
        return {**values, "qb_balance": "0.00", "qb_paid_date": paid, "status_before_paid": "submitted",
                "paid_date_filled": paid}
    if pick < 0.98:
        return {**values, "qb_balance": f"{amount / 2:.2f}"}
    return {**values, "qb_balance": total}


def _invoice(rng: random.Random) -> tuple:
    party = rng.choice(CLIENTS)
    code, wording, unit, rate = rng.choice(JOBS)
    quantity = rng.randint(1, 5)
    amount = round(rate * quantity + rng.randint(-9000, 30000) / 100, 2)
    share = round(amount * 0.25, 2)
    note = (f"From: ACD | ACD share: {share:.2f} | Workers' share: {amount - share:.2f} | Thread: "
            f"https://mail.google.com/mail/u/0/#inbox/{rng.getrandbits(64):016x}")
    description = f"{code}-{rng.choice((101, 201, 301))}: {wording}, {quantity} {unit}"
    payload = {"CustomerRef": {"name": party, "value": str(rng.randint(1, 30))}, "DocNumber": KEY,
               "Line": [{"Amount": amount, "Description": description, "DetailType": "SalesItemLineDetail",
                         "SalesItemLineDetail": {"ItemRef": {"name": "Services", "value": "1"}, "Qty": quantity,
                                                 "UnitPrice": round(amount / quantity, 2)}}],
               "PrivateNote": note, "TxnDate": DAY, "DueDate": DUE,
               "CustomerMemo": {"value": f"{rng.choice(NOTES)}. Thank you for your business."},
               "BillEmail": {"Address": f"accounts.payable@{party.split()[0].lower().strip(',')}.example.com"}}
    content = {"amount": f"{amount:.2f}", "date": DAY, "description": description, "note": note, "party": party}
    return party, amount, payload, content


def _bill(rng: random.Random) -> tuple:
    party = rng.choice(VENDORS)
    code, wording, unit, rate = rng.choice(JOBS)
    quantity = rng.randint(1, 5)
    amount = round((rate * quantity + rng.randint(-9000, 30000) / 100) * 0.8, 2)
    note = f"From: {party} | Thread: https://mail.google.com/mail/u/0/#inbox/{rng.getrandbits(64):016x}"
    description = f"{code}-{rng.choice((101, 201, 301))}: {wording}, {quantity} {unit}; trainer fees and travel"
    payload = {"DocNumber": KEY, "Line": [{"AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}},
                                           "Amount": amount, "Description": description,
                                           "DetailType": "AccountBasedExpenseLineDetail"}],
               "PrivateNote": note, "TxnDate": DAY, "DueDate": DUE, "SalesTermRef": {"value": "3"},
               "VendorRef": {"name": party, "value": str(13 + VENDORS.index(party))}}
    content = {"amount": f"{amount:.2f}", "date": DAY, "description": description, "note": note, "party": party}
    return party, amount, payload, content


def _response(rng: random.Random, payload: dict, amount: float) -> dict:
    """QuickBooks' answer to the create: the payload with the fields it fills in."""
    stamp = f"{DAY}T{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}:00-08:00"
    street, (city, state, postal) = rng.choice(STREETS), rng.choice(CITIES)
    lines = [{**line, "Id": "1", "LineNum": 1} for line in payload["Line"]]
    answer = {**payload, "Id": QB_ID, "SyncToken": "0", "domain": "QBO", "sparse": False, "Line": lines,
              "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}, "TotalAmt": amount, "Balance": amount,
              "LinkedTxn": [], "CurrencyRef": {"name": "United States Dollar", "value": "USD"},
              "SalesTermRef": {"name": "Net 30", "value": "3"}}
    address = {"Id": str(rng.randint(10, 99)), "Line1": street, "City": city, "CountrySubDivisionCode": state,
               "PostalCode": postal}
    if "CustomerRef" in payload:
        lines.append({"Amount": amount, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
        answer.update(ApplyTaxAfterDiscount=False, Deposit=0, EmailStatus="NotSet", PrintStatus="NeedToPrint",
                      AllowOnlineACHPayment=False, AllowOnlineCreditCardPayment=False, TxnTaxDetail={"TotalTax": 0},
                      BillAddr={**address, "Line1": payload["CustomerRef"]["name"], "Line2": street, "Country": "USA"},
                      ShipAddr=address)
    else:
        answer.update(APAccountRef={"name": "Accounts Payable (A/P)", "value": "33"}, VendorAddr=address)
        lines[0]["AccountBasedExpenseLineDetail"] = {"AccountRef": {"name": "Contract labor", "value": "7"},
                                                     "BillableStatus": "NotBillable", "TaxCodeRef": {"value": "NON"}}
    return answer


# --- the runs ---

def insert_runs(engine, n: int) -> None:
    """`n` finished runs over three years, oldest first: mostly scheduled and idle, some creating rows, 3% partial
    with the failures they counted, 1% failed, a few refused as busy."""
    rng = random.Random(f"runs-{n}")
    now, rows = time.time(), []
    for i in range(n):
        started = now - 3 * YEAR + (3 * YEAR - 3600) * i / max(n, 1)
        rows.append(_run_row(rng, started))
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(db.sync_runs), rows[start:start + BATCH])


def _run_row(rng: random.Random, started: float) -> dict:
    invoices, bills = rng.randint(100, 500), rng.randint(30, 150)
    created = rng.choice((0, 0, 0, rng.randint(1, 12)))
    counts = {"invoice": {"already_synced": invoices, **({"synced": created} if created else {})},
              "bill": {"already_synced": bills}, **({"writeback": {"cells": 5 * created}} if created else {})}
    trigger = rng.choices(("schedule", "cli", "manual"), (80, 15, 5))[0]
    row = dict(trigger=trigger, directions="invoice,bill", status="ok", started_at=started,
               finished_at=started + rng.uniform(1, 12), rows_total=created, rows_done=created, failures_json="[]",
               error=None, started_by="admin" if trigger == "manual" else None)
    pick = rng.random()
    if pick < 0.03:   # rows QuickBooks refused or that could not be mapped: the run is still ok
        failures = [_failure(rng, started) for _ in range(rng.randint(1, 3))]
        counts["invoice"]["failed"] = len(failures)
        row["failures_json"] = json.dumps(failures, ensure_ascii=False)
    elif pick < 0.04:
        counts["bill"] = {"pending": rng.randint(1, 5)}
        row.update(status="partial", error="bills: QuickBooks could not be reached: connection refused (tried 5 "
                                           "times over 62 s); the rows stay pending for the next run")
    elif pick < 0.05:
        counts = {}
        row.update(status="failed", error="The local workbook could not be read: it is open in another program")
    elif pick < 0.06:
        counts = {}
        row.update(status="busy", finished_at=started, error="a sync is already running (sync:schedule)")
    row["counts_json"] = json.dumps(counts, sort_keys=True)
    return row


def _failure(rng: random.Random, started: float) -> dict:
    year = dt.date.fromtimestamp(started).year
    return {"direction": "invoice", "key": f"ACD-{year}-{rng.randint(1, 900):03d}", "rows": [rng.randint(2, 600)],
            "message": "to_client 'Northwind Traders ' matches no QuickBooks customer: add it in QuickBooks or map "
                       "it in config/qb_customers.json", "party": "Northwind Traders",
            "amount": f"{rng.randint(500, 9000)}.00"}
