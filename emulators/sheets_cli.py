"""`python -m emulators.sheets`: serve the demo spreadsheet on 127.0.0.1 and write a key file for it.

Apart from `emulators/sheets.py` so the server class stays readable; that module's `__main__` calls `main`.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

from emulators._server import serve_until_stopped
from emulators.sheets import DEMO_SPREADSHEET_ID, demo_emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.sheets",
        description="Serve a loopback Google Sheets API v4 emulator on 127.0.0.1 with a demo spreadsheet "
                    f"'{DEMO_SPREADSHEET_ID}' (tab inv_tbl), and write a service-account key that points at it.",
        epilog="Point gspread at the printed address by rewriting https://sheets.googleapis.com in an "
               "HTTPClient subclass. Control API: GET /__emulator__/stats, POST /__emulator__/faults "
               '{"status": 429, "count": 2} or {"latency": 1.5}, POST /__emulator__/rows/insert|delete|sort, '
               "POST /__emulator__/reset.")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: 0, any free port)")
    parser.add_argument("--key-file", help="where to write the service-account JSON (default: a temp file)")
    parser.add_argument("--read-quota", type=int, default=60, help="reads per minute per user (0 = unlimited)")
    parser.add_argument("--write-quota", type=int, default=60, help="writes per minute per user (0 = unlimited)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to delay every Sheets request")
    args = parser.parse_args(argv)

    emu = demo_emulator(read_quota_per_minute=args.read_quota or None,
                        write_quota_per_minute=args.write_quota or None)
    emu.set_latency(args.latency)
    server = emu.start(args.port)
    if args.key_file:
        key_path = args.key_file
    else:
        fd, key_path = tempfile.mkstemp(prefix="sheets-emulator-", suffix=".json")
        os.close(fd)
    with open(key_path, "w", encoding="utf-8") as fh:
        json.dump(emu.service_account_info(), fh, indent=2)
    print(f"Sheets emulator listening on {server.url}", flush=True)
    print(f"  spreadsheet id:      {DEMO_SPREADSHEET_ID} (tab inv_tbl)", flush=True)
    print(f"  service-account key: {key_path}", flush=True)
    print(f"  stats:               {server.url}/__emulator__/stats", flush=True)
    try:
        serve_until_stopped(server)
    finally:
        if not args.key_file:
            os.unlink(key_path)
    return 0
