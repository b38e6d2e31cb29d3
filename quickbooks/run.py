"""One sync run, steps 2 to 9 of the design: read once, select, direction, map, intent, send, record, write back.

`SyncRun.execute` walks the steps for the directions asked; `quickbooks/sync.py` takes the lease around it and
records the report. A direction that QuickBooks stops (reconnect needed, edition, unreachable) leaves its rows
pending and lets the other direction and the writeback go on.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import acd
from quickbooks.audit import AuditStore
from quickbooks.config import load_directions
from quickbooks.after_creation import after_creation
from quickbooks.bill_payments import BillPayments
from quickbooks.errors import FatalAPIError, SyncError
from quickbooks.pull import Marks, PullResult, Puller
from quickbooks.rules.edits import sheet_content
from quickbooks.lookups import Lookups
from quickbooks.rules.counts import RunCounts
from quickbooks.rules.directions import Direction
from quickbooks.rules.mapping import MappingContext, NameIndex, Payload, RowError, SheetRow, map_rows
from quickbooks.rules.placement import RowIndex, Target, created_cells, result_target, row_fingerprint
from quickbooks.rules.plan import Failure, Plan, PlanSettings, make_plan
from quickbooks.rules.statuses import RunStatus
from quickbooks.rules.tax import CompanySetup, TaxChoice
from quickbooks.sender import Expected, Outcome, Sender
from quickbooks.writeback import write_back
from spreadsheet.schema import Table, read_table
from tracker import failpoints
from tracker.errors import SheetError

if TYPE_CHECKING:
    from quickbooks.sync import SyncService

log = logging.getLogger(__name__)


class SheetNeedsMigration(SheetError):
    pass


@dataclass(frozen=True)
class RunOptions:
    directions: tuple[Direction, ...]
    limit: int | None = None
    dry_run: bool = False
    backfill: bool = False


@dataclass
class SyncReport:
    run_id: int | None
    status: RunStatus
    counts: RunCounts = field(default_factory=RunCounts)
    error: str | None = None
    planned: list[dict] = field(default_factory=list)   # dry run: what would be sent / written
    failures: list[Failure] = field(default_factory=list)   # every row that failed, with its reason

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.OK


@dataclass
class _Tools:
    """What sending needs, built only when a run has something to send."""

    lookups: Lookups
    sender: Sender
    audit: AuditStore


class SyncRun:
    """The state of one run; `execute` walks the steps."""

    def __init__(self, service: SyncService, run_id: int | None, options: RunOptions,
                 progress: Callable[[int, int], None] | None, should_stop: Callable[[], bool], renew: Callable[[], None]):
        self.s, self.run_id, self.options = service, run_id, options
        self.progress_cb, self.should_stop, self.renew = progress, should_stop, renew
        self.errors: list[str] = []
        self.planned: list[dict] = []
        self.groups: dict[str, list[SheetRow]] = {}   # the candidate groups of the direction being sent, by key
        self.done = self.total = 0
        self.remaining = options.limit   # creates still allowed by --limit; None: no limit

    def execute(self) -> SyncReport:
        sheet = acd.open_sheet(self.s.settings)
        worksheet = sheet.worksheet(self.s.settings.inv_worksheet)
        table = read_table(worksheet)
        self._check_columns(table)
        pulled = None if self.options.dry_run else self._pull()
        plan = self._plan(table)
        self.total = sum(len(groups) for groups in plan.candidates.values())
        self._progress()
        tools = None
        if self.total or plan.edits:
            qb = self.s.qb
            sender = Sender(qb.client, self.s.audit(), qb.tokens.current().realm_id, progress=self._advance,
                            should_stop=self.should_stop)
            tools = _Tools(Lookups(qb.client, qb.settings.customers_file, sheet, qb.settings.customers_worksheet),
                           sender, sender.audit)
            for direction in self.options.directions:
                if plan.candidates[direction]:
                    self._direction(direction, plan, tools)
        if self.options.dry_run:
            self.planned.extend({"action": "error", "direction": f.direction.value, "key": f.key, "rows": f.rows,
                                 "message": f.message} for f in plan.failures)
            index = RowIndex(table.headers, table.rows)   # only the rows whose cells would change
            self.planned.extend({"action": "write", "key": t.key, "cells": {c: v for _, c, v in changes}}
                                for t in plan.targets if (changes := _named(index, t)))
            return SyncReport(self.run_id, RunStatus.OK, plan.counts, None, self.planned, plan.failures)
        after_creation(self, plan, tools)
        failpoints.hit("before_writeback")
        self._write_back(worksheet, table, plan)
        self._keep_after_writeback(plan, pulled)
        status = RunStatus.PARTIAL if self.errors else RunStatus.OK
        return SyncReport(self.run_id, status, plan.counts, "; ".join(self.errors) or None, failures=plan.failures)

    def _check_columns(self, table: Table) -> None:
        # The invoice columns always: they carry the skip note of Bills when Bills are off.
        needed = [c for d in (Direction.INVOICE, *self.options.directions) for c in d.columns.names]
        missing = table.headers.missing(dict.fromkeys(needed))
        if missing:
            raise SheetNeedsMigration(f"{table.worksheet} lacks the column(s) {', '.join(missing)}: run "
                                      "`python quickbooks_sync.py migrate` (it adds them at the far right)")

    def _plan(self, table: Table) -> Plan:
        qs = self.s.qb.settings
        rows = [SheetRow(r["_row"], {k: v for k, v in r.items() if k != "_row"}) for r in table.records]
        audit = self.s.audit()
        keys = {r.get("invoice").strip() for r in rows} - {""}
        audits = {d: audit.load_keys(d, keys, payloads=False) for d in self.options.directions}
        return make_plan(rows, load_directions(qs.directions_file), audits, PlanSettings(
            qs.ready_statuses, qs.bills_enabled, qs.group_by_invoice, self.options.backfill, self.options.directions,
            qs.customer_field, qs.pull_paid_status, qs.on_edit, qs.auto_mark_bill_paid and qs.bills_enabled,
            self._today()), payments=BillPayments(self.s.engine, audit).states())

    def _pull(self) -> PullResult | None:
        """Step 2b: what QuickBooks did to the transactions created earlier (payments, voids, deletions)."""
        audit = self.s.audit()
        try:
            realm = self.s.qb.tokens.current().realm_id
            result = Puller(self.s.qb.client, audit, Marks(self.s.engine, self.s.clock), realm,
                            self.s.clock).pull(self.options.directions)
        except SyncError as exc:
            if any(audit.has_followed(d) for d in self.options.directions):   # else there was nothing to read
                self.errors.append(f"reading changes in QuickBooks: {exc}")
            return None
        log.info("QuickBooks changes read (%s): %d transaction(s) changed", result.mode, result.changed)
        return result

    def _keep_after_writeback(self, plan: Plan, pulled: PullResult | None) -> None:
        """What may be kept only once the sheet shows it: the sync's own status changes, the content a
        transaction stands for, and how far QuickBooks' changes have been read."""
        audit = self.s.audit()
        for direction in self.options.directions:
            audit.record_paid_marks(direction, {k: m for d, k, m in plan.paid_marks if d is direction})
            audit.record_contents(direction, plan.contents.get(direction, {}))
        if pulled is not None and pulled.mark:
            failpoints.hit("before_cdc_mark")
            Marks(self.s.engine, self.s.clock).set(pulled.mark_name, pulled.mark)

    def _today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.s.clock(), dt.timezone.utc).date()

    def _write_back(self, worksheet, table: Table, plan: Plan) -> None:
        result = write_back(worksheet, table, plan.targets)
        plan.counts.writeback.cells = result.cells_written
        plan.counts.writeback.awaiting = len(result.unplaced)
        if result.unplaced:
            log.warning("%d result(s) not written: their invoice number vanished or appears twice; kept for the "
                        "next run", len(result.unplaced))

    def _direction(self, direction: Direction, plan: Plan, tools: _Tools) -> None:
        """Steps 5 to 8 for one direction: recover, map, intent, send, record."""
        counts = plan.counts.of(direction)
        groups = plan.candidates[direction]
        self.groups = {g[0].get("invoice").strip(): g for g in groups}
        try:
            self.s.qb.check_numbers_are_ours(direction)
            if plan.reconcile[direction] and not self.options.dry_run:
                groups = self._reconcile(direction, plan, tools, groups)
            context = self.mapping_context(direction, tools.lookups, groups)
        except FatalAPIError as exc:
            self.errors.append(f"{direction.value}s: {exc}")
            counts.pending += len(groups)
            return
        payloads, fingerprints = self._map(direction, groups, context, plan, tools.audit)
        if self.options.dry_run:
            self.planned.extend({"action": "create", "direction": direction.value, "key": p.key, "rows": p.rows,
                                 "party": p.party_name, "amount": str(p.amount), **p.explain, "payload": p.body}
                                for p in payloads)
            counts.would_create += len(payloads)
            return
        try:
            outcome = tools.sender.send(direction, payloads, fingerprints)
        except FatalAPIError as exc:
            self.errors.append(f"{direction.value}s: {exc}")
            counts.pending += len(payloads)
            return
        self._record(direction, outcome, fingerprints, plan, tools.audit)

    def _map(self, direction: Direction, groups: list[list[SheetRow]], context: MappingContext, plan: Plan,
             audit: AuditStore) -> tuple[list[Payload], dict[str, str]]:
        """Map every group; failures go to the sheet and the audit, the payloads within --limit are returned."""
        payloads: list[Payload] = []
        fingerprints: dict[str, str] = {}
        failures: list[dict] = []
        for group in groups:
            result = map_rows(group, direction, context)
            fingerprint = row_fingerprint([r.values for r in group])
            key = group[0].get("invoice").strip()
            if isinstance(result, RowError):
                failures.append({"row_key": key, "error": result.message, "row_fingerprint": fingerprint})
                self._fail(plan, direction, group, result.message, fingerprint)
            else:
                fingerprints[key] = fingerprint
                payloads.append(result)
        if self.remaining is not None:
            over = max(0, len(payloads) - self.remaining)
            plan.counts.of(direction).pending += over
            self.total -= over
            payloads = payloads[:len(payloads) - over]
            self.remaining -= len(payloads)
        self._advance(len(failures))
        if not self.options.dry_run:
            audit.record_failed(direction, failures)
        return payloads, fingerprints

    def _record(self, direction: Direction, outcome: Outcome, fingerprints: dict[str, str], plan: Plan,
                audit: AuditStore) -> None:
        audit.record_contents(direction, {p.key: self._content(direction, p.key) for p, _, _ in outcome.created})
        stored = audit.load_keys(direction, [p.key for p, _, _ in outcome.created], payloads=False)
        for payload, _, _ in outcome.created:
            plan.targets.append(self._target(direction, payload.key, fingerprints[payload.key],
                                             created_cells(direction, stored[payload.key])))
        for payload, message in outcome.failed:
            self._fail(plan, direction, self.groups[payload.key], message, fingerprints[payload.key])
        counts = plan.counts.of(direction)
        counts.synced += len(outcome.created)
        counts.adopted += sum(1 for *_, adopted in outcome.created if adopted)
        counts.pending += len(outcome.unsent)
        if outcome.stopped:
            self.errors.append(f"{direction.value}s: {outcome.stopped}")

    def _reconcile(self, direction: Direction, plan: Plan, tools: _Tools, groups: list[list[SheetRow]]):
        """Intents left `sending` by a run that died: the same rule as a lost answer. QuickBooks' transaction is
        adopted when party and total match, a number held by another transaction fails the row naming it, and
        only rows proven absent are sent again."""
        intents = {a.row_key: a for a in plan.reconcile[direction]}
        settled = tools.sender.settle(direction, [Expected.of_intent(direction, a) for a in intents.values()])
        tools.audit.record_created(direction, [tools.sender.created_entry(direction, e.key, obj)
                                               for e, obj in settled.found])
        tools.audit.record_failed(direction, [{"row_key": e.key, "error": message,
                                               "row_fingerprint": intents[e.key].row_fingerprint}
                                              for e, message in settled.conflicts])
        tools.audit.record_contents(direction, {e.key: self._content(direction, e.key) for e, _ in settled.found})
        stored = tools.audit.load_keys(direction, intents, payloads=False)
        for e, _ in settled.found:
            plan.targets.append(self._target(direction, e.key, stored[e.key].row_fingerprint,
                                             created_cells(direction, stored[e.key])))
        for e, message in settled.conflicts:
            self._fail(plan, direction, self.groups[e.key], message, stored[e.key].row_fingerprint)
        counts = plan.counts.of(direction)
        counts.synced += len(settled.found)
        counts.recovered += len(settled.found)
        done = {e.key for e, _ in settled.found} | {e.key for e, _ in settled.conflicts}
        self._advance(len(done))
        return [g for g in groups if g[0].get("invoice").strip() not in done]

    def _content(self, direction: Direction, key: str) -> dict[str, str]:
        return sheet_content(self.groups[key], direction, self.s.qb.settings.customer_field)

    def _target(self, direction: Direction, key: str, fingerprint: str | None, cells: dict[str, str]):
        return result_target(direction, key, fingerprint, cells, self.s.qb.settings.group_by_invoice)

    def _fail(self, plan: Plan, direction: Direction, group: list[SheetRow], message: str,
              fingerprint: str | None) -> None:
        qs = self.s.qb.settings
        key = group[0].get("invoice").strip()
        plan.add_failure(Failure.of_rows(direction, group, key, message, qs.customer_field), fingerprint,
                         qs.group_by_invoice)

    def mapping_context(self, direction: Direction, lookups: Lookups, groups: list[list[SheetRow]]) -> MappingContext:
        qs = self.s.qb.settings
        empty = NameIndex.build([])
        if direction is Direction.INVOICE:
            customers, vendors = lookups.customers({r.get(qs.customer_field) for g in groups for r in g}), empty
        else:
            customers, vendors = empty, lookups.vendors()
        company = self.s.qb.company_setup()
        term_ids, currencies = lookups.party_facts(direction)
        return MappingContext(today=self._today(),
                              item_id=qs.default_item_id, item_name=qs.default_item_name,
                              expense_account=qs.default_expense_account, ap_account=qs.default_vendor_account,
                              doc_prefix=qs.docnumber_prefix, customer_field=qs.customer_field,
                              customers=customers, vendors=vendors, company=company,
                              tax=self._tax_choice(company, lookups), **self._terms(lookups, term_ids),
                              party_currencies=currencies, sheet_currency=qs.sheet_currency)

    def _tax_choice(self, company: CompanySetup, lookups: Lookups) -> TaxChoice:
        """US: TAX/NON per QB_TAXABLE. Elsewhere QB_DEFAULT_TAX_CODE, looked up by name once per run (a missing or
        unknown code stops the direction: CompanySetupProblem)."""
        qs = self.s.qb.settings
        if company.is_us:
            return TaxChoice(taxable=qs.taxable)
        code_id, name = lookups.tax_code_named(qs.default_tax_code, company.country)
        return TaxChoice(code_id=code_id, code_name=name, amounts_include_tax=qs.amounts_include_tax)

    def _terms(self, lookups: Lookups, term_ids: dict[str, str]) -> dict:
        """QB_DEFAULT_TERMS resolved among the active Terms, and each party's own active term (an inactive one is
        skipped, as QuickBooks skips it). Terms are read only when a setting or a party names one."""
        name = self.s.qb.settings.default_terms
        if not name and not term_ids:
            return {}
        terms = lookups.terms()
        return {"default_term": lookups.term_named(name) if name else None,
                "party_terms": {pid: terms[tid] for pid, tid in term_ids.items() if tid in terms and terms[tid].active}}

    def _advance(self, n: int) -> None:
        self.done += n
        self._progress()

    def _progress(self) -> None:
        if self.run_id is not None:
            self.s.runs.progress(self.run_id, self.done, self.total)
        self.renew()
        if self.progress_cb:
            self.progress_cb(self.done, self.total)


def _named(index: RowIndex, target: Target) -> list[tuple[int, str, str]]:
    """The cells `target` would change, by column name (for the dry run's list)."""
    changes, _ = index.changes(target)
    names = {col: name for name, col in index.headers.columns}
    return [(row, names.get(col - 1, str(col)), value) for row, col, value in changes]
