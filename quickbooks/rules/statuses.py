"""Every lifecycle the sync knows, one enum each (as rq's `JobStatus`), so no module spells a status twice.

They are `StrEnum`s: stored in the database and the sheet as their plain value, compared with plain text.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AuditState", "RowStatus", "RunStatus"]


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
