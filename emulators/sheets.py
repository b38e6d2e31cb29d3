"""Loopback Google Sheets API v4 emulator that real gspread + google-auth talk to unchanged.

Only the base address differs from Google (gspread hard-codes https://sheets.googleapis.com, so tests rewrite
that prefix in an `HTTPClient` subclass). What lives here is the stateful HTTP side: dispatch, the token
endpoint and bearer check, per-user per-minute quotas, fault injection, request statistics, "human edit" hooks,
the `/__emulator__/` control API and the demo spreadsheet. The grid rules (A1 ranges, trimming, RAW vs
USER_ENTERED, formulas) start at `emulators/sheets_grid.py`; the wire format (routing, error bodies) is in
`emulators/sheets_http.py`, the JWT/key side in `emulators/sheets_auth.py`, the CLI in `emulators/sheets_cli.py`.

    emu = SheetsEmulator(read_quota_per_minute=60, clock=fake_clock)
    emu.add_spreadsheet("sid", title="Invoices", sheets={"inv_tbl": [["invoice", "status"], ["A-1", "paid"]]})
    with emu.start() as server:                 # sets emu.base_url
        gc = gspread.service_account_from_dict(emu.service_account_info(), http_client=LoopbackClient)

Control API (no auth, loopback only), mirroring the Python methods of the same names:
    GET  /__emulator__/stats                      request counts per kind, endpoint and status
    GET  /__emulator__/faults                     queued faults and the current latency
    POST /__emulator__/faults                     {"status": 429, "count": 2, "match": "write"} | {"latency": 1.5}
                                                  | {"clear": true}
    POST /__emulator__/rows/insert                {"spreadsheet_id", "title", "before_row", "rows"}
    POST /__emulator__/rows/delete                {"spreadsheet_id", "title", "start_row", "count"}
    POST /__emulator__/rows/sort                  {"spreadsheet_id", "title", "column", "start_row", "reverse"}
    POST /__emulator__/reset                      {} forgets faults/latency/quotas/stats; {"data": true} also data

Run `python -m emulators.sheets --help` for the standalone server.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from collections import deque
from typing import Callable

from werkzeug.wrappers import Request, Response

from emulators._server import RunningServer, serve_in_thread
from emulators.sheets_auth import (
    DEFAULT_CLIENT_EMAIL, JWT_GRANT, _service_account_key, _unauthenticated, _verify_jwt,
)
from emulators.sheets_grid import GridRange, Sheet, Spreadsheet
from emulators.sheets_http import (
    METADATA, READ, TOKEN, WRITE, Call, Fault, _execute, _google_error, _json_response, _raw_path, fault_response,
    quota_error_body, route,
)
from emulators.sheets_values import SheetsError, stored_text


class SheetsEmulator:
    """In-memory spreadsheets behind a Sheets-API-shaped WSGI app. All state sits behind one lock.

    Quotas are per user (the service account's client_email) and per minute, counted over a sliding
    60-second window of `clock()`; a batch is one request, and metadata reads count as reads.
    Set a quota to None to switch it off."""

    def __init__(self, *, read_quota_per_minute: int | None = 60, write_quota_per_minute: int | None = 60,
                 clock: Callable[[], float] = time.monotonic, require_auth: bool = True,
                 base_url: str | None = None):
        self.read_quota_per_minute = read_quota_per_minute
        self.write_quota_per_minute = write_quota_per_minute
        self.clock = clock
        self.require_auth = require_auth
        self.base_url = base_url
        self.latency = 0.0
        self._lock = threading.RLock()
        self._books: dict[str, Spreadsheet] = {}
        self._denied: set[str] = set()
        self._tokens: dict[str, str] = {}
        self._faults: list[Fault] = []
        self._windows: dict[tuple[str, str], deque] = {}
        self._key_id = secrets.token_hex(20)
        self.reset_stats()

    # ------------------------------------------------------------------------------------ test-side API
    def add_spreadsheet(self, spreadsheet_id: str, title: str = "Untitled spreadsheet",
                        sheets: dict[str, list[list]] | None = None, *, row_count: int = 1000,
                        column_count: int = 26, locale: str = "en_US", time_zone: str = "Etc/GMT",
                        value_input_option: str = "RAW") -> str:
        """Create a spreadsheet; each tab gets `row_count` x `column_count` (grown to fit its rows).
        Without `sheets` it has one empty `Sheet1`, like a new Google spreadsheet."""
        book = Spreadsheet(spreadsheet_id, title, locale, time_zone)
        for sheet_title, rows in (sheets or {"Sheet1": []}).items():
            rows = rows or []
            width = max((len(r) for r in rows), default=0)
            sheet = book.add_sheet(sheet_title, max(row_count, len(rows)), max(column_count, width))
            book.write_at(GridRange(sheet, 1, 1, 1, 1), rows, value_input_option)
        with self._lock:
            self._books[spreadsheet_id] = book
        return spreadsheet_id

    def add_sheet(self, spreadsheet_id: str, title: str, rows: list[list] | None = None, *,
                  row_count: int = 1000, column_count: int = 26, value_input_option: str = "RAW") -> int:
        """Add a tab to an existing spreadsheet; returns its sheetId."""
        with self._lock:
            book = self._book(spreadsheet_id)
            rows = rows or []
            width = max((len(r) for r in rows), default=0)
            sheet = book.add_sheet(title, max(row_count, len(rows)), max(column_count, width))
            book.write_at(GridRange(sheet, 1, 1, 1, 1), rows, value_input_option)
            return sheet.sheet_id

    def remove_spreadsheet(self, spreadsheet_id: str) -> None:
        with self._lock:
            self._books.pop(spreadsheet_id, None)

    def values(self, spreadsheet_id: str, title: str) -> list[list]:
        """The stored grid up to the last used row/column, padded with "" (formulas as their text,
        formatted numbers as displayed, numbers/bools as Python values), for assertions."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, title)
            rows, cols = sheet.extent()
            return [[stored_text(sheet.get(r, c)) for c in range(1, cols + 1)] for r in range(1, rows + 1)]

    def set_values(self, spreadsheet_id: str, title: str, rows: list[list], start: str = "A1",
                   value_input_option: str = "RAW") -> None:
        """Write like a person would (the grid grows to fit); `None` cells are left unchanged."""
        with self._lock:
            book = self._book(spreadsheet_id)
            rng = book.resolve(f"{_quote(title)}!{start}")
            book.write_at(rng, rows, value_input_option, grow=True)

    def grid_size(self, spreadsheet_id: str, title: str) -> tuple[int, int]:
        with self._lock:
            sheet = self._sheet(spreadsheet_id, title)
            return sheet.row_count, sheet.column_count

    def deny(self, spreadsheet_id: str) -> None:
        """Answer 403 PERMISSION_DENIED for this id from now on (it need not exist)."""
        with self._lock:
            self._denied.add(spreadsheet_id)

    def allow(self, spreadsheet_id: str) -> None:
        with self._lock:
            self._denied.discard(spreadsheet_id)

    def insert_rows(self, spreadsheet_id: str, title: str, before_row: int, rows: list[list],
                    value_input_option: str = "RAW") -> None:
        """A person inserts `rows` above row `before_row` (1-based); rows below move down."""
        with self._lock:
            book = self._book(spreadsheet_id)
            sheet = self._sheet(spreadsheet_id, title)
            if not 1 <= before_row <= sheet.row_count + 1:
                raise ValueError(f"before_row must be between 1 and {sheet.row_count + 1}, got {before_row}")
            sheet.insert_rows(before_row, len(rows))
            book.write_at(GridRange(sheet, before_row, 1, before_row, 1), rows, value_input_option, grow=True)

    def delete_rows(self, spreadsheet_id: str, title: str, start_row: int, count: int = 1) -> None:
        """A person deletes `count` rows starting at `start_row` (1-based); rows below move up."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, title)
            if start_row < 1 or count < 1 or start_row + count - 1 > sheet.row_count:
                raise ValueError(f"cannot delete rows {start_row}..{start_row + count - 1} of {sheet.row_count}")
            if count >= sheet.row_count:
                raise ValueError("cannot delete every row of a sheet")
            sheet.delete_rows(start_row, count)

    def sort_rows(self, spreadsheet_id: str, title: str, column: int | str, start_row: int = 2,
                  reverse: bool = False) -> None:
        """A person sorts rows `start_row`.. by a column (1-based index, or a header text in row 1)."""
        with self._lock:
            book = self._book(spreadsheet_id)
            sheet = self._sheet(spreadsheet_id, title)
            if isinstance(column, str):
                headers = [stored_text(sheet.get(1, c)) for c in range(1, sheet.column_count + 1)]
                if column not in headers:
                    raise ValueError(f"no header {column!r} in row 1 of {title!r}")
                column = headers.index(column) + 1
            book.sort(sheet, column, start_row, reverse=reverse)

    def inject(self, status: int, count: int = 1, match: str | Callable[[Call], bool] | None = None) -> None:
        """Make the next `count` matching Sheets requests fail with `status` (429, 500, 502, 503, ...)."""
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        with self._lock:
            self._faults.append(Fault(int(status), count, match))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_latency(self, seconds: float) -> None:
        """Delay every Sheets request by `seconds` (e.g. beyond a client timeout)."""
        if seconds < 0:
            raise ValueError(f"latency must be >= 0, got {seconds}")
        self.latency = float(seconds)

    def stats(self) -> dict:
        with self._lock:
            return json.loads(json.dumps(self._stats))

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = {READ: 0, WRITE: 0, METADATA: 0, TOKEN: 0, "endpoints": {}, "statuses": {},
                           "injected_faults": 0, "quota_rejections": 0, "value_input_options": {}}

    def reset(self, data: bool = False) -> None:
        """Forget faults, latency, quota windows and stats (and, with `data`, every spreadsheet and deny)."""
        with self._lock:
            self._faults.clear()
            self._windows.clear()
            self.latency = 0.0
            self.reset_stats()
            if data:
                self._books.clear()
                self._denied.clear()

    # ------------------------------------------------------------------------------------- credentials
    def service_account_info(self, client_email: str = DEFAULT_CLIENT_EMAIL) -> dict:
        """A service-account key dict (for `gspread.service_account_from_dict` or a JSON key file) whose
        `token_uri` is this emulator's `/token`; needs `base_url` (set by `start()`)."""
        if not self.base_url:
            raise RuntimeError("base_url is not set: call start() first or pass base_url=...")
        return _service_account_key(self._key_id, f"{self.base_url.rstrip('/')}/token", client_email)

    def issue_token(self, client_email: str = DEFAULT_CLIENT_EMAIL) -> str:
        """A bearer token accepted by this emulator, without the JWT round trip (raw-HTTP tests)."""
        token = "ya29.emulator-" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = client_email
        return token

    def start(self, port: int = 0) -> RunningServer:
        """Serve on 127.0.0.1 in a background thread and remember the address in `base_url`."""
        server = serve_in_thread(self, port)
        self.base_url = server.url
        return server

    # ---------------------------------------------------------------------------------------------- WSGI
    def __call__(self, environ, start_response):
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ, start_response):
        request = Request(environ)
        if request.path == "/token":
            response = self._token(request)
        elif request.path.startswith("/__emulator__/"):
            response = self._control(request)
        else:
            call = route(request.method, _raw_path(environ))
            response = (self._sheets(request, call) if call else
                        _google_error(404, "NOT_FOUND", f"Method not found: {request.method} {request.path}"))
        return response(environ, start_response)

    def _sheets(self, request: Request, call: Call) -> Response:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self._stats[call.kind] += 1
            self._stats["endpoints"][call.endpoint] = self._stats["endpoints"].get(call.endpoint, 0) + 1
            option = _value_input_option(request, call.endpoint)
            if option is not None:
                options = self._stats["value_input_options"]
                options[option] = options.get(option, 0) + 1
            response = self._guarded(request, call)
            key = str(response.status_code)
            self._stats["statuses"][key] = self._stats["statuses"].get(key, 0) + 1
            return response

    def _guarded(self, request: Request, call: Call) -> Response:
        """Order of checks: credentials, injected faults, quota, then the spreadsheet itself."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None and self.require_auth:
            return _unauthenticated(token)
        fault = next((f for f in self._faults if f.matches(call)), None)
        if fault:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            self._stats["injected_faults"] += 1
            return fault_response(fault.status, call.kind)
        if not self._take_quota(user or "anonymous", WRITE if call.kind == WRITE else READ):
            self._stats["quota_rejections"] += 1
            return _json_response(quota_error_body(call.kind), 429)
        if call.spreadsheet_id in self._denied:
            return _google_error(403, "PERMISSION_DENIED", "The caller does not have permission")
        if call.spreadsheet_id not in self._books:
            return _google_error(404, "NOT_FOUND", "Requested entity was not found.")
        try:
            return _json_response(_execute(self._books, request, call))
        except SheetsError as exc:
            return _json_response(exc.body(), exc.code)

    def _take_quota(self, user: str, kind: str) -> bool:
        limit = self.read_quota_per_minute if kind == READ else self.write_quota_per_minute
        if not limit:
            return True
        window = self._windows.setdefault((user, kind), deque())
        now = self.clock()
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True

    # -------------------------------------------------------------------------------------------- token
    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return _json_response({"error": "invalid_request", "error_description": "POST only"}, 405)
        with self._lock:
            self._stats[TOKEN] += 1
        if request.form.get("grant_type") != JWT_GRANT:
            return _json_response({"error": "unsupported_grant_type",
                                   "error_description": f"Invalid grant_type: {request.form.get('grant_type')}"}, 400)
        claims = _verify_jwt(request.form.get("assertion", ""))
        if claims is None:
            return _json_response({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, 400)
        token = self.issue_token(claims["iss"])
        return _json_response({"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    # ------------------------------------------------------------------------------------------ control
    def _control(self, request: Request) -> Response:
        """`/__emulator__/...`: stats, faults, human row edits, reset (no auth; loopback only)."""
        action = request.path[len("/__emulator__/"):].strip("/")
        try:
            body = (request.get_json(force=True, silent=True) or {}) if request.method == "POST" else {}
            if action == "stats" and request.method == "GET":
                return _json_response(self.stats())
            if action == "faults" and request.method == "GET":
                return _json_response(self._fault_state())
            if request.method != "POST":
                return _json_response({"error": f"unknown control endpoint {request.method} {request.path}"}, 404)
            if action == "faults":
                if body.get("clear"):
                    self.clear_faults()
                if "latency" in body:
                    self.set_latency(float(body["latency"]))
                if "status" in body:
                    self.inject(int(body["status"]), int(body.get("count", 1)), body.get("match"))
                return _json_response(self._fault_state())
            if action == "reset":
                self.reset(data=bool(body.get("data")))
                return _json_response({"reset": True})
            sid, title = body.get("spreadsheet_id"), body.get("title")
            if action == "rows/insert":
                self.insert_rows(sid, title, int(body["before_row"]), body["rows"],
                                 body.get("value_input_option", "RAW"))
            elif action == "rows/delete":
                self.delete_rows(sid, title, int(body["start_row"]), int(body.get("count", 1)))
            elif action == "rows/sort":
                self.sort_rows(sid, title, body["column"], int(body.get("start_row", 2)),
                               bool(body.get("reverse", False)))
            else:
                return _json_response({"error": f"unknown control endpoint POST {request.path}"}, 404)
            return _json_response({"values": self.values(sid, title)})
        except (KeyError, ValueError, TypeError, SheetsError) as exc:
            return _json_response({"error": f"{type(exc).__name__}: {exc}"}, 400)

    def _fault_state(self) -> dict:
        with self._lock:
            return {"faults": [f.describe() for f in self._faults], "latency": self.latency}

    # ------------------------------------------------------------------------------------------ helpers
    def _book(self, spreadsheet_id: str) -> Spreadsheet:
        book = self._books.get(spreadsheet_id)
        if book is None:
            raise KeyError(f"no spreadsheet {spreadsheet_id!r} in the emulator")
        return book

    def _sheet(self, spreadsheet_id: str, title: str) -> Sheet:
        sheet = self._book(spreadsheet_id).sheet(title) if title is not None else None
        if sheet is None:
            raise KeyError(f"no tab {title!r} in spreadsheet {spreadsheet_id!r}")
        return sheet


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


# ------------------------------------------------------------------------------------------ demo data
DEMO_SPREADSHEET_ID = "demo-spreadsheet"
DEMO_HEADERS = ["invoice", "inv_link", "status", "inv_from", "to_client", "end_client", "task_descr", "job_name",
                "inv_dollars", "owed2ACD", "owed2workers", "submitted_date", "Inv_paid_date", "job_start", "job_end",
                "notes", "thread", "qb_invoice_id", "qb_invoice_url", "qb_sync_status", "qb_synced_at", "qb_error"]
DEMO_ROWS = [
    ["ACD-2026-014", "", "submitted", "ACD", "Globex LLC", "Initech", "Python training, 3 days", "PY-301",
     "1500.00", "300.00", "1200.00", "2026-03-02", "", "2026-02-23", "2026-02-25", "", "Re: PY-301 invoice"],
    ["ACD-2026-015", "", "pending", "ACD", "O'Brien & Sons", "Zoë Café Ltd", "Data workshop", "DW-12",
     "$2,345.67", "469.13", "1876.54", "03/15/2026", "", "2026-03-09", "2026-03-10", "'=not a formula", ""],
    ["ACC-88213", "", "paid", "Accelebrate", "ACD", "Initech", "Trainer fee", "PY-301",
     "1,050.25", "0", "1050.25", "2026-03-01", "2026-03-20", "2026-02-23", "2026-02-25", "", ""],
]


def _value_input_option(request, endpoint: str) -> str | None:
    """How a value write asked its text to be taken (RAW / USER_ENTERED), for the security tests' count."""
    if endpoint in ("values.update", "values.append"):
        return request.args.get("valueInputOption") or "(none)"
    if endpoint == "values.batchUpdate":
        body = request.get_json(silent=True, force=True) or {}
        return str(body.get("valueInputOption") or "(none)")
    return None


def demo_emulator(**kwargs) -> SheetsEmulator:
    """An emulator holding `demo-spreadsheet` with an `inv_tbl` tab, typed in as a person would."""
    emu = SheetsEmulator(**kwargs)
    emu.add_spreadsheet(DEMO_SPREADSHEET_ID, title="Invoices (demo)",
                        sheets={"inv_tbl": [DEMO_HEADERS] + DEMO_ROWS}, value_input_option="USER_ENTERED")
    return emu


if __name__ == "__main__":
    from emulators.sheets_cli import main

    sys.exit(main())
