"""Benchmark: one sync run of N ready rows vs the naive per-row approach, against both emulators.

    .venv/bin/python -m bench.bench_sync [--rows 1000] [--latency 0.1] [--naive-sample 40] [--lost-rate 0.1]

Both emulators answer every request after `--latency` seconds (default 100 ms). The sync runs on a Google
Sheet (through real gspread). The naive approach is the obvious one: per row, one create and
one `update_cell`; it is timed on a sample of rows and scaled to N (its cost is linear in N). Printed:
QuickBooks requests, Sheets requests, wall time, peak Python memory (tracemalloc), and the ratios; then the same
sync with `--lost-rate` of the batch answers lost after QuickBooks committed (seeded), in a company that ignores
a repeated requestid and accepts duplicate numbers: the extra lookup queries that keep every row exactly once.

Then, on the same synced rows, what reading QuickBooks' changes back costs per cycle (bench/_lifecycle.py): idle
cycles, 100 invoices paid in QuickBooks then one cycle (the sheet must show them paid, balance 0.00), and the same
with the Change Data Capture mark deleted (the query-by-Id fallback). One table: QuickBooks requests by kind,
Sheets requests, wall time; a wrong sheet or an unexpected request count is printed as a problem and the script
exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import gspread
from cryptography.fernet import Fernet

from bench import _lifecycle
from tracker import db
from emulators.qbo import QboEmulator
from emulators.sheets import SheetsEmulator
from quickbooks.connection import open_quickbooks
from quickbooks.settings import QbSettings
from quickbooks.sync import SyncService
from quickbooks.wire.tokens import TokenSet
from sankey_helpers import QB_INVOICE_HEADERS, SOURCE_HEADERS
from tracker.settings import Settings
from spreadsheet.google import SheetsHTTPClient

CUSTOMERS = ["Globex LLC", "Initech", "O'Brien & Sons", "Zoë Café Ltd", "Acme Corp", "Umbrella Corp"]


def ready_rows(n: int, prefix: str) -> list[list[str]]:
    header = [*SOURCE_HEADERS, *QB_INVOICE_HEADERS]
    rows = [header]
    for i in range(n):
        values = dict.fromkeys(header, "")
        values.update(invoice=f"{prefix}-{i:05d}", status="submitted", inv_from="ACD",
                      to_client=CUSTOMERS[i % len(CUSTOMERS)], end_client="Initech", task_descr="Python training",
                      job_name="PY-301", inv_dollars=f"{1000 + i % 500}.{i % 100:02d}", submitted_date="2026-03-02")
        rows.append([values[h] for h in header])
    return rows


def connect(qbo: QboEmulator, folder: Path, settings: Settings):
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine)
    qb = open_quickbooks(QbSettings(token_key=Fernet.generate_key().decode()).with_endpoints(qbo.base_url), engine)
    tokens = qbo.issue_tokens()
    qb.store.save(TokenSet.from_response(tokens, tokens["realm_id"], time.time()))
    qb.read_custom_numbers()   # what connecting does (one request), so the runs below do not count it
    return qb, engine


def run_sync(rows: int, latency: float, folder: Path, lost_rate: float = 0.0, lifecycle: bool = False) -> dict:
    qbo, sheets = QboEmulator(), SheetsEmulator(read_quota_per_minute=None, write_quota_per_minute=None)
    clock = qbo.clock = _lifecycle.ShiftedClock()   # offset 0 until the lifecycle cycles move it on
    if lost_rate:
        qbo.set_behaviour(requestid_mode="ignore", invoice_duplicates="allow")
        qbo.seed_faults(20261201)
        qbo.inject("drop_after_commit", count=10 ** 6, match="batch", probability=lost_rate)
    folder = folder / f"lost-{lost_rate}"
    folder.mkdir()
    with qbo.start(), sheets.start():
        sheets.add_spreadsheet("bench", sheets={"inv_tbl": ready_rows(rows, "SYNC")}, row_count=rows + 10)
        key = folder / "sync-key.json"
        key.write_text(json.dumps(sheets.service_account_info()))
        settings = Settings(sheet_backend="google", google_sheet_id="bench", google_credentials=key,
                            google_sheets_api_url=sheets.base_url, database_url=f"sqlite:///{folder / 'sync.db'}",
                            scheduler_enabled=False, secret_key="bench")
        qb, engine = connect(qbo, folder, settings)
        service = SyncService(settings, qb, engine, clock=clock)
        qbo.set_latency(latency)
        sheets.set_latency(latency)
        qbo.reset_stats()
        sheets.reset_stats()
        tracemalloc.start()
        started = time.perf_counter()
        report = service.run("cli")
        wall = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert report.ok, report.error
        qb_stats, sheet_stats = qbo.stats(), sheets.stats()
        created = len(qbo.created("Invoice"))
        assert sorted(qbo.docnumber_counts("Invoice").values()) == [1] * rows, "a row was created twice or lost"
        idle = _lifecycle.cycle(service, qbo, sheets, f"idle, right after creating {rows:,}")
        cycles = [idle, *_lifecycle.after_sync(service, qbo, sheets, engine, clock, "bench")] if lifecycle else []
        qb.close()
    return {"created": created, "qb_requests": qb_stats["api_requests"] + qb_stats.get("token", 0),
            "queries": qb_stats["query"], "dropped": qb_stats["dropped"],
            "sheets_requests": sheet_stats["read"] + sheet_stats["write"] + sheet_stats["metadata"],
            "wall": wall, "peak_mb": peak / 1e6, "idle_qb": idle.qb_total, "idle_sheets": idle.sheets_total,
            "idle_wall": idle.wall, "cycles": cycles}


def run_naive(sample: int, latency: float, folder: Path) -> dict:
    """Per row: one Invoice create, one update_cell (what a straightforward loop over the sheet does)."""
    qbo, sheets = QboEmulator(), SheetsEmulator(read_quota_per_minute=None, write_quota_per_minute=None)
    with qbo.start(), sheets.start():
        rows = ready_rows(sample, "NAIVE")
        sheets.add_spreadsheet("naive", sheets={"inv_tbl": rows}, row_count=sample + 10)
        settings = Settings(database_url=f"sqlite:///{folder / 'naive.db'}", scheduler_enabled=False, secret_key="b")
        qb, _ = connect(qbo, folder, settings)
        client = gspread.service_account_from_dict(
            sheets.service_account_info(),
            http_client=lambda auth, session=None: SheetsHTTPClient(auth, session, base_url=sheets.base_url))
        ws = client.open_by_key("naive").worksheet("inv_tbl")
        customers = {c["DisplayName"]: c["Id"] for c in qb.client.query_all("Customer")}
        id_col = rows[0].index("qb_invoice_id") + 1
        qbo.set_latency(latency)
        sheets.set_latency(latency)
        qbo.reset_stats()
        sheets.reset_stats()
        started = time.perf_counter()
        for number, row in enumerate(rows[1:], start=2):
            values = dict(zip(rows[0], row))
            created = qb.client.create("Invoice", {
                "DocNumber": values["invoice"], "CustomerRef": {"value": customers[values["to_client"]]},
                "Line": [{"Amount": float(values["inv_dollars"]), "DetailType": "SalesItemLineDetail",
                          "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})
            ws.update_cell(number, id_col, created["Id"])
        wall = time.perf_counter() - started
        stats = (qbo.stats()["api_requests"], sheets.stats()["read"] + sheets.stats()["write"])
        qb.close()
    return {"qb_requests": stats[0], "sheets_requests": stats[1], "wall": wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000, help="ready rows (default 1000)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per emulator request (default 0.1)")
    parser.add_argument("--naive-sample", type=int, default=40, help="rows to time the naive loop on (default 40)")
    parser.add_argument("--lost-rate", type=float, default=0.1,
                        help="share of batch answers lost after commit in the second sync run (default 0.1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ours = run_sync(args.rows, args.latency, Path(folder), lifecycle=True)
        naive = run_naive(args.naive_sample, args.latency, Path(folder))
        lossy = run_sync(args.rows, args.latency, Path(folder), args.lost_rate) if args.lost_rate else None
    scale = args.rows / args.naive_sample
    naive_wall = naive["wall"] * scale
    print(f"{args.rows:,} ready rows, {args.latency * 1000:.0f} ms per request on both emulators")
    print(f"{'approach':<28} {'QuickBooks req':>15} {'Sheets req':>11} {'wall s':>9} {'peak MB':>8}")
    print(f"{'sync (batched)':<28} {ours['qb_requests']:>15,} {ours['sheets_requests']:>11,} {ours['wall']:>9.1f} "
          f"{ours['peak_mb']:>8.1f}")
    print(f"{'naive per row (scaled)':<28} {round(naive['qb_requests'] * scale):>15,} "
          f"{round(naive['sheets_requests'] * scale):>11,} {naive_wall:>9.1f} {'':>8}")
    print(f"ratio naive/sync: requests {naive['qb_requests'] * scale / ours['qb_requests']:.0f}x QuickBooks, "
          f"{naive['sheets_requests'] * scale / max(ours['sheets_requests'], 1):.0f}x Sheets; "
          f"wall time {naive_wall / ours['wall']:.0f}x")
    print(f"created {ours['created']:,} invoices; a second run with nothing to do: {ours['idle_qb']} QuickBooks "
          f"requests, {ours['idle_sheets']} Sheets request(s), {ours['idle_wall']:.2f} s")
    print("note: with Google's real quota (60 writes/min per user) the naive loop's Sheets writes alone take "
          f"{args.rows / 60:.0f} min, and Intuit's 500 requests/min caps its creates at {args.rows / 500:.1f} min")
    if lossy:
        extra = lossy["qb_requests"] - ours["qb_requests"]
        print(f"with {args.lost_rate:.0%} of batch answers lost (requestid ignored, duplicates allowed): "
              f"{lossy['dropped']} answers lost, {lossy['qb_requests']:,} QuickBooks requests ({extra:+} = "
              f"{lossy['queries'] - ours['queries']} lookup queries + resends; "
              f"{extra * 1000 / args.rows:.0f} per 1,000 rows), {lossy['wall']:.1f} s; every row still exactly once")
    cycles = ours["cycles"]
    print(f"\nreading QuickBooks' changes back: one sync run per cycle on the same {args.rows:,} rows; pull: how the "
          "run read them (quickbooks/pull.py);\nother: any other QuickBooks request (per-row reads, creates, ...); "
          "paid rows: shown in the sheet as status paid, qb_balance 0.00")
    print("\n".join(_lifecycle.table(cycles)))
    problems = [p for c in cycles for p in c.problems]
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
