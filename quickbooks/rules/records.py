"""The audit's memory of one row, as a value the pure rules can read (the table lives in `quickbooks/audit.py`)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from quickbooks.rules.statuses import AuditState

__all__ = ["AuditRow"]


@dataclass(frozen=True)
class AuditRow:
    row_key: str
    state: AuditState
    request_id: str | None
    payload_hash: str | None
    payload_json: str | None
    row_fingerprint: str | None
    qb_id: str | None
    doc_number: str | None
    qb_url: str | None
    party_name: str | None
    amount: str | None
    error: str | None
    attempts: int
    created_at: float
    updated_at: float
    # After creation (see tracker/db.py): the content it was made from, and what QuickBooks last said of it.
    content_json: str | None = None
    qb_sync_token: str | None = None
    qb_total: str | None = None
    qb_balance: str | None = None
    qb_paid_date: str | None = None
    qb_due_date: str | None = None
    qb_state: str | None = None
    qb_state_date: str | None = None
    status_before_paid: str | None = None
    paid_date_filled: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", AuditState(self.state))

    @property
    def payload(self) -> dict | None:
        return json.loads(self.payload_json) if self.payload_json else None

    @property
    def content(self) -> dict[str, str] | None:
        """The sheet content the transaction was made from (quickbooks/rules/edits.py); None before 0007."""
        return json.loads(self.content_json) if self.content_json else None
