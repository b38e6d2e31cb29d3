"""After creation, QuickBooks owns the transaction: what it says of it, and what that means for the row. Pure.

QuickBooks is read back (quickbooks/pull.py) into a `RemoteState` per transaction: open, voided or deleted, its
total, open balance, due date and, once the balance reaches zero, the date of the payment that closed it. From
that state and the row, these rules decide the row's qb_* cells and, with QB_PULL_PAID_STATUS, its own `status`
and `Inv_paid_date`: a fully paid invoice becomes `paid`; a payment deleted later undoes exactly what the sync
did, never what a person typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Mapping

from quickbooks.rules.directions import Direction
from quickbooks.rules.records import AuditRow
from quickbooks.rules.statuses import RemoteLife, RowStatus

__all__ = ["RemoteState", "read_state", "deleted_state", "linked_payment_ids", "lifecycle_cells", "PaidStatus",
           "paid_status", "PAID", "life_of", "remote_of"]

PAID = "paid"   # the sheet's own `status` for a paid invoice (DATA.md)
PAYMENT_TYPES = frozenset({"Payment", "BillPaymentCheck", "BillPaymentCreditCard", "BillPayment"})
VOID_NOTE = "Voided"   # QuickBooks' PrivateNote on a voided transaction, whose amounts it sets to zero


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None and value != "" else None
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class RemoteState:
    """What QuickBooks said of one created Invoice or Bill when it was last read."""

    qb_id: str
    life: RemoteLife
    sync_token: str | None = None
    total: Decimal | None = None
    balance: Decimal | None = None
    due_date: str | None = None
    paid_date: str | None = None      # the payment that brought the balance to zero
    life_date: str | None = None      # when it was voided or deleted

    @property
    def paid(self) -> bool:
        return (self.life is RemoteLife.OPEN and self.balance is not None and self.balance == 0
                and bool(self.total))

    @property
    def partly_paid(self) -> bool:
        return (self.life is RemoteLife.OPEN and None not in (self.balance, self.total)
                and 0 < self.balance < self.total)

    AUDIT_COLUMNS = ("qb_state", "qb_sync_token", "qb_total", "qb_balance", "qb_due_date", "qb_paid_date",
                     "qb_state_date")

    def audit_values(self) -> dict:
        """The audit columns that hold this state (AUDIT_COLUMNS)."""
        return {"qb_state": self.life.value, "qb_sync_token": self.sync_token,
                "qb_total": None if self.total is None else str(self.total),
                "qb_balance": None if self.balance is None else str(self.balance), "qb_due_date": self.due_date,
                "qb_paid_date": self.paid_date, "qb_state_date": self.life_date}


def _date(timestamp: str | None) -> str | None:
    return timestamp[:10] if timestamp else None


def linked_payment_ids(obj: Mapping) -> list[str]:
    """The payments QuickBooks lists as applied to this Invoice or Bill (its LinkedTxn)."""
    return [str(link.get("TxnId")) for link in obj.get("LinkedTxn") or []
            if link.get("TxnType") in PAYMENT_TYPES and link.get("TxnId") is not None]


def read_state(obj: Mapping, payment_dates: Mapping[str, str]) -> RemoteState:
    """The state of an Invoice or Bill as QuickBooks answered it; `payment_dates` maps payment Ids to TxnDate
    (the latest linked payment of a fully paid transaction is the one that closed it)."""
    total, balance = _decimal(obj.get("TotalAmt")), _decimal(obj.get("Balance"))
    updated = _date((obj.get("MetaData") or {}).get("LastUpdatedTime"))
    voided = str(obj.get("PrivateNote", "")).startswith(VOID_NOTE) and not total
    paid_date = None
    if not voided and balance == 0 and total:
        dates = [payment_dates[i] for i in linked_payment_ids(obj) if i in payment_dates]
        paid_date = max(dates) if dates else updated
    return RemoteState(str(obj.get("Id")), RemoteLife.VOIDED if voided else RemoteLife.OPEN, obj.get("SyncToken"),
                       total, balance, obj.get("DueDate"), paid_date, updated if voided else None)


def deleted_state(qb_id: str, when: str | None) -> RemoteState:
    return RemoteState(str(qb_id), RemoteLife.DELETED, life_date=_date(when))


def life_of(audit: AuditRow) -> RemoteLife | None:
    return RemoteLife(audit.qb_state) if audit.qb_state else None


def remote_of(audit: AuditRow) -> RemoteState | None:
    """What the audit keeps of QuickBooks' last answer, as a state; None before it was first read back."""
    life = life_of(audit)
    if life is None:
        return None
    return RemoteState(audit.qb_id or "", life, audit.qb_sync_token, _decimal(audit.qb_total),
                       _decimal(audit.qb_balance), audit.qb_due_date, audit.qb_paid_date, audit.qb_state_date)


def _money(text: str | None) -> str:
    amount = _decimal(text)
    return "" if amount is None else f"{amount:.2f}"


def lifecycle_cells(direction: Direction, audit: AuditRow) -> dict[str, str]:
    """Balance and paid date, and for a voided or deleted transaction the status and a message saying what now.
    Nothing is shown before QuickBooks was first read back (an old audit row keeps its cells as they are)."""
    life = life_of(audit)
    if life is None:
        return {}
    cols = direction.columns
    cells = {cols.balance: _money(audit.qb_balance), cols.paid_date: audit.qb_paid_date or ""}
    if life is not RemoteLife.OPEN:
        entity, when = direction.entity.lower(), audit.qb_state_date or "an unknown date"
        cells.update({cols.status: RowStatus(life.value).value, cols.balance: "", cols.paid_date: "",
                      cols.error: f"{life.value.capitalize()} in QuickBooks on {when} ({direction.entity} Id "
                                  f"{audit.qb_id}): it will not be created again; to make a new {entity} from this "
                                  f"row, an admin runs `quickbooks_sync.py reset --row {audit.row_key}`"})
    return cells


@dataclass(frozen=True)
class PaidStatus:
    """The row's own cells the sync changes for a payment, and what the audit remembers of that change."""

    cells: Mapping[str, str]
    status_before_paid: str | None
    paid_date_filled: str | None


def paid_status(audit: AuditRow, status: str, paid_date_cell: str) -> PaidStatus | None:
    """With QB_PULL_PAID_STATUS: a fully paid transaction makes the row `paid` (and fills a blank Inv_paid_date);
    a balance that came back (a payment deleted) undoes exactly what the sync had done. None: nothing to do."""
    remote = remote_of(audit)
    life, paid = (remote.life, remote.paid) if remote else (None, False)
    is_paid = status.strip().casefold() == PAID
    if paid and not is_paid:
        fill = audit.qb_paid_date if not paid_date_cell.strip() and audit.qb_paid_date else None
        cells = {"status": PAID, **({"Inv_paid_date": fill} if fill else {})}
        return PaidStatus(cells, status, fill)
    if audit.status_before_paid is None or life is not RemoteLife.OPEN or paid:
        return None
    if not is_paid:   # a person changed the status since: theirs stands, the sync forgets its own change
        return PaidStatus({}, None, None)
    cells = {"status": audit.status_before_paid}
    if audit.paid_date_filled and paid_date_cell.strip() == audit.paid_date_filled:
        cells["Inv_paid_date"] = ""
    return PaidStatus(cells, None, None)
