"""The admin page's view of the sheet rows that are not syncing, and why (a part of the read model of
quickbooks/status.py, kept apart for its size). `not_syncing` is pure: the page hands it the sheet's records and
the keys the audit knows as created."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from quickbooks.rules.directions import Direction, DirectionMap
from quickbooks.rules.statuses import AuditState, RowStatus
from quickbooks.status import money

if TYPE_CHECKING:
    from quickbooks.sync import SyncService

REASONS = ("draft", "already paid", "not ready", "waiting for writeback", "changed after sync", "voided",
           "Bills off")


def _reason(record: Mapping[str, str], direction: Direction, ready: frozenset[str], bills_enabled: bool,
            created: set[str]) -> tuple[str, str] | None:
    cols = direction.columns
    shown = (record.get(cols.status) or "").strip().casefold()
    status = (record.get("status") or "").strip().casefold()
    key = (record.get("invoice") or "").strip()
    if shown in (RowStatus.VOIDED, RowStatus.DELETED):
        return "voided", f"{shown} in QuickBooks: not created again unless someone resets the row"
    if shown == RowStatus.CHANGED:
        return "changed after sync", (record.get(cols.error) or "edited after it was synced").strip()
    if (record.get(cols.id) or "").strip():
        return None   # synced, nothing wrong
    if key and key in created:
        return "waiting for writeback", "QuickBooks has it; the next run writes its id into the row"
    if direction is Direction.BILL and not bills_enabled:
        return ("Bills off", "a vendor's bill: turn on QB_SYNC_MODE=dual and QB_ENABLE_BILLS=true"
                if status in ready else f"a vendor's bill (status '{status or 'blank'}')")
    if status == "draft":
        return "draft", "status is draft: set it to a ready status to send it"
    if status == "paid":
        return "already paid", "marked paid before it was synced: `run-once --backfill` sends it"
    if status not in ready:
        return "not ready", f"status '{status or 'blank'}' is not one of {', '.join(sorted(ready))}"
    return None   # ready: pending or failed, shown elsewhere


def not_syncing(records: Sequence[Mapping[str, str]], directions: DirectionMap, ready: frozenset[str],
                bills_enabled: bool, created: Mapping[Direction, set[str]], customer_field: str = "to_client"
                ) -> list[dict]:
    """Every row that is not syncing, with its reason (REASONS) and what to do; rows with an unknown `inv_from`
    are failed rows, shown with those."""
    rows = []
    for record in records:
        direction = directions.direction_of(record.get("inv_from") or "")
        if direction is None:
            continue
        found = _reason(record, direction, ready, bills_enabled, created.get(direction, set()))
        if found is None:
            continue
        party = record.get(customer_field if direction is Direction.INVOICE else "inv_from") or ""
        rows.append({"reason": found[0], "detail": found[1], "row": record.get("_row"),
                     "invoice": (record.get("invoice") or "").strip() or "(blank)", "direction": direction.value,
                     "client": str(party).strip(), "amount": money(record.get("inv_dollars"))})
    order = {r: i for i, r in enumerate(REASONS)}
    return sorted(rows, key=lambda r: (order[r["reason"]], r["row"] or 0))


def created_keys(sync: SyncService, records: Sequence[Mapping[str, str]]) -> dict[Direction, set[str]]:
    """Of the rows without a QuickBooks id, the keys the audit knows as created (their writeback waits)."""
    audit, found = sync.audit(), {}
    for direction in sync.directions():
        keys = {(r.get("invoice") or "").strip() for r in records if not (r.get(direction.columns.id) or "").strip()}
        rows = audit.load_keys(direction, keys - {""}, payloads=False)
        found[direction] = {k for k, a in rows.items() if a.state is AuditState.CREATED}
    return found
