"""The QuickBooks Online REST client: the one place that speaks HTTP to the Accounting API.

It keeps inside Intuit's limits on its own (requests and batch calls per minute, concurrent calls),
sends every request with a timeout and `minorversion`, refreshes the access token once on a 401, retries
429/5xx/timeouts with full-jitter backoff (the same `requestid` each time), and translates every answer
into data or one of `quickbooks.errors`. Nothing above this module sees a `requests` exception.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential
from urllib3.exceptions import NewConnectionError

from quickbooks.errors import (ApiFault, FaultDetail, FeatureNotAvailable, NotAuthorized, OutcomeUnknown,
                               ReconnectNeeded, RetriableAPIError, SyncError)
from quickbooks.settings import QbSettings
from quickbooks.wire.tokens import TokenManager

log = logging.getLogger(__name__)

MAX_BATCH_ITEMS = 30
MAX_QUERY_RESULTS = 1000
FEATURE_CODES = frozenset({"5020", "120"})   # the company's edition lacks the feature (Bills on Simple Start)
WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class BatchAnswer:
    """One item's answer in a batch: the object QuickBooks returned, or the error its Fault means."""

    bid: str
    obj: dict | None = None
    error: SyncError | None = None


class RateLimiter:
    """Client-side pacing: at most N requests and M batch requests per sliding minute, K at once."""

    def __init__(self, per_minute: int, batch_per_minute: int, max_concurrent: int,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.per_minute, self.batch_per_minute = per_minute, batch_per_minute
        self.clock, self.sleep = clock, sleep
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._lock = threading.Lock()
        self._requests: collections.deque[float] = collections.deque()
        self._batches: collections.deque[float] = collections.deque()

    @contextlib.contextmanager
    def slot(self, is_batch: bool = False) -> Iterator[None]:
        with self._slots:
            self._admit(is_batch)
            yield

    def _admit(self, is_batch: bool) -> None:
        while True:
            with self._lock:
                now = self.clock()
                for window in (self._requests, self._batches):
                    while window and now - window[0] >= WINDOW_SECONDS:
                        window.popleft()
                full = [w for w, limit in ((self._requests, self.per_minute), (self._batches, self.batch_per_minute))
                        if (w is self._requests or is_batch) and len(w) >= limit]
                if not full:
                    self._requests.append(now)
                    if is_batch:
                        self._batches.append(now)
                    return
                wait = max(WINDOW_SECONDS - (now - w[0]) for w in full)
            log.info("Pacing QuickBooks calls: waiting %.1f s to stay within Intuit's per-minute limits", wait)
            self.sleep(max(wait, 0.01))


def queryable(text: str) -> bool:
    """Can a QuickBooks query hold this text? Intuit's parser rejects non-ASCII and control characters."""
    return text.isascii() and text.isprintable()


def quote_literal(text: str) -> str:
    """A QuickBooks query string literal; sheet text can never break out of it.

    Text a query cannot hold (see `queryable`) raises ValueError: names are then matched client-side instead.
    """
    if not queryable(text):
        raise ValueError("QuickBooks queries cannot contain non-ASCII or control characters")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class QboClient:
    """One company's Accounting API (the realm of the stored connection)."""

    def __init__(self, settings: QbSettings, tokens: TokenManager, *, session: requests.Session | None = None,
                 limiter: RateLimiter | None = None):
        self.settings = settings
        self.tokens = tokens
        self.http = session or requests.Session()
        self.limiter = limiter or RateLimiter(settings.requests_per_minute, settings.batch_requests_per_minute,
                                              settings.max_concurrent)
        self.calls = collections.Counter()

    # ------------------------------------------------------------------ transport

    def request(self, method: str, path: str, *, params: dict | None = None, body: bytes | None = None,
                content_type: str = "application/json", accept: str = "application/json",
                request_id: str | None = None, is_batch: bool = False, idempotent: bool = True) -> requests.Response:
        """Send with pacing, auth, timeout and retries; return a 2xx response or raise a `SyncError`.

        A request that is not idempotent (a create) is retried only when QuickBooks surely did not act on it
        (429, connection refused); otherwise it raises `OutcomeUnknown` for the caller to look up."""
        params = {**(params or {}), "minorversion": str(self.settings.minor_version)}
        if request_id:
            params["requestid"] = request_id
        retrying = Retrying(retry=retry_if_exception(lambda exc: isinstance(exc, RetriableAPIError) and (
                                idempotent or not exc.maybe_processed)), reraise=True,
                            stop=stop_after_attempt(self.settings.max_attempts),
                            wait=wait_random_exponential(multiplier=0.5, max=self.settings.backoff_max_seconds),
                            before_sleep=lambda state: log.warning(
                                "QuickBooks %s %s: %s; retry %d of %d", method, path.split("?")[0],
                                state.outcome.exception(), state.attempt_number, self.settings.max_attempts - 1))
        try:
            return retrying(self._send_with_auth, method, path, params, body, content_type, accept, is_batch)
        except RetriableAPIError as exc:
            if idempotent or not exc.maybe_processed or isinstance(exc, OutcomeUnknown):
                raise
            raise OutcomeUnknown(f"{exc}; QuickBooks may or may not have acted on it", exc.status) from exc

    def _send_with_auth(self, method, path, params, body, content_type, accept, is_batch) -> requests.Response:
        tokens = self.tokens.current()
        response = self._send(method, path, params, body, content_type, accept, is_batch, tokens)
        if response.status_code == 401:
            log.info("QuickBooks answered 401; refreshing the access token once")
            tokens = self.tokens.refresh(stale_access_token=tokens.access_token)
            response = self._send(method, path, params, body, content_type, accept, is_batch, tokens)
            if response.status_code == 401:
                raise ReconnectNeeded("QuickBooks rejected the connection even with a fresh token "
                                      f"({_short_fault(response)}): connect QuickBooks again")
        return _check(response)

    def _send(self, method, path, params, body, content_type, accept, is_batch, tokens) -> requests.Response:
        url = f"{self.settings.api_base_url}/v3/company/{tokens.realm_id}/{path}"
        headers = {"Authorization": f"Bearer {tokens.access_token}", "Accept": accept}
        if body is not None:
            headers["Content-Type"] = content_type
        self.calls["batch" if is_batch else path.split("/")[0].split("?")[0]] += 1
        with self.limiter.slot(is_batch):
            try:
                return self.http.request(method, url, params=params, data=body, headers=headers,
                                         timeout=self.settings.timeout_seconds)
            except requests.ConnectionError as exc:  # ConnectTimeout included: it is both
                if _never_sent(exc):
                    raise RetriableAPIError("QuickBooks could not be reached (no connection)") from exc
                raise RetriableAPIError("QuickBooks dropped the connection before answering",
                                        maybe_processed=True) from exc
            except requests.Timeout as exc:
                raise RetriableAPIError(f"QuickBooks did not answer within {self.settings.timeout_seconds:g} s",
                                        maybe_processed=True) from exc

    def get_json(self, method: str, path: str, payload: dict | None = None, idempotent: bool = True,
                 **kwargs) -> dict:
        body = json.dumps(payload).encode() if payload is not None else None
        response = self.request(method, path, body=body, idempotent=idempotent, **kwargs)
        try:
            data = _json(response)
        except RetriableAPIError as exc:   # a 2xx we cannot read: the create may have happened
            if idempotent:
                raise
            raise OutcomeUnknown(str(exc), exc.status) from exc
        if "Fault" in data:
            raise classify_fault(data["Fault"], response.status_code)
        return data

    # ------------------------------------------------------------------ API

    def create(self, entity: str, payload: dict, request_id: str | None = None) -> dict:
        return self.get_json("POST", entity.lower(), payload, request_id=request_id, idempotent=False)[entity]

    def read(self, entity: str, entity_id: str) -> dict:
        return self.get_json("GET", f"{entity.lower()}/{entity_id}")[entity]

    def update(self, entity: str, changes: dict, object_id: str, sync_token: str) -> dict:
        """A sparse update: only `changes` (Line, when given, replaces every line). Never resent blindly: a stale
        SyncToken answers 5010 (ApiFault.stale_object), and the caller re-reads before trying again."""
        body = {**changes, "Id": object_id, "SyncToken": sync_token, "sparse": True}
        return self.get_json("POST", entity.lower(), body, idempotent=False)[entity]

    def changes_since(self, entities: list[str], since: str) -> tuple[dict[str, list[dict]], str | None]:
        """Change Data Capture: every object of `entities` changed at or after `since` (deleted ones as
        {"Id", "status": "Deleted"}), and QuickBooks' time of the answer. At most 1000 objects in all: a caller
        that gets that many saw only part (reference: Intuit's "Change data capture operation")."""
        data = self.get_json("GET", "cdc", params={"entities": ",".join(entities), "changedSince": since})
        found: dict[str, list[dict]] = {entity: [] for entity in entities}
        for block in data.get("CDCResponse") or []:
            for answer in block.get("QueryResponse") or []:
                for entity in entities:
                    found[entity].extend(answer.get(entity) or [])
        return found, data.get("time")

    def company_info(self) -> dict:
        realm = self.tokens.current().realm_id
        return self.get_json("GET", f"companyinfo/{realm}")["CompanyInfo"]

    def preferences(self) -> dict:
        """The company's Preferences (custom transaction numbers, among others)."""
        return self.get_json("GET", "preferences")["Preferences"]

    def invoice_pdf(self, invoice_id: str) -> bytes:
        return self.request("GET", f"invoice/{invoice_id}/pdf", accept="application/pdf").content

    def query(self, select: str) -> dict:
        """One SELECT (POST, application/text); returns the QueryResponse ({} when nothing matched)."""
        return _query_response(self.request("POST", "query", body=select.encode(), content_type="application/text"))

    def query_all(self, entity: str, where: str = "") -> list[dict]:
        """Every matching object, 1000 per page."""
        found: list[dict] = []
        start = 1
        while True:
            clause = f" WHERE {where}" if where else ""
            page = self.query(f"SELECT * FROM {entity}{clause} STARTPOSITION {start} MAXRESULTS {MAX_QUERY_RESULTS}"
                              ).get(entity, [])
            found.extend(page)
            if len(page) < MAX_QUERY_RESULTS:
                return found
            start += MAX_QUERY_RESULTS

    def batch(self, items: list[dict], entity: str, request_id: str | None = None) -> dict[str, BatchAnswer]:
        """Up to 30 operations on `entity` in one call; every item's answer by its `bId`, Faults classified.

        An item QuickBooks did not answer gets an `ApiFault` saying so."""
        if not 0 < len(items) <= MAX_BATCH_ITEMS:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH_ITEMS} items, got {len(items)}")
        writes = any("operation" in item for item in items)
        data = self.get_json("POST", "batch", {"BatchItemRequest": items}, request_id=request_id, is_batch=True,
                             idempotent=not writes)
        raw = {str(a.get("bId")): a for a in data.get("BatchItemResponse", [])}
        answers = {}
        for item in items:
            bid = str(item["bId"])
            answer = raw.get(bid, {})
            if entity in answer:
                answers[bid] = BatchAnswer(bid, obj=answer[entity])
            else:
                fault = answer.get("Fault") or {"Error": [{"Message": "no answer for this item"}]}
                answers[bid] = BatchAnswer(bid, error=classify_fault(fault, None))
        return answers


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the request surely never reached QuickBooks (no connection was made), so resending is safe."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _json(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "?").split(";")[0]
        raise RetriableAPIError(f"QuickBooks answered {kind} instead of JSON (HTTP {response.status_code})",
                                status=response.status_code) from None
    if not isinstance(data, dict):
        raise RetriableAPIError("QuickBooks answered JSON of an unexpected shape", status=response.status_code)
    return data


