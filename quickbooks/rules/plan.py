"""Which rows a run must act on, decided from one read of the sheet and the audit, with no I/O.

Per row and direction: already created (write back from the audit, never send again); left `sending` by
a run that died (look it up in QuickBooks first); failed before and unchanged (keep the message, don't
resend); skipped by the mode; a problem found without QuickBooks (blank key, unknown `inv_from`, duplicate
number); or a candidate to map and send.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from quickbooks.audit import CREATED, FAILED, SENDING, AuditRow
from quickbooks.rules.directions import Direction, DirectionMap
from quickbooks.rules.mapping import SheetRow, group_rows
from quickbooks.writeback import Target, row_fingerprint

SYNCED, FAILED_STATUS, SKIPPED = "synced", "failed", "skipped"
IN_SYNC = "already_synced"   # created by an earlier run; `synced` counts this run's creates
BILLS_OFF_NOTE = ("Skipped: Bills are off (QB_SYNC_MODE=invoice_only). Creating Bills needs QuickBooks Online "
                  "Essentials or Plus and QB_SYNC_MODE=dual with QB_ENABLE_BILLS=true")


@dataclass(frozen=True)
class Columns:
    """The qb_* columns one direction writes."""

    id: str
    url: str
    status: str
    error: str
    synced_at: str | None


COLUMNS = {
    Direction.INVOICE: Columns("qb_invoice_id", "qb_invoice_url", "qb_sync_status", "qb_error", "qb_synced_at"),
    Direction.BILL: Columns("qb_bill_id", "qb_bill_url", "qb_bill_status", "qb_bill_error", None),
}


def iso_utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def created_cells(direction: Direction, audit: AuditRow) -> dict[str, str]:
    cols = COLUMNS[direction]
    cells = {cols.id: audit.qb_id or "", cols.url: audit.qb_url or "", cols.status: SYNCED, cols.error: ""}
    if cols.synced_at:
        cells[cols.synced_at] = iso_utc(audit.updated_at)
    return cells


def failed_cells(direction: Direction, message: str) -> dict[str, str]:
    cols = COLUMNS[direction]
    return {cols.status: FAILED_STATUS, cols.error: message}


@dataclass(frozen=True)
class PlanSettings:
    ready_statuses: frozenset[str]
    bills_enabled: bool
    group_by_invoice: bool
    backfill: bool = False
    directions: tuple[Direction, ...] = (Direction.INVOICE, Direction.BILL)


@dataclass
class Plan:
    candidates: dict[Direction, list[list[SheetRow]]] = field(default_factory=dict)
    reconcile: dict[Direction, list[AuditRow]] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, direction: Direction | str, what: str, n: int = 1) -> None:
        name = direction.value if isinstance(direction, Direction) else direction
        bucket = self.counts.setdefault(name, {})
        bucket[what] = bucket.get(what, 0) + n


def make_plan(rows: Sequence[SheetRow], directions: DirectionMap, audits: Mapping[Direction, Mapping[str, AuditRow]],
              settings: PlanSettings) -> Plan:
    plan = Plan(candidates={d: [] for d in settings.directions}, reconcile={d: [] for d in settings.directions})
    ready: dict[Direction, list[SheetRow]] = {d: [] for d in settings.directions}
    for row in rows:
        key = row.get("invoice").strip()
        status = row.get("status").strip().casefold()
        wanted = status in settings.ready_statuses or (settings.backfill and status == "paid")
        direction = directions.direction_of(row.get("inv_from"))
        if direction is None:
            if wanted:
                inv_from = row.get("inv_from").strip()
                message = (f"inv_from '{inv_from}' is not in config/qb_directions.json: add it under money_in "
                           "(ACD invoices a client) or money_out (a vendor bills ACD)" if inv_from else
                           "inv_from is blank: say who issued the invoice (ACD, or the vendor billing ACD)")
                _local_error(plan, Direction.INVOICE, row, key, message)
            continue
        if direction is Direction.BILL and not settings.bills_enabled:
            if wanted and Direction.INVOICE in settings.directions:
                cols = COLUMNS[Direction.INVOICE]
                plan.targets.append(Target(key, row_fingerprint([row.values]),
                                           {cols.status: SKIPPED, cols.error: BILLS_OFF_NOTE}, "bill:skipped",
                                           shared=True))
                plan.count(Direction.BILL, SKIPPED)
            continue
        if direction not in settings.directions:
            continue
        audit = audits.get(direction, {}).get(key) if key else None
        if audit is not None and audit.state == CREATED:
            fingerprint = None if settings.group_by_invoice else audit.row_fingerprint
            plan.targets.append(Target(key, fingerprint, created_cells(direction, audit), f"{direction.value}:synced"))
            plan.count(direction, IN_SYNC)
            continue
        if not wanted or row.get(COLUMNS[direction].id).strip():
            continue  # not ready, or given a QuickBooks id by someone else: leave it alone
        if not key:
            _local_error(plan, direction, row, key, "invoice is blank: every row needs an invoice number")
            continue
        ready[direction].append(row)

    for direction, candidates in ready.items():
        groups, duplicates = group_rows(candidates, settings.group_by_invoice)
        for error in duplicates:
            row = next(r for r in candidates if r.row == error.rows[0])
            _local_error(plan, direction, row, error.key, error.message)
        for group in groups:
            key = group[0].get("invoice").strip()
            fingerprint = row_fingerprint([r.values for r in group])
            audit = audits.get(direction, {}).get(key)
            status = group[0].get(COLUMNS[direction].status).strip().casefold()
            if audit is not None and audit.state == SENDING:
                plan.reconcile[direction].append(audit)
                plan.candidates[direction].append(group)
            elif (audit is not None and audit.state == FAILED and status == FAILED_STATUS
                  and audit.row_fingerprint == fingerprint):
                target_fp = None if settings.group_by_invoice else fingerprint
                plan.targets.append(Target(key, target_fp, failed_cells(direction, audit.error or ""),
                                           f"{direction.value}:failed", shared=True))
                plan.count(direction, FAILED_STATUS)
            else:
                plan.candidates[direction].append(group)
    return plan


def _local_error(plan: Plan, direction: Direction, row: SheetRow, key: str, message: str) -> None:
    plan.targets.append(Target(key, row_fingerprint([row.values]), failed_cells(direction, message),
                               f"{direction.value}:failed", shared=True))
    plan.count(direction, FAILED_STATUS)
