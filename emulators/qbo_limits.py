"""Fault injection and QBO's per-realm limits (reference §3), kept apart from routing. Callers hold the lock.

Limits are counted over a *sliding* 60-second window of the injected clock. Only admitted requests fill the
enforcement window, so a client that backs off recovers after a minute; every attempt (throttled or not) feeds the
statistics window, so `max_requests_per_minute` / `max_batch_per_minute` / `peak_concurrency` show what a client
really tried — a well-behaved client keeps them at or under the limits and never sees `throttled_429`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from werkzeug.wrappers import Response

from emulators.qbo_faults import HTML_502, dumps, forbidden_body, iso_time, system_fault, throttle_xml
from emulators.qbo_schema import READABLE

FAULT_KINDS = ("500", "503", "429", "403", "html_502", "drop_after_commit", "expire_token")
OPERATIONS = ("token", "authorize", "revoke", "query", "batch", "create", "update", "delete", "void", "cdc", "read",
              "companyinfo", "pdf", "preferences")
WRITE_OPERATIONS = ("create", "update", "delete", "void", "batch")


@dataclass
class Fault:
    """The next `remaining` requests matching `match` get `kind`.

    `match`: None = any Accounting API request (for drop_after_commit: any write: create, update, delete, void or
    batch); an operation name (OPERATIONS: token, authorize, revoke, query, batch, create, update, delete, void,
    cdc, read, companyinfo, pdf, preferences) or an entity resource (invoice, bill, payment, billpayment,
    customer, ...); otherwise a case-insensitive substring of "METHOD /path"."""

    kind: str
    remaining: int = 1
    match: str | None = None
    probability: float = 1.0   # below 1: each matching request is hit at this rate (seeded, for storm tests)

    def matches(self, op: str | None, resource: str | None, line: str, api: bool) -> bool:
        if self.match is None:
            return api and (self.kind != "drop_after_commit" or op in WRITE_OPERATIONS)
        wanted = self.match.lower()
        if wanted in OPERATIONS or wanted in READABLE:
            return wanted in (op, resource)
        return wanted in line.lower()


def take_fault(faults: list[Fault], rng, stats: dict, op, resource, line: str, api: bool, drop: bool) -> Fault | None:
    """The first queued fault this request triggers (drop_after_commit ones only when `drop`), used up by one."""
    for item in faults:
        if (item.kind == "drop_after_commit") == drop and item.matches(op, resource, line, api):
            if item.probability < 1 and rng.random() >= item.probability:
                continue
            item.remaining -= 1
            if item.remaining <= 0:
                faults.remove(item)
            if not drop:
                stats["injected_faults"] += 1
            return item
    return None


def injected_response(kind: str, epoch: float, oauth: bool = False) -> Response:
    """What an injected fault of `kind` answers (Accounting API, or the OAuth endpoints' own error shape)."""
    if kind == "429":
        return Response(throttle_xml(iso_time(epoch)), status=429, content_type="application/xml")
    if kind == "html_502":
        return Response(HTML_502, status=502, content_type="text/html")
    body, status = (forbidden_body(epoch), 403) if kind == "403" else (None, int(kind))
    if body is None and oauth:
        body = {"error": "server_error" if kind == "500" else "temporarily_unavailable"}
    elif body is None:
        failure = system_fault(status)
        body, status = failure.body(iso_time(epoch)), failure.status
    return Response(dumps(body), status=status, content_type="application/json;charset=UTF-8")


class Limiter:
    """Concurrency, requests-per-minute and batch-per-minute limits for one realm (None/0 = unlimited)."""

    def __init__(self, requests_per_minute: int | None, concurrent_limit: int | None, batch_per_minute: int | None,
                 clock):
        self.requests_per_minute, self.concurrent_limit = requests_per_minute, concurrent_limit
        self.batch_per_minute, self.clock = batch_per_minute, clock
        self.in_flight = 0
        self._windows = {name: deque() for name in ("attempts", "batch_attempts", "accepted", "batch_accepted")}

    def admit(self, is_batch: bool, stats: dict) -> str | None:
        """None if admitted (now in flight: call `release()`), else why it is throttled; updates `stats`."""
        now = self.clock()
        for name, key, counted in (("attempts", "max_requests_per_minute", True),
                                   ("batch_attempts", "max_batch_per_minute", is_batch)):
            if counted:
                window = self._window(name, now)
                window.append(now)
                stats[key] = max(stats[key], len(window))
        stats["peak_concurrency"] = max(stats["peak_concurrency"], self.in_flight + 1)
        reason = None
        if self.concurrent_limit and self.in_flight + 1 > self.concurrent_limit:
            reason = "concurrency"
        elif self.requests_per_minute and len(self._window("accepted", now)) >= self.requests_per_minute:
            reason = "requests_per_minute"
        elif is_batch and self.batch_per_minute and len(self._window("batch_accepted", now)) >= self.batch_per_minute:
            reason = "batch_per_minute"
        if reason:
            stats["throttled_429"] += 1
            stats["throttled_by"][reason] = stats["throttled_by"].get(reason, 0) + 1
            return reason
        self._windows["accepted"].append(now)
        if is_batch:
            self._windows["batch_accepted"].append(now)
        self.in_flight += 1
        return None

    def release(self) -> None:
        self.in_flight -= 1

    def _window(self, name: str, now: float) -> deque:
        window = self._windows[name]
        while window and now - window[0] >= 60:
            window.popleft()
        return window