def _query_response(response: requests.Response) -> dict:
    data = _json(response)
    if "Fault" in data:
        raise classify_fault(data["Fault"], response.status_code)
    return data.get("QueryResponse", {})


def _check(response: requests.Response) -> requests.Response:
    """Classify a non-401 answer: pass 2xx through, raise the right error otherwise."""
    status = response.status_code
    if 200 <= status < 300:
        return response
    if status == 429 or "ThrottleExceeded" in response.text[:2000]:
        raise RetriableAPIError("QuickBooks is throttling requests (HTTP 429)", status=status)
    if status >= 500:
        raise RetriableAPIError(f"QuickBooks had a server error (HTTP {status})", status=status, maybe_processed=True)
    if status == 403:
        raise NotAuthorized(f"QuickBooks refused access ({_short_fault(response)}): the app's keys (QB_ENV) and the "
                            "connected company do not match, or the app lost its permission; connect again")
    try:
        data = response.json()
    except ValueError:
        raise SyncError(f"QuickBooks answered HTTP {status} with {response.headers.get('Content-Type', '?')} "
                        "instead of a Fault") from None
    fault = data.get("Fault") or data.get("fault")
    if fault:
        raise classify_fault(fault, status)
    raise SyncError(f"QuickBooks answered HTTP {status} without a Fault")


