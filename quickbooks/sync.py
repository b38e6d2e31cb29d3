"""One sync run, the ten steps of DESIGN.md: lease, read once, select, direction, map, intent, send,
record, write back, report.

`SyncService.run()` never raises for a problem it understands: the outcome (and any error, in plain words)
is in the returned `SyncReport` and in `sync_runs`. Only a bug escapes, after being recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from sqlalchemy.engine import Engine

import acd
from tracker import failpoints
from tracker.errors import SheetError, TrackerError
from tracker.leases import holder_of, new_holder, release, try_acquire
from quickbooks.audit import AuditStore
from quickbooks.connection import QuickBooks
from quickbooks.rules.directions import Direction, load_directions
from quickbooks.errors import FatalAPIError
from quickbooks.lookups import Lookups
from quickbooks.rules.mapping import MappingContext, NameIndex, Payload, RowError, SheetRow, map_rows
from quickbooks.rules.plan import COLUMNS, FAILED_STATUS, SYNCED, Plan, PlanSettings, created_cells, failed_cells, make_plan
from quickbooks.runs import BUSY, FAILED, OK, PARTIAL, RunLog
from quickbooks.sender import Sender, same_transaction
from quickbooks.writeback import Target, row_fingerprint, write_back
from sankey_helpers import SOURCE_HEADERS, rows_to_records, validate_headers
from tracker.settings import Settings

log = logging.getLogger(__name__)

SYNC_LEASE = "qb_sync"
LEASE_TTL_SECONDS = 5 * 60  # renewed after every batch; a dead holder on this host is replaced at once


class SheetNeedsMigration(SheetError):
    pass


@dataclass
class SyncReport:
    run_id: int | None
    status: str
    counts: dict = field(default_factory=dict)
    error: str | None = None
    planned: list[dict] = field(default_factory=list)   # dry run: what would be sent / written

    @property
    def ok(self) -> bool:
        return self.status == OK


class SyncService:
    def __init__(self, settings: Settings, quickbooks: QuickBooks, engine: Engine, *,
                 clock: Callable[[], float] = time.time):
        self.settings, self.qb, self.engine, self.clock = settings, quickbooks, engine, clock
        self.runs = RunLog(engine, clock)

    def start_in_background(self, trigger: str = "manual") -> bool:
        """Take the lease here (so the answer is certain), then run in a thread; False if a run holds it."""
        holder = new_holder(f"sync:{trigger}")
        if not try_acquire(self.engine, SYNC_LEASE, holder, LEASE_TTL_SECONDS, self.clock):
            return False

        def work():
            try:
                self.run(trigger, lease_holder=holder)
            except Exception:  # recorded in sync_runs by run(); the web process must not die of it
                log.exception("Background sync failed")

        threading.Thread(target=work, name=f"sync-{trigger}", daemon=True).start()
        return True

    def running(self) -> str | None:
        """Who holds the sync lease now, if anyone."""
        return holder_of(self.engine, SYNC_LEASE, self.clock)

    def audit(self) -> AuditStore:
        return AuditStore(self.engine, self.settings.sheet_label, self.settings.inv_worksheet, self.clock)

    def counts(self) -> dict[Direction, dict[str, int]]:
        audit = self.audit()
        return {d: audit.state_counts(d) for d in Direction}

    def reset_row(self, key: str, direction: Direction, force: bool = False) -> str:
        """Forget a row's sync state (audit and sheet cells) so the next run pushes it again."""
        key = key.strip()
        doc_number = self.qb.settings.docnumber_prefix + key
        if not force and doc_number.isascii():
            existing = Sender(self.qb.client, self.audit(), "").find_by_doc_number(direction, [doc_number])
            if existing.get(doc_number):
                qb_id = existing[doc_number][0].get("Id")
                return (f"Refused: QuickBooks already has {direction.value} {doc_number} (Id {qb_id}); pushing the row "
                        "again would only adopt it. Use --force if you really want to reset it.")
        forgotten = self.audit().forget(direction, [key])
        sheet = acd.open_sheet(self.settings)
        worksheet = sheet.worksheet(self.settings.inv_worksheet)
        rows = worksheet.read_all()
        headers = validate_headers(worksheet.title, rows[0] if rows else [], list(SOURCE_HEADERS), rows[1:])
        cols = COLUMNS[direction]
        blank = {c: "" for c in (cols.id, cols.url, cols.status, cols.error, cols.synced_at) if c and c in headers}
        result = write_back(worksheet, rows, headers, [Target(key, None, blank)])
        return (f"Reset {key} ({direction.value}): {forgotten} audit row(s) forgotten, {result.cells_written} "
                "sheet cell(s) cleared; the next run pushes it again")

    def run(self, trigger: str = "cli", directions: list[Direction] | None = None, *, limit: int | None = None,
            dry_run: bool = False, backfill: bool = False, progress: Callable[[int, int], None] | None = None,
            should_stop: Callable[[], bool] = lambda: False, lease_holder: str | None = None) -> SyncReport:
        """One run; `lease_holder` is given when the caller already took the lease (see `start_in_background`)."""
        qs = self.qb.settings
        wanted = directions or [Direction.INVOICE, *([Direction.BILL] if qs.bills_enabled else [])]
        names = [d.value for d in wanted]
        holder = lease_holder or new_holder(f"sync:{trigger}")
        if lease_holder is None and not try_acquire(self.engine, SYNC_LEASE, holder, LEASE_TTL_SECONDS, self.clock):
            other = holder_of(self.engine, SYNC_LEASE, self.clock)
            run_id = self.runs.record_busy(trigger, names, other)
            return SyncReport(run_id, BUSY, error="A sync is already running; nothing was started")
        run_id = None if dry_run else self.runs.start(trigger, names)
        try:
            report = _Run(self, run_id, holder, wanted, limit, dry_run, backfill, progress, should_stop).execute()
        except TrackerError as exc:
            log.error("Sync run %s failed: %s", run_id or "-", exc)
            report = SyncReport(run_id, FAILED, error=str(exc))
        except Exception as exc:
            if run_id is not None:
                self.runs.finish(run_id, FAILED, {}, f"unexpected error: {type(exc).__name__}: {exc}")
            raise
        finally:
            release(self.engine, SYNC_LEASE, holder)
        if run_id is not None:
            self.runs.finish(run_id, report.status, report.counts, report.error)
        log.info("Sync run %s (%s%s) %s: %s%s", run_id or "-", trigger, ", dry run" if dry_run else "", report.status,
                 report.counts, f"; {report.error}" if report.error else "")
        return report


