"""Which rows a run must act on, decided from one read of the sheet and the audit, with no I/O.

Per row and direction: already created (write back from the audit, never send again); left `sending` by
a run that died (look it up in QuickBooks first); failed before and unchanged (keep the message, don't
resend); skipped by the mode; a problem found without QuickBooks (blank key, unknown `inv_from`, duplicate
number); or a candidate to map and send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Mapping, Sequence

from quickbooks.rules.counts import RunCounts
from quickbooks.rules.edits import Change, changed_message, content_changes, sheet_content
from quickbooks.rules.lifecycle import PAID, PaidStatus, life_of, paid_status, remote_of
from quickbooks.rules.directions import Direction, DirectionMap
from quickbooks.rules.mapping import SheetRow, group_rows
from quickbooks.rules.placement import Target, created_cells, failed_cells, result_target, row_fingerprint, skipped_cells
from quickbooks.rules.records import AuditRow
from quickbooks.rules.statuses import AuditState, RemoteLife, RowStatus
from quickbooks.rules.values import parse_sheet_date

__all__ = ["PlanSettings", "Plan", "Failure", "make_plan", "BILLS_OFF_NOTE", "Edit", "BillToPay"]

BILLS_OFF_NOTE = ("Skipped: Bills are off (QB_SYNC_MODE=invoice_only). Creating Bills needs QuickBooks Online "
                  "Essentials or Plus and QB_SYNC_MODE=dual with QB_ENABLE_BILLS=true")
Audits = Mapping[Direction, Mapping[str, AuditRow]]


@dataclass(frozen=True)
class PlanSettings:
    ready_statuses: frozenset[str]
    bills_enabled: bool
    group_by_invoice: bool
    backfill: bool = False
    directions: tuple[Direction, ...] = tuple(Direction)
    customer_field: str = "to_client"
    pull_paid_status: bool = True        # QB_PULL_PAID_STATUS
    on_edit: str = "flag"                # QB_ON_EDIT: flag | update
    auto_pay_bills: bool = False         # QB_AUTO_MARK_BILL_PAID
    today: date | None = None            # for a BillPayment's date (the plan itself reads no clock)


@dataclass(frozen=True)
class Edit:
    """A synced transaction whose row changed, to update in QuickBooks (QB_ON_EDIT=update)."""

    direction: Direction
    rows: tuple[SheetRow, ...]
    audit: AuditRow
    changes: tuple[Change, ...]
    content: Mapping[str, str]


@dataclass(frozen=True)
class BillToPay:
    """A synced Bill the sheet marks paid while QuickBooks still shows it open (QB_AUTO_MARK_BILL_PAID)."""

    row: SheetRow
    audit: AuditRow
    paid_on: date


@dataclass(frozen=True)
class Failure:
    """A row that failed in a run, as every view shows it (sheet, admin page, preview, `status`)."""

    direction: Direction
    key: str
    rows: tuple[int, ...]
    message: str
    party: str = ""    # the customer or vendor as the sheet names it
    amount: str = ""   # inv_dollars as typed

    @classmethod
    def of_rows(cls, direction: Direction, rows: Sequence[SheetRow], key: str, message: str,
                customer_field: str = "to_client") -> "Failure":
        column = customer_field if direction is Direction.INVOICE else "inv_from"
        return cls(direction, key, tuple(r.row for r in rows), message, rows[0].get(column).strip(),
                   rows[0].get("inv_dollars").strip())

    def to_json(self) -> dict:
        return {"direction": self.direction.value, "key": self.key, "rows": list(self.rows),
                "message": self.message, "party": self.party, "amount": self.amount}

    @classmethod
    def from_json(cls, data: dict) -> "Failure":
        return cls(Direction(data["direction"]), data["key"], tuple(data.get("rows", ())), data["message"],
                   data.get("party", ""), data.get("amount", ""))


@dataclass
class Plan:
    """Groups of rows to map and send, intents to look up first, and results to write back as they are."""

    candidates: dict[Direction, list[list[SheetRow]]] = field(default_factory=dict)
    reconcile: dict[Direction, list[AuditRow]] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    counts: RunCounts = field(default_factory=RunCounts)
    failures: list[Failure] = field(default_factory=list)
    # After creation: audit changes to keep once the writeback landed, edits to send, Bills to pay.
    paid_marks: list[tuple[Direction, str, PaidStatus]] = field(default_factory=list)
    contents: dict[Direction, dict[str, dict]] = field(default_factory=dict)   # content first seen, by key
    edits: list[Edit] = field(default_factory=list)
    bills_to_pay: list[BillToPay] = field(default_factory=list)
    followed: set[tuple[Direction, str]] = field(default_factory=set)   # grouped rows: one follow-up per key

    def add_failure(self, failure: Failure, fingerprint: str | None, grouped: bool = False) -> None:
        """The one place a row fails: its cells in the sheet, the count, and the list every view shows."""
        cells = failed_cells(failure.direction, failure.message)
        self.targets.append(result_target(failure.direction, failure.key, fingerprint, cells, grouped))
        self.counts.of(failure.direction).failed += 1
        self.failures.append(failure)

    def fail(self, direction: Direction, row: SheetRow, key: str, message: str, customer_field: str) -> None:
        """A problem found without QuickBooks: the row shows it, the audit never hears of it."""
        self.add_failure(Failure.of_rows(direction, [row], key, message, customer_field),
                         row_fingerprint([row.values]))


def make_plan(rows: Sequence[SheetRow], directions: DirectionMap, audits: Audits, settings: PlanSettings,
              payments: Mapping[str, AuditState] | None = None) -> Plan:
    """`payments`: the state of each Bill's BillPayment intent, by key (quickbooks/bill_payments.py)."""
    plan = Plan(candidates={d: [] for d in settings.directions}, reconcile={d: [] for d in settings.directions})
    ready: dict[Direction, list[SheetRow]] = {d: [] for d in settings.directions}
    by_key: dict[str, list[SheetRow]] = {}
    for row in rows:
        by_key.setdefault(row.get("invoice").strip(), []).append(row)
    for row in rows:
        direction = _place_row(plan, row, directions, audits, settings, by_key, payments or {})
        if direction is not None:
            ready[direction].append(row)
    for direction, candidates in ready.items():
        groups, duplicates = group_rows(candidates, settings.group_by_invoice)
        for error in duplicates:
            row = next(r for r in candidates if r.row == error.rows[0])
            plan.fail(direction, row, error.key, error.message, settings.customer_field)
        for group in groups:
            _plan_group(plan, direction, group, audits.get(direction, {}), settings)
    return plan


