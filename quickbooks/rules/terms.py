"""Payment terms: which rule decides a transaction's due date. Pure, no I/O.

In order (issue 15):
  1. an explicit `due_date` column in the sheet, when it has one and the cell is filled (before the transaction date
     is a row error);
  2. the customer's (vendor's) own terms in QuickBooks: DueDate and SalesTermRef are left out, and QuickBooks derives
     the date from the party's term (Intuit: "only DueDate is derived" from the customer's terms on create);
  3. `QB_DEFAULT_TERMS`, sent as `SalesTermRef` (QuickBooks computes the date from it);
  4. the seed's rule: `Inv_paid_date` when known and not before the transaction date;
  5. else nothing is sent and QuickBooks applies the company's default terms, if any, or the transaction date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["Term", "DueDecision", "decide_due"]


@dataclass(frozen=True)
class Term:
    """A QuickBooks Term, by Id and name."""

    id: str
    name: str
    active: bool = True

    @classmethod
    def of(cls, obj: dict) -> "Term":
        return cls(id=str(obj.get("Id", "")), name=str(obj.get("Name", "")), active=obj.get("Active") is not False)


@dataclass(frozen=True)
class DueDecision:
    fields: dict[str, Any]
    rule: str
    problem: str = ""


def decide_due(txn: date, explicit: date | None, paid: date | None, party_term: Term | None,
               default_term: Term | None, party: str) -> DueDecision:
    """The due-date fields of one transaction and the rule that decided them (module docstring)."""
    if explicit is not None:
        if explicit < txn:
            return DueDecision({}, "due_date column", f"due_date {explicit.isoformat()} is before the transaction "
                               f"date {txn.isoformat()}: a due date cannot come before the date of the transaction; "
                               "correct due_date or submitted_date")
        return DueDecision({"DueDate": explicit.isoformat()}, "due_date column")
    if party_term is not None:
        return DueDecision({}, f"{party} terms ({party_term.name})")
    if default_term is not None:
        return DueDecision({"SalesTermRef": {"value": default_term.id, "name": default_term.name}},
                           f"QB_DEFAULT_TERMS ({default_term.name})")
    if paid is not None and paid >= txn:
        return DueDecision({"DueDate": paid.isoformat()}, "Inv_paid_date")
    return DueDecision({}, "none in the sheet or QuickBooks: QuickBooks' company default")
