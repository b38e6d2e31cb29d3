"""The Sheets emulator's wire format: routing a raw path to a `Call`, running it on a `Spreadsheet`, and
Google-shaped answers (JSON bodies, error bodies, the 429 quota body, injected faults).

Stateless, so `SheetsEmulator` in `emulators/sheets.py` is left with state, locking and ordering of checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from emulators.sheets_grid import Spreadsheet
from emulators.sheets_values import SheetsError, parse_bool

READ, WRITE, METADATA, TOKEN = "read", "write", "metadata", "token"
ENDPOINT_KINDS = {
    "spreadsheets.get": METADATA, "spreadsheets.batchUpdate": WRITE,
    "values.get": READ, "values.batchGet": READ,
    "values.update": WRITE, "values.append": WRITE, "values.clear": WRITE,
    "values.batchUpdate": WRITE, "values.batchClear": WRITE,
}
PROJECT_NUMBER = "100000000000"
_STATUS_BODIES = {  # Google's canonical status names and messages for injected faults
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    408: ("DEADLINE_EXCEEDED", "Request timed out."),
    500: ("INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "Deadline expired before operation could complete."),
}
_HTML_502 = ("<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 502 (Server Error)!!1</title>\n"
             "  <p><b>502.</b> <ins>That's an error.</ins>\n  <p>The server encountered a temporary error and "
             "could not complete your request.<p>Please try again in 30 seconds.  <ins>That's all we know.</ins>\n")


def _json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return Response(text, status=status, headers=headers, content_type="application/json; charset=UTF-8")


def _google_error(code: int, status: str, message: str, **extra) -> Response:
    error = {"code": code, "message": message, "status": status, **extra}
    return _json_response({"error": error}, code)


def quota_error_body(kind: str) -> dict:
    """The 429 RESOURCE_EXHAUSTED body from the reference (section 1), Read or Write variant."""
    word = "Read" if kind in (READ, METADATA) else "Write"
    return {"error": {
        "code": 429,
        "message": (f"Quota exceeded for quota metric '{word} requests' and limit '{word} requests per minute "
                    f"per user' of service 'sheets.googleapis.com' for consumer 'project_number:{PROJECT_NUMBER}'."),
        "status": "RESOURCE_EXHAUSTED",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                     "domain": "googleapis.com",
                     "metadata": {"consumer": f"projects/{PROJECT_NUMBER}",
                                  "quota_limit": f"{word}RequestsPerMinutePerUser",
                                  "quota_metric": f"sheets.googleapis.com/{word.lower()}_requests",
                                  "service": "sheets.googleapis.com"}}]}}


def fault_response(status: int, kind: str) -> Response:
    """What Google sends for an injected failure: JSON error bodies, except 502's HTML page."""
    if status == 429:
        return _json_response(quota_error_body(kind), 429)
    if status == 502:
        return Response(_HTML_502, status=502, content_type="text/html; charset=UTF-8")
    name, message = _STATUS_BODIES.get(status, ("UNKNOWN", "Injected failure."))
    return _google_error(status, name, message)


@dataclass(frozen=True)
class Call:
    """One routed Sheets request: which API method, on which spreadsheet, with which (decoded) range."""

    endpoint: str
    spreadsheet_id: str
    range: str | None
    method: str
    path: str

    @property
    def kind(self) -> str:
        return ENDPOINT_KINDS[self.endpoint]


def route(method: str, raw_path: str) -> Call | None:
    """Map a still percent-encoded path to a Call. The `:append`/`:clear` verbs are split off before
    decoding, since an encoded `%3A` inside the range is part of the range, not a separator."""
    prefix = "/v4/spreadsheets/"
    if not raw_path.startswith(prefix):
        return None
    decoded = unquote(raw_path)
    sid_raw, slash, sub = raw_path[len(prefix):].partition("/")

    def call(endpoint, sid, rng=None):
        return Call(endpoint, unquote(sid), rng, method, decoded)

    if not slash:
        if method == "POST" and sid_raw.endswith(":batchUpdate"):
            return call("spreadsheets.batchUpdate", sid_raw[:-len(":batchUpdate")])
        return call("spreadsheets.get", sid_raw) if method == "GET" and ":" not in sid_raw else None
    fixed = {("GET", "values:batchGet"): "values.batchGet", ("POST", "values:batchUpdate"): "values.batchUpdate",
             ("POST", "values:batchClear"): "values.batchClear"}
    if (method, sub) in fixed:
        return call(fixed[(method, sub)], sid_raw)
    if not sub.startswith("values/") or len(sub) == len("values/"):
        return None
    rng = sub[len("values/"):]
    if method == "POST":
        for verb in ("append", "clear"):
            if rng.endswith(":" + verb):
                return call(f"values.{verb}", sid_raw, unquote(rng[:-len(verb) - 1]))
        return None
    endpoint = {"GET": "values.get", "PUT": "values.update"}.get(method)
    return call(endpoint, sid_raw, unquote(rng)) if endpoint else None


