"""The run's step after sending: edits sent to QuickBooks (QB_ON_EDIT=update) and Bills paid (QB_AUTO_MARK_BILL_PAID).

An update is a sparse update with the transaction's SyncToken. A stale-object answer (5010: someone changed it in
QuickBooks since it was read) re-reads it once: still open and unpaid, the update is tried again with the new
token; otherwise the row is flagged `changed` saying why. Each earlier version stays in `qb_audit_versions`.
Updating is idempotent (the same content twice is the same transaction), so a lost answer only leaves the row to
be compared again on the next run.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy import insert, update

from quickbooks.bill_payments import BillPayer, BillPayments
from quickbooks.errors import ApiFault, FatalAPIError, SyncError
from quickbooks.rules.edits import changed_message
from quickbooks.rules.lifecycle import read_state
from quickbooks.rules.mapping import Payload, RowError, map_rows
from quickbooks.rules.placement import created_cells
from quickbooks.rules.plan import Edit, Plan, Target
from quickbooks.rules.statuses import RowStatus
from tracker.db import qb_audit_versions

if TYPE_CHECKING:
    from quickbooks.run import SyncRun

log = logging.getLogger(__name__)

UPDATABLE = ("DocNumber", "TxnDate", "DueDate", "CustomerRef", "VendorRef", "Line", "PrivateNote")


def after_creation(run: SyncRun, plan: Plan, tools) -> None:
    """Send the plan's edits and pay its Bills; every outcome becomes the rows' cells and counts."""
    if run.options.dry_run:
        return
    qs = run.s.qb.settings
    if plan.edits:
        Updater(run, plan, tools).apply()
    if qs.auto_mark_bill_paid and qs.bills_enabled:
        store = BillPayments(run.s.engine, run.s.audit(), run.s.clock)
        if plan.bills_to_pay or store.sending():
            BillPayer(run.s.qb.client, store, qs.bill_payment_account, run.s.audit()).pay(plan, plan.bills_to_pay,
                                                                                          run.errors)


class Updater:
    def __init__(self, run: SyncRun, plan: Plan, tools):
        self.run, self.plan, self.tools = run, plan, tools
        self.client = run.s.qb.client

    def apply(self) -> None:
        for edit in self.plan.edits:
            try:
                cells = self._update(edit)
            except FatalAPIError as exc:
                self.run.errors.append(f"{edit.direction.value}s: updating edited rows: {exc}")
                cells = self._flag(edit, "QuickBooks could not be reached to update it (tried again next run)")
            self.plan.targets.append(Target(edit.audit.row_key, None if self._grouped else edit.audit.row_fingerprint,
                                            cells))

    @property
    def _grouped(self) -> bool:
        return self.run.s.qb.settings.group_by_invoice

    def _update(self, edit: Edit) -> dict[str, str]:
        mapped = map_rows(list(edit.rows), edit.direction, self._context(edit))
        if isinstance(mapped, RowError):
            return self._flag(edit, f"the row has a problem: {mapped.message}")
        changes = {k: v for k, v in mapped.body.items() if k in UPDATABLE}
        entity, audit = edit.direction.entity, edit.audit
        try:
            answer = self.client.update(entity, changes, audit.qb_id, audit.qb_sync_token or "0")
        except ApiFault as exc:
            if not exc.stale_object:
                return self._flag(edit, f"QuickBooks refused the update: {exc}")
            current = read_state(self.client.read(entity, audit.qb_id), {})
            if current.balance is None or current.total is None or current.balance != current.total:
                return self._flag(edit, "it was paid in QuickBooks meanwhile")
            try:
                answer = self.client.update(entity, changes, audit.qb_id, current.sync_token or "0")
            except SyncError as again:
                return self._flag(edit, f"QuickBooks refused the update: {again}")
        except SyncError as exc:
            return self._flag(edit, f"the update got no answer ({exc}); compared again on the next run")
        self._record(edit, mapped, answer)
        self.plan.counts.of(edit.direction).updated += 1
        log.info("%s %s updated in QuickBooks after an edit of row(s) %s", entity, audit.qb_id,
                 ", ".join(str(r.row) for r in edit.rows))
        stored = self.run.s.audit().load_keys(edit.direction, [audit.row_key])[audit.row_key]
        return created_cells(edit.direction, stored)

    def _flag(self, edit: Edit, why: str) -> dict[str, str]:
        self.plan.counts.of(edit.direction).changed += 1
        cols = edit.direction.columns
        return {**created_cells(edit.direction, edit.audit), cols.status: RowStatus.CHANGED.value,
                cols.error: changed_message(edit.direction, edit.changes, why)}

    def _context(self, edit: Edit):
        return self.run.mapping_context(edit.direction, self.tools.lookups, [list(edit.rows)])

    def _record(self, edit: Edit, mapped: Payload, answer: dict) -> None:
        """The earlier version to qb_audit_versions; the audit row now stands for the new content."""
        engine, store = self.run.s.engine, self.run.s.audit()
        audit = store.load_keys(edit.direction, [edit.audit.row_key])[edit.audit.row_key]   # with its sent body
        table = store.table(edit.direction)
        state = read_state(answer, {})
        with engine.begin() as connection:
            connection.execute(insert(qb_audit_versions).values(
                direction=edit.direction.value, sheet=store.sheet, worksheet=store.worksheet, row_key=audit.row_key,
                qb_id=audit.qb_id, qb_sync_token=audit.qb_sync_token, payload_json=audit.payload_json,
                content_json=audit.content_json, recorded_at=time.time()))
            connection.execute(update(table).where(*store._where(table, [audit.row_key])).values(
                payload_json=json.dumps(mapped.body, sort_keys=True), payload_hash=mapped.payload_hash,
                amount=str(mapped.amount), party_name=mapped.party_name, response_json=json.dumps(answer),
                content_json=json.dumps(dict(edit.content), sort_keys=True, ensure_ascii=False),
                **state.audit_values()))
