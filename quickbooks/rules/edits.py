"""Edits after sync: the row's content now against the content its transaction was made from. Pure.

"Content" is what reaches QuickBooks from the row (DESIGN step 5): the customer or vendor as the sheet names
it, the amount, the description (job_name and task_descr), the invoice date (submitted_date) and the internal
note (inv_from, the two shares, notes, thread). The row's `status` and `Inv_paid_date` are left out on purpose:
marking a row paid is the life of the invoice, not an edit (it is how a Bill gets paid, and the sync writes
both itself when QuickBooks says an invoice was paid). Values are compared as they were read (amounts as
Decimals, dates as dates), so `1500` and `$1,500.00` are the same amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping, Sequence

from quickbooks.rules.directions import Direction
from quickbooks.rules.mapping import SheetRow, description_of, private_note_of
from quickbooks.rules.values import clean_text, parse_money, parse_optional_money, parse_sheet_date

__all__ = ["sheet_content", "Change", "content_changes", "changed_message", "FIELD_WORDS"]

FIELD_WORDS = {"party": None, "amount": "the amount", "description": "the description", "date": "the invoice date",
               "note": "the internal note"}


def _read(parse, text: str, column: str) -> str:
    """A parsed value as text, or the cell as typed when it does not parse (still compared, never an error)."""
    try:
        value = parse(text, column)
    except ValueError:
        return text.strip()
    return "" if value is None else str(value)


def _money_total(rows: Sequence[SheetRow]) -> str:
    try:
        return str(sum((parse_money(r.get("inv_dollars")) for r in rows), Decimal(0)))
    except ValueError:
        return " + ".join(r.get("inv_dollars").strip() for r in rows)


def sheet_content(rows: Sequence[SheetRow], direction: Direction, customer_field: str = "to_client") -> dict[str, str]:
    """What the rows of one transaction say, field by field (see the module docstring)."""
    ordered = sorted(rows, key=lambda r: r.row)
    column = customer_field if direction is Direction.INVOICE else "inv_from"
    shares = {name: [v for r in ordered if (v := _optional(r.get(name), name)) is not None]
              for name in ("owed2ACD", "owed2workers")}
    return {
        "party": clean_text(ordered[0].get(column)),
        "amount": _money_total(ordered),
        "description": " / ".join(description_of(r) for r in ordered),
        "date": next((d for r in ordered if (d := _read(parse_sheet_date, r.get("submitted_date"),
                                                          "submitted_date"))), ""),
        "note": private_note_of(ordered, shares["owed2ACD"], shares["owed2workers"]),
    }


def _optional(text: str, column: str) -> Decimal | None:
    try:
        return parse_optional_money(text, column)
    except ValueError:
        return None


@dataclass(frozen=True)
class Change:
    field: str
    before: str      # what the transaction was made from (for the amount: what QuickBooks holds now, if known)
    now: str         # what the sheet says


def content_changes(stored: Mapping[str, str], current: Mapping[str, str],
                    qb_total: str | None = None) -> list[Change]:
    """The fields that differ; the amount QuickBooks holds (`qb_total`) is the "before" when it is known."""
    changes = []
    for name in FIELD_WORDS:
        if name in stored and stored[name] != current.get(name, ""):
            before = qb_total if name == "amount" and qb_total else stored[name]
            changes.append(Change(name, before, current.get(name, "")))
    return changes


def _shown(name: str, value: str) -> str:
    if name == "amount":
        try:
            return f"${Decimal(value):,.2f}"
        except ArithmeticError:
            return f"'{value}'"
    return f"'{value}'" if value else "nothing"


def changed_message(direction: Direction, changes: Sequence[Change], why_not_updated: str = "") -> str:
    """The row's qb_error for an edit after sync, in words a finance person can act on."""
    entity = direction.entity.lower()
    parts = []
    for change in changes:
        what = FIELD_WORDS[change.field] or f"the {direction.party}"
        parts.append(f"{what}: QuickBooks has {_shown(change.field, change.before)}, the sheet "
                     f"{_shown(change.field, change.now)}")
    fix = f"change it back, edit the {entity} in QuickBooks, or allow updates (QB_ON_EDIT=update)"
    if why_not_updated:
        fix = f"it was not updated because {why_not_updated}; change the row back, or edit the {entity} in QuickBooks"
    return f"Changed after sync: {'; '.join(parts)}; {fix}"