def _raw_path(environ) -> str:
    """The request path as sent (still percent-encoded); werkzeug puts it in RAW_URI/REQUEST_URI."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw is None:
        return quote(environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8"), safe="/:!'$,;@=&+*()~")
    if raw.startswith(("http://", "https://")):
        raw = urlsplit(raw).path
    raw = raw.split("?", 1)[0]
    return raw.encode("latin-1").decode("utf-8", "replace")


@dataclass
class Fault:
    """The next `remaining` Sheets requests matching `match` fail with `status`.

    `match`: None (every request), an endpoint name (`values.batchUpdate`), a kind (`read`, `write`,
    `metadata`), a substring of "METHOD /decoded/path", or a callable taking the `Call`."""

    status: int
    remaining: int = 1
    match: str | Callable[[Call], bool] | None = None

    def matches(self, call: Call) -> bool:
        if self.match is None:
            return True
        if callable(self.match):
            return bool(self.match(call))
        return self.match in (call.endpoint, call.kind) or self.match in f"{call.method} {call.path}"

    def describe(self) -> dict:
        match = self.match if self.match is None or isinstance(self.match, str) else repr(self.match)
        return {"status": self.status, "remaining": self.remaining, "match": match}


def _execute(books: dict[str, Spreadsheet], request: Request, call: Call) -> dict:
    """Run a routed call on `books` (the emulator's, under its lock) and return the JSON answer."""
    book, args, sid = books[call.spreadsheet_id], request.args, call.spreadsheet_id
    body = {}
    if request.method in ("POST", "PUT") and request.get_data():
        try:
            body = json.loads(request.get_data(as_text=True))
        except ValueError as exc:
            raise SheetsError(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. {exc}") from None
        if not isinstance(body, dict):
            raise SheetsError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Expected an object.")
    render = (args.get("valueRenderOption"), args.get("dateTimeRenderOption"), args.get("majorDimension"))
    response_render = (args.get("responseValueRenderOption"), args.get("responseDateTimeRenderOption"))
    include = parse_bool(args.get("includeValuesInResponse"))
    if call.endpoint == "spreadsheets.get":
        return book.metadata()
    if call.endpoint == "values.get":
        return book.read(call.range, *render)
    if call.endpoint == "values.batchGet":
        ranges = args.getlist("ranges")
        out = {"spreadsheetId": sid}
        if ranges:
            out["valueRanges"] = [book.read(r, *render) for r in ranges]
        return out
    if call.endpoint == "values.update":
        return book.update(call.range, body, args.get("valueInputOption"), include, *response_render)
    if call.endpoint == "values.clear":
        return {"spreadsheetId": sid, "clearedRange": book.clear(call.range)}
    # the rest may fail half-way, so they run on a copy that replaces the original only on success
    work = book.clone()
    if call.endpoint == "values.append":
        out = work.append(call.range, body, args.get("valueInputOption"), args.get("insertDataOption"),
                          include, *response_render)
    elif call.endpoint == "values.batchUpdate":
        out = work.batch_update_values(body)
    elif call.endpoint == "values.batchClear":
        out = {"spreadsheetId": sid, "clearedRanges": [work.clear(r) for r in body.get("ranges") or []]}
    else:
        out = work.apply_requests(body.get("requests") or [])
        if parse_bool(body.get("includeSpreadsheetInResponse")):
            out["updatedSpreadsheet"] = work.metadata()
    books[sid] = work
    return out