def classify_fault(fault: dict, status: int | None) -> SyncError:
    """The one reading of a Fault body (any letter case Intuit uses): a missing feature stops the direction,
    anything else is an `ApiFault` carrying every error and its code."""
    errors = [FaultDetail(code=str(e.get("code") or ""), message=str(e.get("Message") or e.get("message") or ""),
                          detail=str(e.get("Detail") or e.get("detail") or ""),
                          element=str(e.get("element") or ""))
              for e in fault.get("Error") or fault.get("error") or []]
    fault_type = str(fault.get("type", ""))
    if FEATURE_CODES & {e.code for e in errors}:
        return FeatureNotAvailable("This QuickBooks company's edition does not allow this ("
                                   + "; ".join(map(str, errors)) + "): Bills need QuickBooks Online Essentials or "
                                   "Plus; upgrade, or set QB_SYNC_MODE=invoice_only")
    return ApiFault(errors, status=status, fault_type=fault_type)


def _short_fault(response: requests.Response) -> str:
    """Code and message of an auth fault, JSON or XML, for messages (never the whole body)."""
    try:
        fault = response.json().get("fault") or response.json().get("Fault") or {}
        error = (fault.get("error") or fault.get("Error") or [{}])[0]
        return f"code {error.get('code', '?')}: {str(error.get('message') or error.get('Message') or '')[:120]}"
    except ValueError:
        return f"HTTP {response.status_code}"
