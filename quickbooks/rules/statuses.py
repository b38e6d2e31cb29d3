"""Every lifecycle the sync knows, one enum each (as rq's `JobStatus`), so no module spells a status twice.

They are `StrEnum`s: stored in the database and the sheet as their plain value, compared with plain text.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AuditState", "RowStatus", "RunStatus", "RemoteLife"]


class AuditState(StrEnum):
    """A row's memory in the audit table (DESIGN's exactly-once rules rest on it)."""

    SENDING = "sending"   # intent committed, QuickBooks' answer not recorded yet: look it up before resending
    CREATED = "created"   # QuickBooks holds it (Id stored): never create again
    FAILED = "failed"     # QuickBooks refused it, or the row could not be mapped


class RowStatus(StrEnum):
    """What the sheet's `qb_sync_status` / `qb_bill_status` cell shows."""

    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"
    SKIPPED = "skipped"
    # After creation (quickbooks/rules/lifecycle.py): QuickBooks holds it, but something needs a person.
    CHANGED = "changed"   # the row was edited after sync (QB_ON_EDIT=flag, or an update was not possible)
    VOIDED = "voided"     # voided in QuickBooks: never created again unless an operator resets the row
    DELETED = "deleted"   # deleted in QuickBooks: likewise


class RunStatus(StrEnum):
    """A row of `sync_runs`."""

    RUNNING = "running"
    OK = "ok"              # finished; rows QuickBooks refused are failed in the sheet, not a run problem
    PARTIAL = "partial"    # finished, but a direction stopped (QuickBooks unreachable, reconnect needed, stop)
    FAILED = "failed"      # could not finish (sheet unreadable, configuration)
    BUSY = "busy"          # not started: another run held the lease

    @property
    def finished(self) -> bool:
        return self not in (RunStatus.RUNNING, RunStatus.BUSY)


class RemoteLife(StrEnum):
    """What QuickBooks last said of a created transaction (the audit's `qb_state`)."""

    OPEN = "open"         # exists, not voided (paid or not: see its balance)
    VOIDED = "voided"
    DELETED = "deleted"
