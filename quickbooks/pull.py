"""Read back what happened in QuickBooks to the transactions the sync created: payments, voids, deletions.

One Change Data Capture request per run asks for every Invoice, Bill, Payment and BillPayment changed since the
last mark. Intuit keeps 30 days of changes and answers at most 1,000 objects (reference: "Change data capture
operation"): an answer of 1,000 objects may be cut short, so the next request starts at the newest change it held,
up to `CDC_MAX_PAGES` requests. The transactions are queried by Id instead when there is no mark yet, when it is
older than `WINDOW_SECONDS`, or when paging does not get through; transactions never read back (created before
this feature) are queried by Id once. The state goes to the audit (quickbooks/rules/lifecycle.py
reads it); the new mark is returned, for the run to store only after its writeback landed, so an answer lost
anywhere on the way is simply asked for again. The mark starts `OVERLAP_SECONDS` before QuickBooks' own time of
the answer: a change seen twice is harmless (states are replaced, not added), a change missed is not.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from quickbooks.audit import AuditStore
from quickbooks.rules.directions import Direction
from quickbooks.rules.lifecycle import RemoteState, deleted_state, linked_payment_ids, read_state
from quickbooks.wire.client import QboClient, quote_literal
from tracker.db import qb_marks

log = logging.getLogger(__name__)

CDC_ENTITIES = ["Invoice", "Bill", "Payment", "BillPayment"]
PAYMENT_ENTITY = {Direction.INVOICE: "Payment", Direction.BILL: "BillPayment"}
CDC_MAX_OBJECTS = 1000
CDC_MAX_PAGES = 5         # then the transactions are read by Id: 100 per query
WINDOW_SECONDS = 29 * 24 * 3600   # a day inside Intuit's 30, so a mark near the edge never meets a refusal
OVERLAP_SECONDS = 300
IDS_PER_QUERY = 100


@dataclass(frozen=True)
class PullResult:
    mark_name: str      # where the mark is kept (one per QuickBooks company)
    mark: str | None    # the next run's changedSince, to store once the writeback landed
    mode: str           # "cdc", "query" (no usable mark, or a full answer), or "none" (nothing to follow)
    changed: int        # transactions whose state changed


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="seconds")


def _epoch(text: str | None) -> float | None:
    try:
        return dt.datetime.fromisoformat(text).timestamp() if text else None
    except ValueError:
        return None


def _updated(obj: dict) -> str:
    return (obj.get("MetaData") or {}).get("LastUpdatedTime") or ""


def _epoch_or_zero(text: str | None) -> float:
    return _epoch(text) or 0.0


def _is_zero(value) -> bool:
    try:
        return Decimal(str(value)) == 0
    except ArithmeticError:
        return False


class Marks:
    """Named marks kept between runs (table qb_marks)."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time):
        self.engine, self.clock = engine, clock

    def get(self, name: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(select(qb_marks.c.value).where(qb_marks.c.name == name)).scalar()

    def set(self, name: str, value: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(qb_marks).where(qb_marks.c.name == name))
            connection.execute(insert(qb_marks).values(name=name, value=value, updated_at=self.clock()))


class Puller:
    def __init__(self, client: QboClient, audit: AuditStore, marks: Marks, realm_id: str,
                 clock: Callable[[], float] = time.time):
        self.client, self.audit, self.marks, self.clock = client, audit, marks, clock
        self.mark_name = f"cdc:{realm_id}"

    def pull(self, directions: Iterable[Direction]) -> PullResult:
        """Bring every followed transaction's state up to date in the audit."""
        followed = [d for d in directions if self.audit.has_followed(d)]
        started = self.clock()
        if not followed:   # nothing to read yet; what is created from now on, CDC will see
            return PullResult(self.mark_name, _iso(started - OVERLAP_SECONDS), "none", 0)
        since = self.marks.get(self.mark_name)
        fresh_enough = (_epoch(since) or 0) > started - WINDOW_SECONDS
        if fresh_enough:
            paged = self._changes(since)
            if paged is not None:
                found, answered = paged
                named = {d: self.audit.followed_ids(d, (str(o.get("Id")) for o in found.get(d.entity, [])))
                         for d in followed}
                unread = {d: self.audit.unread_ids(d) for d in followed}
                changed = self._apply_changes(named, found) + self._apply_queried(unread)
                mark = (_epoch(answered) or started) - OVERLAP_SECONDS
                return PullResult(self.mark_name, _iso(mark), "cdc", changed)
            log.info("Change Data Capture stayed at its limit of %d objects for %d requests: reading the "
                     "transactions by Id instead", CDC_MAX_OBJECTS, CDC_MAX_PAGES)
        everything = {d: self.audit.followed_ids(d) for d in followed}
        if not fresh_enough and since:
            log.info("The last read of QuickBooks changes (%s) is older than Intuit keeps them: reading the %d "
                     "transactions by Id instead", since, sum(len(ids) for ids in everything.values()))
        return PullResult(self.mark_name, _iso(started - OVERLAP_SECONDS), "query", self._apply_queried(everything))

    def _changes(self, since: str) -> tuple[dict[str, list[dict]], str | None] | None:
        """Every change since `since`. An answer of 1,000 objects may be cut short (Intuit answers the oldest
        first, with no marker), so the next request starts at the newest change it held (the boundary is
        inclusive: those objects come again, and the later copy wins). None when that does not get through
        (more than CDC_MAX_PAGES answers, or 1,000 changes sharing one instant)."""
        merged: dict[str, dict[str, dict]] = {entity: {} for entity in CDC_ENTITIES}
        cursor = since
        for _ in range(CDC_MAX_PAGES):
            found, answered = self.client.changes_since(CDC_ENTITIES, cursor)
            for entity, objects in found.items():
                merged[entity].update({str(o.get("Id")): o for o in objects})
            if sum(len(objects) for objects in found.values()) < CDC_MAX_OBJECTS:
                return {entity: list(objects.values()) for entity, objects in merged.items()}, answered
            newest = max((_updated(o) for objects in found.values() for o in objects), key=_epoch_or_zero)
            if _epoch_or_zero(newest) <= _epoch_or_zero(cursor):
                return None
            cursor = newest
        return None

    def _apply_changes(self, followed: dict[Direction, dict[str, str]], found: dict[str, list[dict]]) -> int:
        changed = 0
        for direction, ids in followed.items():
            objects = [o for o in found.get(direction.entity, []) if str(o.get("Id")) in ids]
            changed += self._store(direction, ids, objects, found.get(PAYMENT_ENTITY[direction], []))
        return changed

    def _apply_queried(self, followed: dict[Direction, dict[str, str]]) -> int:
        changed = 0
        for direction, ids in followed.items():
            if not ids:
                continue
            objects = self._by_ids(direction.entity, list(ids))
            seen = {str(o.get("Id")) for o in objects}
            gone = [{"Id": i, "status": "Deleted", "MetaData": {}} for i in ids if i not in seen]  # queries skip them
            changed += self._store(direction, ids, objects + gone, [])
        return changed

    def _store(self, direction: Direction, ids: dict[str, str], objects: list[dict], payments: list[dict]) -> int:
        """The state of each object, with the dates of the payments that closed the paid ones."""
        dates = {str(p.get("Id")): p.get("TxnDate") for p in payments if p.get("status") != "Deleted"}
        missing = {i for o in objects if o.get("status") != "Deleted" and _is_zero(o.get("Balance"))
                   for i in linked_payment_ids(o) if i not in dates}
        if missing:
            dates.update({str(p["Id"]): p.get("TxnDate") for p in self._by_ids(PAYMENT_ENTITY[direction], missing)})
        states: dict[str, RemoteState] = {}
        for obj in objects:
            key = ids[str(obj.get("Id"))]
            states[key] = (deleted_state(str(obj["Id"]), (obj.get("MetaData") or {}).get("LastUpdatedTime"))
                           if obj.get("status") == "Deleted" else read_state(obj, dates))
        return self.audit.record_remote(direction, states)

    def _by_ids(self, entity: str, ids: Iterable[str]) -> list[dict]:
        ordered, found = sorted(set(ids)), []
        for start in range(0, len(ordered), IDS_PER_QUERY):
            chunk = ", ".join(quote_literal(i) for i in ordered[start:start + IDS_PER_QUERY])
            found.extend(self.client.query_all(entity, f"Id IN ({chunk})"))
        return found