class _Run:
    """The state of one run; `execute` walks the steps."""

    def __init__(self, service: SyncService, run_id: int | None, holder: str, directions: list[Direction],
                 limit: int | None, dry_run: bool, backfill: bool, progress, should_stop):
        self.s, self.run_id, self.holder, self.should_stop = service, run_id, holder, should_stop
        self.directions, self.limit, self.dry_run, self.backfill = directions, limit, dry_run, backfill
        self.progress_cb = progress
        self.errors: list[str] = []
        self.done = self.total = 0

    def execute(self) -> SyncReport:
        settings, qs = self.s.settings, self.s.qb.settings
        sheet = acd.open_sheet(settings)
        worksheet = sheet.worksheet(settings.inv_worksheet)
        rows = worksheet.read_all()
        headers = validate_headers(worksheet.title, rows[0] if rows else [], list(SOURCE_HEADERS), rows[1:])
        needed = [c for d in (Direction.INVOICE, *self.directions) for c in vars(COLUMNS[d]).values() if c]
        missing = headers.missing(dict.fromkeys(needed))
        if missing:
            raise SheetNeedsMigration(f"{worksheet.title} lacks the column(s) {', '.join(missing)}: run "
                                      "`python quickbooks_sync.py migrate` (it adds them at the far right)")
        sheet_rows = [SheetRow(r.pop("_row"), r) for r in rows_to_records(headers, rows[1:])]
        audit = self.s.audit()
        audits = {d: audit.load(d) for d in self.directions}
        plan = make_plan(sheet_rows, load_directions(qs.directions_file), audits, PlanSettings(
            qs.ready_statuses, qs.bills_enabled, qs.group_by_invoice, self.backfill, tuple(self.directions)))
        self.total = sum(len(groups) for groups in plan.candidates.values())
        self._progress()

        planned: list[dict] = []
        if self.total:
            lookups = Lookups(self.s.qb.client, qs.customers_file, sheet, qs.customers_worksheet)
            realm = self.s.qb.tokens.current().realm_id
            sender = Sender(self.s.qb.client, audit, realm, progress=self._advance, should_stop=self.should_stop)
            budget = [self.limit if self.limit is not None else 10 ** 9]
            for direction in self.directions:
                if plan.candidates[direction]:
                    self._direction(direction, plan, lookups, sender, audit, realm, budget, planned)
        if self.dry_run:
            planned.extend({"action": "write", "key": t.key, "cells": dict(t.cells)} for t in plan.targets)
            return SyncReport(self.run_id, OK, plan.counts, None, planned)
        failpoints.hit("before_writeback")
        result = write_back(worksheet, rows, headers, plan.targets)
        if result.unplaced:
            plan.count("writeback", "awaiting", len(result.unplaced))
            log.warning("%d result(s) not written: their invoice number vanished or appears twice; kept for the "
                        "next run", len(result.unplaced))
        plan.count("writeback", "cells", result.cells_written)
        status = PARTIAL if self.errors else OK
        return SyncReport(self.run_id, status, plan.counts, "; ".join(self.errors) or None)

    def _direction(self, direction, plan: Plan, lookups: Lookups, sender: Sender, audit: AuditStore, realm: str,
                   budget: list[int], planned: list[dict]) -> None:
        groups = plan.candidates[direction]
        try:
            if plan.reconcile[direction] and not self.dry_run:
                groups = self._reconcile(direction, plan, sender, audit, realm, groups)
            context = self._context(direction, lookups, groups)
        except FatalAPIError as exc:
            self.errors.append(f"{direction.value}s: {exc}")
            plan.count(direction, "pending", len(groups))
            return
        payloads: list[Payload] = []
        fingerprints: dict[str, str] = {}
        failures: list[dict] = []
        for group in groups:
            result = map_rows(group, direction, context)
            fingerprint = row_fingerprint([r.values for r in group])
            key = group[0].get("invoice").strip()
            if isinstance(result, RowError):
                failures.append({"row_key": key, "error": result.message, "row_fingerprint": fingerprint})
                plan.targets.append(self._target(direction, key, fingerprint, failed_cells(direction, result.message)))
                plan.count(direction, FAILED_STATUS)
                planned.append({"action": "error", "direction": direction.value, "key": key, "rows": result.rows,
                                "message": result.message})
            else:
                fingerprints[key] = fingerprint
                payloads.append(result)
        if len(payloads) > budget[0]:
            plan.count(direction, "pending", len(payloads) - budget[0])
            self.total -= len(payloads) - budget[0]
            payloads = payloads[:budget[0]]
        budget[0] -= len(payloads)
        self._advance(len(failures))
        if self.dry_run:
            planned.extend({"action": "create", "direction": direction.value, "key": p.key, "rows": p.rows,
                            "party": p.party_name, "amount": str(p.amount), "payload": p.body} for p in payloads)
            plan.count(direction, "would_create", len(payloads))
            return
        audit.record_failed(direction, failures)
        try:
            outcome = sender.send(direction, payloads, fingerprints)
        except FatalAPIError as exc:
            self.errors.append(f"{direction.value}s: {exc}")
            plan.count(direction, "pending", len(payloads))
            return
        created = {p.key for p, _, _ in outcome.created}
        stored = audit.load(direction)
        for key in created:
            plan.targets.append(self._target(direction, key, fingerprints[key], created_cells(direction, stored[key])))
        for payload, message in outcome.failed:
            plan.targets.append(self._target(direction, payload.key, fingerprints[payload.key],
                                             failed_cells(direction, message)))
        plan.count(direction, SYNCED, len(created))
        plan.count(direction, "adopted", sum(1 for *_, adopted in outcome.created if adopted))
        plan.count(direction, FAILED_STATUS, len(outcome.failed))
        plan.count(direction, "pending", len(outcome.unsent))
        if outcome.stopped:
            self.errors.append(f"{direction.value}s: {outcome.stopped}")

    def _reconcile(self, direction, plan: Plan, sender: Sender, audit: AuditStore, realm: str, groups):
        """Intents left `sending` by a run that died: adopt what QuickBooks has, send the rest again."""
        pending = {a.row_key: a for a in plan.reconcile[direction]}
        found = sender.find_by_doc_number(direction, [a.doc_number or "" for a in pending.values()])
        adopted = []
        for key, intent in pending.items():
            payload = intent.payload or {}
            party = (payload.get("CustomerRef") or payload.get("VendorRef") or {}).get("value", "")
            amount = Decimal(intent.amount or "0")
            # Only ours when customer/vendor and total match; anything else is sent again, meets 6140 and
            # fails naming the transaction that holds the number.
            matches = [o for o in found.get(intent.doc_number or "", [])
                       if same_transaction(direction, o, party, amount)]
            if matches:
                adopted.append(sender.created_entry(direction, key, matches[0]))
        audit.record_created(direction, adopted)
        if adopted:
            stored = audit.load(direction)
            done = {a["row_key"] for a in adopted}
            for key in done:
                plan.targets.append(self._target(direction, key, stored[key].row_fingerprint,
                                                 created_cells(direction, stored[key])))
            plan.count(direction, SYNCED, len(done))
            plan.count(direction, "recovered", len(done))
            self._advance(len(done))
            groups = [g for g in groups if g[0].get("invoice").strip() not in done]
        return groups

    def _target(self, direction: Direction, key: str, fingerprint: str | None, cells: dict[str, str]) -> Target:
        """Where a result goes: a grouped invoice's result belongs on all its rows, otherwise on the row with
        this content; a failure (no id) may go on every identical row."""
        failed = cells.get(COLUMNS[direction].status) == FAILED_STATUS
        return Target(key, None if self.s.qb.settings.group_by_invoice else fingerprint, cells,
                      f"{direction.value}:{'failed' if failed else 'synced'}", shared=failed)

    def _context(self, direction: Direction, lookups: Lookups, groups) -> MappingContext:
        qs = self.s.qb.settings
        empty = NameIndex.build([])
        if direction is Direction.INVOICE:
            names = {r.get(qs.customer_field) for g in groups for r in g}
            customers, vendors = lookups.customers(names), empty
        else:
            customers, vendors = empty, lookups.vendors()
        return MappingContext(today=dt.datetime.fromtimestamp(self.s.clock(), dt.timezone.utc).date(),
                              item_id=qs.default_item_id, item_name=qs.default_item_name,
                              expense_account=qs.default_expense_account, ap_account=qs.default_vendor_account,
                              doc_prefix=qs.docnumber_prefix, customer_field=qs.customer_field,
                              customers=customers, vendors=vendors)

    def _advance(self, n: int) -> None:
        self.done += n
        self._progress()

    def _progress(self) -> None:
        if self.run_id is not None:
            self.s.runs.progress(self.run_id, self.done, self.total)
        try_acquire(self.s.engine, SYNC_LEASE, self.holder, LEASE_TTL_SECONDS, self.s.clock)  # renew
        if self.progress_cb:
            self.progress_cb(self.done, self.total)
