"""Benchmark: read, validate and build the overview for a large `inv_tbl` on both backends.

    .venv/bin/python -m bench.bench_overview [--rows 10000] [--repeat 3]

Prints wall time, CPU time and API calls per step. The Google backend runs through real gspread against
the loopback emulator (same process, so its CPU figure includes the emulator's work).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import acd
from spreadsheet.demo_rows import scaled_inv_tbl
from emulators.sheets import SheetsEmulator
from sankey_helpers import build_sankey, totals_by_month, totals_by_status
from tracker.settings import Settings
from spreadsheet.local import LocalWorkbook


def measure(label: str, settings: Settings, repeat: int, count_calls) -> dict:
    best = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        calls_before = count_calls()
        table = acd.load_inv_table(settings)
        read_wall = time.perf_counter() - wall
        build_sankey(table.records)
        totals_by_status(table.records)
        totals_by_month(table.records)
        result = {"backend": label, "rows": len(table.records), "read_s": read_wall,
                  "total_wall_s": time.perf_counter() - wall, "total_cpu_s": time.process_time() - cpu,
                  "api_calls": count_calls() - calls_before}
        if best is None or result["total_wall_s"] < best["total_wall_s"]:
            best = result
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="rows in inv_tbl (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per backend; the best is shown (default 3)")
    args = parser.parse_args()
    rows = scaled_inv_tbl(args.rows)

    with tempfile.TemporaryDirectory() as folder:
        base = Settings(local_sheet_path=Path(folder) / "book.xlsx", scheduler_enabled=False, secret_key="bench")
        LocalWorkbook.create(base.local_sheet_path, {"inv_tbl": rows})
        results = [measure("local workbook", base, args.repeat, lambda: 1)]

        emulator = SheetsEmulator(read_quota_per_minute=10_000, write_quota_per_minute=10_000)
        with emulator.start():
            emulator.add_spreadsheet("bench", sheets={"inv_tbl": rows})
            key = Path(folder) / "key.json"
            key.write_text(json.dumps(emulator.service_account_info()))
            google = dataclasses.replace(base, sheet_backend="google", google_sheet_id="bench",
                                         google_credentials=key, google_sheets_api_url=emulator.base_url)
            results.append(measure("google (emulator)", google,
                                   args.repeat, lambda: emulator.stats()["read"] + emulator.stats()["metadata"]))

    print(f"inv_tbl with {args.rows:,} rows, best of {args.repeat}")
    print(f"{'backend':<20} {'rows':>7} {'read s':>8} {'total wall s':>13} {'total CPU s':>12} {'API calls':>10}")
    for r in results:
        calls = "1 file" if r["backend"] == "local workbook" else str(r["api_calls"])
        print(f"{r['backend']:<20} {r['rows']:>7,} {r['read_s']:>8.3f} {r['total_wall_s']:>13.3f} "
              f"{r['total_cpu_s']:>12.3f} {calls:>10}")


if __name__ == "__main__":
    main()