def _place_row(plan: Plan, row: SheetRow, directions: DirectionMap, audits: Audits, settings: PlanSettings,
               by_key: Mapping[str, list[SheetRow]], payments: Mapping[str, AuditState]) -> Direction | None:
    """Settle what can be settled from the row alone; return its direction when it is a candidate to send."""
    key = row.get("invoice").strip()
    status = row.get("status").strip().casefold()
    wanted = status in settings.ready_statuses or (settings.backfill and status == "paid")
    direction = directions.direction_of(row.get("inv_from"))
    if direction is None:
        if wanted:
            plan.fail(Direction.INVOICE, row, key, _unknown_inv_from(row.get("inv_from").strip()),
                      settings.customer_field)
        return None
    if direction is Direction.BILL and not settings.bills_enabled:
        if wanted and Direction.INVOICE in settings.directions:
            # The note goes in the invoice columns: without Bills the sheet has no bill columns to hold it.
            cells = skipped_cells(Direction.INVOICE, BILLS_OFF_NOTE)
            plan.targets.append(Target(key, row_fingerprint([row.values]), cells, shared=True))
            plan.counts.of(Direction.BILL).skipped += 1
        return None
    if direction not in settings.directions:
        return None
    audit = audits.get(direction, {}).get(key) if key else None
    has_id = bool(row.get(direction.columns.id).strip())
    if audit is not None and audit.state is AuditState.CREATED:
        if wanted and not has_id and not settings.group_by_invoice and audit.row_fingerprint != row_fingerprint(
                [row.values]):
            holder = next((r.row for r in by_key.get(key, ()) if r is not row and (
                r.get(direction.columns.id).strip() or row_fingerprint([r.values]) == audit.row_fingerprint)), None)
            plan.fail(direction, row, key, _reused_number(direction, key, audit, holder), settings.customer_field)
            return None
        group = by_key.get(key, [row]) if settings.group_by_invoice else [row]
        follow_created(plan, direction, group, audit, settings, payments.get(key))
        return None
    if not wanted or has_id:
        return None  # not ready, or given a QuickBooks id by someone else: leave it alone
    if not key:
        plan.fail(direction, row, key, "invoice is blank: every row needs an invoice number", settings.customer_field)
        return None
    return direction


