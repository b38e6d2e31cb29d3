"""Loopback QuickBooks Online emulator: Accounting API v3 + Intuit OAuth 2.0, as a WSGI app on 127.0.0.1.

Real clients (requests, requests-oauthlib) talk to it unchanged except for the base address. It is used by the
tests, the benchmarks and the demo mode (`QB_ENV=local`). Behaviour follows docs/reference/
quickbooks-api.md (cited below as "reference §n"); the modules split the work:

    qbo.py          routing, bearer check, requestid, minorversion, statistics
    qbo_oauth.py    consent page, token endpoint (rotation, expiry), revoke
    qbo_store.py    the company: entities, server-filled fields, validation Faults (lines: qbo_lines.py)
    qbo_country.py  the country's home currency, address, TaxCodes/TaxRates   qbo_tax.py  tax codes on lines, tax
    qbo_terms.py    Term entities and DueDates       qbo_currency.py  currencies, ExchangeRate, home amounts
    qbo_behaviour.py  Intuit's per-company variations (requestid, duplicate DocNumbers, custom numbers, Preferences)
    qbo_query.py    the SELECT language          qbo_batch.py    batch and include=invoiceLink
    qbo_writes.py   which write a POST asks for (create, update, delete, void), one entry for requests and batch
    qbo_payments.py Payment and BillPayment: create, void, delete, Balance and LinkedTxn of what they settle
    qbo_lifecycle.py  sparse/full update with SyncToken (5010), void and delete of Invoices and Bills, tombstones
    qbo_cdc.py      GET .../cdc (Change Data Capture: 30-day look-back, 1,000 objects, deleted tombstones)
    qbo_user.py     what a QuickBooks user does (pay, void, delete) for tests, the control API and the pages
    qbo_pages.py    GET/POST /app/invoice?txnId= and /app/bill?txnId=: the web app's transaction page (local mode)
    qbo_limits.py   throttling, fault injection  qbo_control.py  /__emulator__/ control API
    qbo_faults.py   error bodies                 qbo_schema.py   field lists, demo names, invoice PDF
    qbo_state.py    the demo's JSON state file   qbo_cli.py      `python -m emulators.qbo` (see --help)

    emu = QboEmulator(requests_per_minute=20, clock=fake_clock)
    with emu.start() as server:                       # sets emu.base_url
        tokens = emu.issue_tokens()                   # or run the OAuth flow against emu.base_url

Limits (reference §3) are per realm over a *sliding* 60-second window of `clock()`; only admitted requests fill
the window (a client that backs off recovers after a minute). A batch counts once toward requests_per_minute and
once toward batch_per_minute. Order of checks for `/v3/company/...`: injected fault, bearer token, realm,
concurrency, per-minute limits, then latency (outside the lock, still "in flight"), then the operation.

Intuit's per-company variations (qbo_behaviour.py; the defaults, first below, are the kind company): constructor
keywords, `emu.set_behaviour(**settings)` / `emu.behaviour()`, or POST/GET /__emulator__/behaviour:

    requestid_mode="replay"|"ignore"|"reject"        invoice_duplicates="refuse"|"allow"
    bill_duplicates="company"|"per_vendor"|"allow"    docnumber_match="exact"|"case_insensitive"
    custom_txn_numbers_invoice=True|False            custom_txn_numbers_bill=True|False   (GET .../preferences)

The company's profile, set the same ways (reference §12; qbo_country/qbo_tax/qbo_terms/qbo_currency.py):

    country="US"|"GB"|"CA"|"AU"     multicurrency=False|True     automated_sales_tax=False|True (US)
    default_terms=None|"3"          (a Term Id: Preferences.SalesFormsPrefs.DefaultTerms)
    GET  .../companyinfo/{realm}, .../preferences            Country, addresses; TaxPrefs, CurrencyPrefs
    GET  .../query?query=select * from TaxCode | TaxRate | Term | CompanyCurrency;  .../taxcode/{id}, .../term/{id}
    POST .../term {"Name", "DueDays"} | {"Name", "DayOfMonthDue", "DueNextMonthDays"}
    emu.add_customer(name, CurrencyRef={"value": "EUR"}, SalesTermRef={"value": "3"}), emu.add_vendor(name,
    TermRef={"value": "2"}), emu.add_term(name, DueDays=10, active=False)

After the invoice exists (Intuit's invoice, bill, payment, billpayment and CDC pages; see each module):

    POST .../payment | .../billpayment                       create (read, query and batch as other entities)
    POST .../invoice | .../bill  {Id, SyncToken, "sparse": true, ...}   sparse update (no "sparse": full update)
    POST .../invoice?operation=void  {Id, SyncToken}
    POST .../{invoice|bill|payment|billpayment}?operation=delete  {Id, SyncToken}
    POST .../{payment|billpayment}?operation=update&include=void  {Id, SyncToken, "sparse": true}
    GET  .../cdc?entities=Invoice,Bill,Payment,BillPayment&changedSince=<ISO 8601>
    emu.pay_invoice(id, amount=None, txn_date=None), emu.void_invoice(id), ... (qbo_user.py); /app/invoice?txnId=

Legacy: honour_requestid=False = requestid_mode "ignore"; duplicate_docnumber_check=False = both "allow". Anything
not served under /v3/company/{realm}/ answers HTTP 400, Fault code 500 "Unsupported Operation" (never a 5xx).

A token used against another realm answers 401 with the XML AuthenticationFault code 100 (reference §6,
intuit/oauth-jsclient#91); the 403 ApplicationAuthorizationFailed envelope is available as an injected fault.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from werkzeug.wrappers import Request, Response

from emulators._server import RunningServer, serve_in_thread
from emulators.qbo_batch import run_batch, with_invoice_link
from emulators.qbo_behaviour import Behaviour, legacy_settings, repeated_request
from emulators.qbo_cdc import change_data_capture
from emulators.qbo_control import control
from emulators.qbo_faults import (UNSUPPORTED, QboFault, auth_failed_body, business_fault, decode_utf8, dumps, fault,
                                  iso_time, parse_json_body, system_fault, throttle_xml, wrong_realm_xml)
from emulators.qbo_limits import FAULT_KINDS, Fault, Limiter, injected_response, take_fault
from emulators.qbo_oauth import OAuthServer
from emulators.qbo_pages import PAGES, TransactionPages, serve as serve_page
from emulators.qbo_schema import READABLE, RESOURCES, invoice_pdf
from emulators.qbo_state import load_state, save_state
from emulators.qbo_store import Company
from emulators.qbo_user import UserActions
from emulators.qbo_writes import WRITES, body_has_id, operation_of, write

TOKEN_PATH, REVOKE_PATH, AUTHORIZE_PATH = "/oauth2/v1/tokens/bearer", "/oauth2/v1/tokens/revoke", "/oauth2/authorize"
JSON_TYPE = "application/json;charset=UTF-8"
COUNTERS = ("token", "authorize", "revoke", "query", "batch", "batch_items", "create", "update", "delete", "void",
            "cdc", "read", "companyinfo", "pdf",
            "preferences", "api_requests", "throttled_429", "injected_faults", "dropped", "replayed",
            "requestid_rejected", "auth_failures", "peak_concurrency", "max_requests_per_minute",
            "max_batch_per_minute")


class _Drop(Exception):
    """The operation happened; the client must never see the answer."""


def _json(body, status: int = 200) -> Response:
    return Response(dumps(body), status=status, content_type=JSON_TYPE)


def _limit(name: str) -> property:
    """A limit of `self.limiter` (None = unlimited), settable while running."""
    return property(lambda self: getattr(self.limiter, name), lambda self, value: setattr(self.limiter, name, value))


class QboEmulator(UserActions):
    """One QBO company (realm) behind an Intuit-shaped WSGI app; all state sits behind one lock."""

    def __init__(self, *, client_id: str = "emulator-client", client_secret: str = "emulator-secret",
                 redirect_uris=("http://localhost:8765/callback",), realm_id: str = "9130350000000001",
                 company_name: str = "ACD Demo Company", edition: str = "Plus", access_token_ttl: float = 3600,
                 refresh_token_ttl: float = 8726400, rotate_refresh_tokens: bool = True,
                 requests_per_minute: int | None = 500, concurrent_limit: int | None = 10,
                 batch_per_minute: int | None = 40, max_batch_items: int = 30, requestid_mode: str | None = None,
                 invoice_duplicates: str | None = None, bill_duplicates: str | None = None,
                 docnumber_match: str | None = None, custom_txn_numbers_invoice: bool | None = None,
                 custom_txn_numbers_bill: bool | None = None, duplicate_docnumber_check: bool | None = None,
                 honour_requestid: bool | None = None, country: str | None = None, multicurrency: bool | None = None,
                 automated_sales_tax: bool | None = None, default_terms: str | None = None,
                 clock: Callable[[], float] = time.time,
                 seed_demo_company: bool = True, state_file: str | os.PathLike | None = None):
        """Behaviour keywords left at None take their default (qbo_behaviour.DEFAULTS) or the legacy switch."""
        self.client_id, self.client_secret, self.realm_id = client_id, client_secret, realm_id
        self.redirect_uris = tuple([redirect_uris] if isinstance(redirect_uris, str) else redirect_uris)
        self.max_batch_items = max_batch_items
        self._clock = clock
        chosen = dict(requestid_mode=requestid_mode, invoice_duplicates=invoice_duplicates,
                      bill_duplicates=bill_duplicates, docnumber_match=docnumber_match,
                      custom_txn_numbers_invoice=custom_txn_numbers_invoice,
                      custom_txn_numbers_bill=custom_txn_numbers_bill, country=country, multicurrency=multicurrency,
                      automated_sales_tax=automated_sales_tax, default_terms=default_terms)
        behaviour = Behaviour(**{**legacy_settings(honour_requestid, duplicate_docnumber_check),  # new keywords win
                                 **{key: value for key, value in chosen.items() if value is not None}})
        self.base_url: str | None = None
        self.latency = 0.0
        self._lock = threading.RLock()
        self.company = Company(realm_id, company_name, edition, clock, behaviour=behaviour, seed=seed_demo_company)
        checked = {key: value for key, value in (("default_terms", behaviour.default_terms),
                                                  ("multicurrency", behaviour.multicurrency)) if value}
        if checked:   # against the seeded terms and the edition, as set_behaviour checks them
            self.company.configure(**checked)
        self.oauth = OAuthServer(client_id, client_secret, self.redirect_uris, realm_id, company_name, clock,
                                 access_token_ttl, refresh_token_ttl, rotate_refresh_tokens)
        self._faults: list[Fault] = []
        self._fault_rng = random.Random(0)
        self._replies: dict[str, tuple[int, bytes, str]] = {}
        self.pages = TransactionPages()
        self.limiter = Limiter(requests_per_minute, concurrent_limit, batch_per_minute, clock)
        self.reset_stats()
        self.state_file = Path(state_file) if state_file else None
        if self.state_file and self.state_file.exists():
            load_state(self)

    # --------------------------------------------------------------------------------- test-side API
    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        """Swap the clock everywhere (tokens, codes, limit windows, timestamps), e.g. to share a test's fake one."""
        with self._lock:
            self._clock = self.company.clock = self.oauth.clock = self.limiter.clock = clock

    requests_per_minute = _limit("requests_per_minute")
    batch_per_minute = _limit("batch_per_minute")
    concurrent_limit = _limit("concurrent_limit")

    def start(self, port: int = 0) -> RunningServer:
        """Serve on 127.0.0.1 in a background thread; remembers the address in `base_url`."""
        server = serve_in_thread(self, port)
        self.base_url = server.url
        return server

    def inject(self, kind: str, count: int = 1, match: str | None = None, probability: float = 1.0) -> None:
        """Make the next `count` matching requests fail: kind in FAULT_KINDS (see `Fault` for `match`).

        With `probability` below 1, each matching request fails at that rate (drawn from the generator
        `seed_faults` seeds) until `count` failures were served: a reproducible storm."""
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}; got {kind!r}")
        if int(count) < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        if not 0 < float(probability) <= 1:
            raise ValueError(f"probability must be in (0, 1], got {probability}")
        with self._lock:
            self._faults.append(Fault(kind, int(count), match, float(probability)))

    def seed_faults(self, seed: int) -> None:
        with self._lock:
            self._fault_rng.seed(seed)

    def faults(self) -> list[dict]:
        with self._lock:
            return [vars(f).copy() for f in self._faults]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_latency(self, seconds: float) -> None:
        """Delay every API and token request by `seconds` (while it counts as in flight)."""
        if float(seconds) < 0:
            raise ValueError(f"latency must be >= 0, got {seconds}")
        self.latency = float(seconds)

    def set_behaviour(self, **settings) -> dict:
        """Change behaviour settings (module docstring), returns them all; ValueError, nothing changed, if bad."""
        with self._lock:
            return self.company.configure(**settings)

    def behaviour(self) -> dict:
        with self._lock:
            return self.company.behaviour.as_dict()

    def set_edition(self, name: str) -> None:
        with self._lock:
            self.company.set_edition(name)

    @property
    def edition(self) -> str:
        return self.company.edition

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.oauth.expire()

    def revoke_all(self) -> None:
        with self._lock:
            self.oauth.revoke_all()

    def register_redirect_uri(self, uri: str) -> None:
        """Add a redirect URI, as an admin does on the app's page at Intuit (the demo app registers its own)."""
        with self._lock:
            if uri not in self.redirect_uris:
                self.redirect_uris = (*self.redirect_uris, uri)
                self.oauth.redirect_uris = self.redirect_uris

    def issue_tokens(self) -> dict:
        """Tokens as if the consent flow had run (access_token, refresh_token, realm_id, ...)."""
        with self._lock:
            return self.oauth.issue_for_tests()

    def add_customer(self, name: str, active: bool = True, **fields) -> dict:
        with self._lock:
            return self.company.add_customer(name, active, **fields)

    def add_vendor(self, name: str, active: bool = True, **fields) -> dict:
        with self._lock:
            return self.company.add_vendor(name, active, **fields)

    def add_term(self, name: str, active: bool = True, **fields) -> dict:
        """A Term as a QuickBooks user adds it: add_term("Net 10", DueDays=10) or DayOfMonthDue=15."""
        with self._lock:
            return self.company.add_term(name, active, **fields)

    def created(self, entity: str = "Invoice") -> list[dict]:
        """Every object created through the API (not seeds or add_customer), in order."""
        with self._lock:
            return self.company.created(entity)

    def docnumber_counts(self, entity: str = "Invoice") -> dict[str, int]:
        with self._lock:
            return self.company.docnumber_counts(entity)

    def stats(self) -> dict:
        """Counters: token, authorize (pages shown), revoke, query, batch, batch_items, create, update, delete and
        void (direct, not in a batch), cdc, read, companyinfo, pdf, preferences, api_requests, throttled_429 (limits only; injected 429s are in
        injected_faults), throttled_by{reason}, dropped, replayed and requestid_rejected (a repeated requestid),
        auth_failures; maxima a client
        reached: peak_concurrency (in flight, the throttled attempt included), max_requests_per_minute and
        max_batch_per_minute (attempts in any sliding 60 s); statuses{code}, minor_versions{n}, token_grants{type}."""
        with self._lock:
            return json.loads(json.dumps(self._stats))

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = {name: 0 for name in COUNTERS}
            self._stats.update({"statuses": {}, "minor_versions": {}, "token_grants": {}, "throttled_by": {}})

    def config(self) -> dict:
        return {"base_url": self.base_url, "client_id": self.client_id, "client_secret": self.client_secret,
                "realm_id": self.realm_id, "redirect_uris": list(self.redirect_uris), "edition": self.edition,
                "company_name": self.company.company_name}

    # ----------------------------------------------------------------------------------------- WSGI
    def __call__(self, environ, start_response):
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ, start_response):
        request = Request(environ)
        path = request.path
        try:
            if path.startswith("/__emulator__/"):
                response = control(self, request)
            elif path in (AUTHORIZE_PATH, TOKEN_PATH, REVOKE_PATH):
                response = self._oauth(request)
            elif path.startswith("/v3/company/"):
                response = self._api(request)
            elif path in PAGES:
                response = serve_page(self, request)
            else:
                response = _json({"error": f"not found: {request.method} {path}"}, 404)
        except _Drop:
            with self._lock:
                self._stats["dropped"] += 1
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise ConnectionAbortedError("emulator dropped the response after committing") from None
        response.headers["intuit_tid"] = f"1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"
        with self._lock:
            key = str(response.status_code)
            self._stats["statuses"][key] = self._stats["statuses"].get(key, 0) + 1
        if self.state_file is not None and request.method == "POST":
            save_state(self)
        return response(environ, start_response)

    def _take_fault(self, op, resource, line: str, api: bool, drop: bool) -> Fault | None:
        with self._lock:
            return take_fault(self._faults, self._fault_rng, self._stats, op, resource, line, api, drop)

    # ---------------------------------------------------------------------------------------- OAuth
    def _oauth(self, request: Request) -> Response:
        op = {AUTHORIZE_PATH: "authorize", TOKEN_PATH: "token", REVOKE_PATH: "revoke"}[request.path]
        line = f"{request.method} {request.path}"
        with self._lock:
            self._stats[op] += op != "authorize" or request.method == "GET"  # consent pages shown, not clicks
        injected = self._take_fault(op, None, line, False, drop=False)
        if injected and injected.kind != "expire_token":
            return injected_response(injected.kind, self.clock(), oauth=True)
        if op != "authorize" and request.method != "POST":
            return _json({"error": "invalid_request", "error_description": "POST only"}, 405)
        if op == "token" and self.latency:
            time.sleep(self.latency)
        with self._lock:
            if op == "token":
                response, grant = self.oauth.token(request)
                self._stats["token_grants"][str(grant)] = self._stats["token_grants"].get(str(grant), 0) + 1
            else:
                response = self.oauth.authorize(request) if op == "authorize" else self.oauth.revoke(request)
        if self._take_fault(op, None, line, False, drop=True):
            raise _Drop
        return response

    # ------------------------------------------------------------------------------- Accounting API
    @staticmethod
    def _route(method: str, rest: str, args=None, has_id: bool = False) -> tuple[str | None, str | None, str | None]:
        """(operation, resource, id); URIs are case-sensitive (reference §2). A POST to a resource is one of
        qbo_writes.WRITES (create, update, delete, void), from its query string and whether the body has an Id."""
        parts = rest.split("/")
        head = parts[0]
        if rest == "cdc" and method == "GET":
            return "cdc", None, None
        if rest == "query" and method in ("GET", "POST"):
            return "query", None, None
        if rest == "batch" and method == "POST":
            return "batch", None, None
        if head == "companyinfo" and len(parts) == 2 and method == "GET":
            return "companyinfo", None, parts[1]
        if rest == "preferences" and method == "GET":
            return "preferences", None, None
        if head in RESOURCES and len(parts) == 1 and method == "POST":
            return operation_of(args or {}, RESOURCES[head], has_id), head, None
        if head in READABLE and len(parts) == 2 and parts[1] and method == "GET":
            return "read", head, parts[1]
        if head == "invoice" and len(parts) == 3 and parts[2] == "pdf" and method == "GET":
            return "pdf", head, parts[1]
        return None, head if head in READABLE else None, None

    def _api(self, request: Request) -> Response:
        realm, _, rest = request.path[len("/v3/company/"):].partition("/")
        has_id = request.method == "POST" and rest in RESOURCES and body_has_id(request.get_data())
        op, resource, object_id = self._route(request.method, rest, request.args, has_id)
        line = f"{request.method} {request.path}"
        with self._lock:
            self._stats["api_requests"] += 1
        header = request.headers.get("Authorization", "")
        bearer = header[7:].strip() if header[:7].lower() == "bearer " else ""
        injected = self._take_fault(op, resource, line, True, drop=False)
        if injected and injected.kind == "expire_token":
            with self._lock:
                self.oauth.expire(bearer)
        elif injected:
            return injected_response(injected.kind, self.clock())
        with self._lock:
            status, record = self.oauth.check(bearer)
            if status != "ok":
                self._stats["auth_failures"] += 1
                detail = {"missing": None, "invalid": "Malformed bearer token: unknown or garbled token",
                          "expired": f"Token expired: {bearer[:12]}...", "revoked": "Token revoked"}[status]
                return _json(auth_failed_body(detail, self.clock()), 401)
            if record.family.realm_id != realm:
                self._stats["auth_failures"] += 1
                return Response(wrong_realm_xml(iso_time(self.clock())), status=401, content_type="application/xml")
            if self.limiter.admit(op == "batch", self._stats):
                return Response(throttle_xml(iso_time(self.clock())), status=429, content_type="application/xml")
        try:
            if self.latency:
                time.sleep(self.latency)
            with self._lock:
                response = self._execute(request, op, resource, object_id, rest)
        finally:
            with self._lock:
                self.limiter.release()
        if self._take_fault(op, resource, line, True, drop=True):
            raise _Drop
        return response

    def _execute(self, request: Request, op, resource, object_id, rest: str) -> Response:
        """requestid around the operation (reference §2), per requestid_mode: a repeat is replayed (same status and
        body, no second create), performed again, or rejected (qbo_behaviour.repeated_request). The first answer
        to each requestid is kept in every mode."""
        raw_version = request.args.get("minorversion", "")
        version = str(max(75, int(raw_version))) if raw_version.isdigit() else "75"
        self._stats["minor_versions"][version] = self._stats["minor_versions"].get(version, 0) + 1
        request_id = request.args.get("requestid")
        if request_id is not None:
            limit = 36 if op == "batch" else 50
            if len(request_id) > limit:
                problem = business_fault(f"You cannot enter more than {limit} characters in the request_id field")
                return _json(problem.body(iso_time(self.clock())), problem.status)
            mode = self.company.behaviour.requestid_mode if request_id in self._replies else None
            if mode == "replay":
                self._stats["replayed"] += 1
                status, body, content_type = self._replies[request_id]
                return Response(body, status=status, content_type=content_type)
            if mode == "reject":
                self._stats["requestid_rejected"] += 1
                status, body = repeated_request(op, request.get_data(), iso_time(self.clock()))
                return _json(body, status)
        try:
            response = self._perform(request, op, resource, object_id, rest)
        except QboFault as problem:
            response = _json(problem.body(iso_time(self.clock())), problem.status)
        except Exception as exc:  # an emulator bug must still look like QBO to the client, and say what it was
            failure = system_fault(500)
            failure.errors[0]["Detail"] += f" (emulator: {type(exc).__name__}: {exc})"
            response = _json(failure.body(iso_time(self.clock())), 500)
        if request_id and request_id not in self._replies:
            self._replies[request_id] = (response.status_code, response.get_data(), response.content_type)
        return response

    def _perform(self, request: Request, op, resource, object_id, rest: str) -> Response:
        now = iso_time(self.clock())
        include = {part.strip().lower() for part in request.args.get("include", "").split(",") if part.strip()}
        if op is None:
            raise fault("500", UNSUPPORTED, f"Operation Could not find resource for relative : /v3/company/"
                                            f"{self.realm_id}/{rest} of full path: {request.base_url}")
        if op not in ("query", "batch", "create"):
            self._stats[op] += 1
        if op == "query":
            text = request.args.get("query") if request.method == "GET" else decode_utf8(request.get_data())
            self._stats["query"] += 1
            return _json({"QueryResponse": self.company.query(text or ""), "time": now})
        if op == "cdc":
            changes = change_data_capture(self.company, request.args.get("entities"), request.args.get("changedSince"))
            return _json({"CDCResponse": changes, "time": now})
        if op == "companyinfo":
            if object_id != self.realm_id:
                self.company.read("CompanyInfo", object_id)  # raises 610 Object Not Found
            return _json({"CompanyInfo": self.company.company_info(), "time": now})
        if op == "preferences":
            return _json({"Preferences": self.company.preferences(), "time": now})
        if op == "pdf":
            invoice = self.company.read("Invoice", object_id)
            return Response(invoice_pdf(invoice, self.company.company_name), content_type="application/pdf")
        if op == "read":
            obj = with_invoice_link(self.company.read(READABLE[resource], object_id), include, READABLE[resource])
            return _json({READABLE[resource]: obj, "time": now})
        body = parse_json_body(request.get_data())
        if op in WRITES:
            self._stats["create"] += op == "create"
            entity = RESOURCES[resource]
            obj = with_invoice_link(write(self.company, entity, op, body, include), include, entity)
            return _json({entity: obj, "time": now})
        items = run_batch(self.company, body, include, bool(request.args.get("requestid")), self.max_batch_items,
                          self._stats)
        return _json({"BatchItemResponse": items, "time": now})


if __name__ == "__main__":
    from emulators.qbo_cli import main

    sys.exit(main())