def follow_created(plan: Plan, direction: Direction, group: list[SheetRow], audit: AuditRow, settings: PlanSettings,
                   payment: AuditState | None) -> None:
    """A created transaction's row(s): its cells, and what its life since asks for: an edit flagged or to update,
    the row's status following a payment, a Bill to pay. A grouped invoice is followed once, for all its rows."""
    key, counts, cols = audit.row_key, plan.counts.of(direction), direction.columns
    counts.already_synced += 1
    if (direction, key) in plan.followed:
        return
    plan.followed.add((direction, key))
    cells = created_cells(direction, audit)
    if life_of(audit) in (None, RemoteLife.OPEN):
        current = sheet_content(group, direction, settings.customer_field)
        if audit.content is None:   # created before edits were tracked: this content is what it was made from
            plan.contents.setdefault(direction, {})[key] = current
        elif changes := content_changes(audit.content, current, audit.qb_total):
            why = _why_not_updated(audit, settings)
            if why is None:
                plan.edits.append(Edit(direction, tuple(group), audit, tuple(changes), current))
                return   # the update step writes this row's cells, whatever the update's outcome
            cells.update({cols.status: RowStatus.CHANGED.value, cols.error: changed_message(direction, changes, why)})
            counts.changed += 1
    row = group[0]
    if settings.auto_pay_bills and direction is Direction.BILL:
        _bill_to_pay(plan, row, audit, settings, payment, cells)
    elif settings.pull_paid_status:
        marked = paid_status(audit, row.get("status"), row.get("Inv_paid_date"))
        if marked is not None:
            cells.update(marked.cells)
            plan.paid_marks.append((direction, key, marked))
            counts.marked_paid += marked.cells.get("status") == PAID
            counts.unmarked_paid += marked.cells.get("status", PAID) != PAID
    fingerprint = None if settings.group_by_invoice else audit.row_fingerprint
    plan.targets.append(Target(key, fingerprint, cells))


def _why_not_updated(audit: AuditRow, settings: PlanSettings) -> str | None:
    """None when an edit may go to QuickBooks; otherwise why not ("" under QB_ON_EDIT=flag)."""
    if settings.on_edit != "update":
        return ""
    remote = remote_of(audit)
    if remote is None or remote.balance is None or remote.total is None:
        return "QuickBooks has not been read back yet (next run)"
    if remote.paid:
        return "it is paid in QuickBooks"
    if remote.partly_paid:
        return "it is partly paid in QuickBooks"
    return None


def _bill_to_pay(plan: Plan, row: SheetRow, audit: AuditRow, settings: PlanSettings, payment: AuditState | None,
                 cells: dict[str, str]) -> None:
    """A Bill the sheet marks paid becomes a BillPayment, unless QuickBooks shows it paid (or voided) already, or
    ours is created and waits to be read back."""
    if row.get("status").strip().casefold() != PAID or life_of(audit) is not RemoteLife.OPEN:
        return
    if audit.qb_balance is None or Decimal(audit.qb_balance) <= 0 or payment is AuditState.CREATED:
        return
    today = settings.today or date.min
    try:
        paid_on = parse_sheet_date(row.get("Inv_paid_date"), "Inv_paid_date") or today
        if paid_on > today:
            raise ValueError(f"Inv_paid_date {paid_on.isoformat()} is in the future: enter the day it was paid")
    except ValueError as exc:
        message = f"Not paid in QuickBooks: {exc}"
        cells[Direction.BILL.columns.error] = message
        plan.failures.append(Failure.of_rows(Direction.BILL, [row], audit.row_key, message, settings.customer_field))
        plan.counts.of(Direction.BILL).failed += 1
        return
    plan.bills_to_pay.append(BillToPay(row, audit, paid_on))


def _plan_group(plan: Plan, direction: Direction, group: list[SheetRow], audits: Mapping[str, AuditRow],
                settings: PlanSettings) -> None:
    key = group[0].get("invoice").strip()
    fingerprint = row_fingerprint([r.values for r in group])
    audit = audits.get(key)
    shown = group[0].get(direction.columns.status).strip().casefold()
    if audit is not None and audit.state is AuditState.SENDING:
        plan.reconcile[direction].append(audit)
        plan.candidates[direction].append(group)
    elif (audit is not None and audit.state is AuditState.FAILED and shown == RowStatus.FAILED
          and audit.row_fingerprint == fingerprint):
        # Failed before and unchanged: keep its message, don't send again (an edit or a reset retries it).
        failure = Failure.of_rows(direction, group, key, audit.error or "", settings.customer_field)
        plan.add_failure(failure, fingerprint, settings.group_by_invoice)
    else:
        plan.candidates[direction].append(group)


def _reused_number(direction: Direction, key: str, audit: AuditRow, holder: int | None) -> str:
    """A ready row whose number already belongs to a transaction created from another row's content."""
    where = f"row {holder}" if holder else "a row that is no longer in the sheet"
    return (f"Invoice number '{key}' is already used by {where}: QuickBooks {direction.value} Id {audit.qb_id} for "
            f"'{audit.party_name or '?'}' (${audit.amount or '?'}). Give this row its own number (if this is the "
            f"synced row edited, put its QuickBooks id back in {direction.columns.id})")


def _unknown_inv_from(inv_from: str) -> str:
    if not inv_from:
        return "inv_from is blank: say who issued the invoice (ACD, or the vendor billing ACD)"
    return (f"inv_from '{inv_from}' is not in config/qb_directions.json: add it under money_in (ACD invoices a "
            "client) or money_out (a vendor bills ACD)")
