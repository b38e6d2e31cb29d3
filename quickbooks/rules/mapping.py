"""Sheet rows to QuickBooks Invoice/Bill bodies: pure, no I/O, no clock.

Everything the mapping needs from outside (today's date, the item and account Ids, the customer and vendor
lists loaded once per run) arrives in a `MappingContext`, so a dry run, the audit's "what we would send" and
the tests all see exactly what the sync sends. A row that cannot be mapped becomes a `RowError` listing every
problem of that row (or group of rows) in one message, so a person fixes the sheet once, not once per run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Sequence

from quickbooks.rules.directions import Direction
from quickbooks.rules.values import (MAX_AMOUNT, clean_text, normalize_name, parse_money, parse_optional_money,
                               parse_sheet_date)

__all__ = ["normalize_name", "NameIndex", "SheetRow", "MappingContext", "Payload", "RowError", "map_rows",
           "group_rows", "MAX_DOC_NUMBER", "MAX_TEXT"]

MAX_DOC_NUMBER = 21   # Invoice/Bill DocNumber
MAX_TEXT = 4000       # Line.Description and PrivateNote
CUSTOMER_FIELDS = ("to_client", "end_client")


@dataclass(frozen=True)
class _Party:
    id: str
    name: str
    active: bool


class NameIndex:
    """Sheet names -> QuickBooks customers (or vendors), matched client-side.

    Order: the explicit config (`config/qb_customers.json`), then the `qb_customers` worksheet, then an exact
    DisplayName match ignoring case and spacing. Matching happens here rather than in a QuickBooks query
    because queries fail on non-ASCII names. Inactive objects never match; two active objects with the same
    normalised name match nothing (`ambiguous`), because picking one would bill the wrong party.
    """

    def __init__(self, parties: Sequence[_Party] = (), aliases: Mapping[str, tuple[str, str]] | None = None):
        self._by_id = {p.id: p for p in parties}
        self._by_name: dict[str, list[_Party]] = {}
        for party in parties:
            self._by_name.setdefault(normalize_name(party.name), []).append(party)
        self._aliases = dict(aliases or {})

    @classmethod
    def build(cls, qb_objects: Sequence[Mapping[str, Any]], explicit: Mapping[str, str] | None = None,
              sheet_map: Mapping[str, str] | None = None) -> NameIndex:
        """Index QuickBooks Customer/Vendor dicts (``Id``, ``DisplayName``, optional ``Active``) plus the maps."""
        parties = [_Party(str(o.get("Id", "")), str(o.get("DisplayName") or ""), o.get("Active", True) is not False)
                   for o in qb_objects if o.get("Id") not in (None, "")]
        aliases: dict[str, tuple[str, str]] = {}
        for source, mapping in (("config/qb_customers.json", explicit or {}), ("the qb_customers tab", sheet_map or {})):
            for sheet_name, target in mapping.items():
                key, value = normalize_name(sheet_name), clean_text(str(target or ""))
                if key and value:
                    aliases.setdefault(key, (value, source))  # the explicit config wins
        return cls(parties, aliases)

    def alias_of(self, name: str) -> tuple[str, str] | None:
        """(target, where it is mapped) when `name` is mapped explicitly, else None."""
        return self._aliases.get(normalize_name(name))

    def _candidates(self, name: str) -> list[_Party]:
        alias = self.alias_of(name)
        if alias is not None:
            target = alias[0]
            if target in self._by_id:  # an Id wins over a DisplayName that happens to look like one
                return [self._by_id[target]]
            return self._by_name.get(normalize_name(target), [])
        return self._by_name.get(normalize_name(name), [])

    def matches(self, name: str) -> tuple[tuple[str, str], ...]:
        """Every active (Id, DisplayName) the name points at; more than one means it is ambiguous."""
        return tuple((p.id, p.name) for p in self._candidates(name) if p.active)

    def resolve(self, name: str) -> tuple[str, str] | None:
        """(Id, DisplayName) of the one active match, or None (unknown, inactive only, or ambiguous)."""
        found = self.matches(name)
        return found[0] if len(found) == 1 else None

    def ambiguous(self, name: str) -> bool:
        """True when two or more active QuickBooks objects match the name."""
        return len(self.matches(name)) > 1

    def inactive(self, name: str) -> bool:
        """True when the only matches are inactive (deleted in QuickBooks terms)."""
        candidates = self._candidates(name)
        return bool(candidates) and not any(p.active for p in candidates)


@dataclass(frozen=True)
class SheetRow:
    """One `inv_tbl` row: its 1-based sheet row number and header -> cell text."""

    row: int
    values: Mapping[str, str] = field(hash=False)

    def get(self, name: str) -> str:
        """The cell under header `name` ("" when absent); header case and spaces are forgiven as a fallback."""
        value = self.values.get(name)
        if value is None:
            wanted = normalize_name(name)
            value = next((v for k, v in self.values.items() if normalize_name(k) == wanted), None)
        return "" if value is None else str(value)


@dataclass(frozen=True, kw_only=True)
class MappingContext:
    """Everything `map_rows` needs from outside; built once per run."""

    today: date
    item_id: str = ""
    item_name: str = ""
    expense_account: str = ""
    ap_account: str = ""
    doc_prefix: str = ""
    customer_field: str = "to_client"
    customers: NameIndex = field(default_factory=NameIndex)
    vendors: NameIndex = field(default_factory=NameIndex)

    def __post_init__(self) -> None:
        if self.customer_field not in CUSTOMER_FIELDS:
            raise ValueError(f"customer_field: expected one of {', '.join(CUSTOMER_FIELDS)}, "
                             f"not {self.customer_field!r}")
        if len(self.doc_prefix) >= MAX_DOC_NUMBER:
            raise ValueError(f"doc_prefix: {self.doc_prefix!r} leaves no room for the invoice number "
                             f"(QuickBooks allows {MAX_DOC_NUMBER} characters in all)")


@dataclass(frozen=True)
class Payload:
    """A ready-to-send QuickBooks body and what the audit needs to know about it."""

    direction: Direction
    key: str
    doc_number: str
    body: dict[str, Any] = field(hash=False)
    amount: Decimal
    party_id: str
    party_name: str
    rows: tuple[int, ...]

    @property
    def payload_hash(self) -> str:
        """sha256 of the canonical JSON body: the same content always gives the same hash."""
        canonical = json.dumps(self.body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RowError:
    """Why rows could not be mapped, in words for the row's `qb_error` cell."""

    rows: tuple[int, ...]
    key: str
    direction: Direction | None
    message: str


def _money_json(amount: Decimal) -> float:
    return float(str(amount))


def _description(row: SheetRow) -> str:
    job, task = clean_text(row.get("job_name")), clean_text(row.get("task_descr"))
    return f"{job}: {task}" if job and task else job or task


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _private_note(rows: Sequence[SheetRow], owed_acd: list[Decimal], owed_workers: list[Decimal]) -> str:
    """The internal memo. Never blocks a row: over 4000 characters it is cut to 4000, ending with "…"."""
    parts = []
    if sources := _unique([clean_text(r.get("inv_from")) for r in rows]):
        parts.append("From: " + ", ".join(sources))
    if owed_acd:
        parts.append(f"ACD share: {sum(owed_acd, Decimal(0)):.2f}")
    if owed_workers:
        parts.append(f"Workers' share: {sum(owed_workers, Decimal(0)):.2f}")
    if notes := _unique([clean_text(r.get("notes")) for r in rows]):
        parts.append("Notes: " + " / ".join(notes))
    if threads := _unique([clean_text(r.get("thread")) for r in rows]):
        parts.append("Thread: " + " / ".join(threads))
    note = " | ".join(parts)
    return note if len(note) <= MAX_TEXT else note[:MAX_TEXT - 1] + "…"


def _party_problem(direction: Direction, column: str, name: str, index: NameIndex) -> str:
    label = "Customer" if direction is Direction.INVOICE else "Vendor"
    alias = index.alias_of(name)
    if index.ambiguous(name):
        ids = ", ".join(pid for pid, _ in index.matches(name))
        return (f"{label} '{name}' matches several {direction.party}s in QuickBooks (Ids {ids}): map it to one Id "
                "in config/qb_customers.json or the qb_customers tab")
    if alias is not None:
        return (f"{label} '{name}' is mapped to '{alias[0]}' in {alias[1]}, but QuickBooks has no active "
                f"{direction.party} with that name or Id: fix the mapping or the {direction.party} in QuickBooks")
    if index.inactive(name):
        return (f"{label} '{name}' is inactive in QuickBooks: make it active again, or map {column} to another "
                f"{direction.party} in config/qb_customers.json")
    if direction is Direction.INVOICE:
        return (f"Customer '{name}' is not in QuickBooks: add it to config/qb_customers.json, the qb_customers tab, "
                "or QuickBooks")
    return (f"Vendor '{name}' is not in QuickBooks: add it in QuickBooks (Expenses > Vendors) or map it to an "
            "existing vendor in config/qb_customers.json")


def map_rows(rows: Sequence[SheetRow], direction: Direction, ctx: MappingContext) -> Payload | RowError:
    """One Invoice or Bill from one row, or from several rows sharing an `invoice` value (one line per row).

    Every problem of every row is collected and returned together in one `RowError`; in a group each is
    prefixed with its row number. Raises ValueError only on misuse (no rows, rows with different keys).
    """
    if not rows:
        raise ValueError("map_rows needs at least one row")
    rows = sorted(rows, key=lambda r: r.row)
    key = rows[0].get("invoice").strip()
    if any(r.get("invoice").strip() != key for r in rows):
        raise ValueError("map_rows: all rows of a group must share one invoice value")
    numbers = tuple(r.row for r in rows)
    grouped = len(rows) > 1
    problems: list[str] = []

    doc_number = ctx.doc_prefix + clean_text(key)
    if not key:
        problems.append("invoice is blank: every row needs an invoice number")
    elif len(doc_number) > MAX_DOC_NUMBER:
        with_prefix = f" (including the prefix '{ctx.doc_prefix}')" if ctx.doc_prefix else ""
        problems.append(f"Invoice number '{doc_number}' is {len(doc_number)} characters; QuickBooks allows "
                        f"{MAX_DOC_NUMBER}{with_prefix}: shorten it")
    if direction is Direction.INVOICE and not ctx.item_id:
        problems.append("QB_DEFAULT_ITEM_ID is not set: invoices need the Id of the QuickBooks item to bill")
    if direction is Direction.BILL and not ctx.expense_account:
        problems.append("QB_DEFAULT_EXPENSE_ACCOUNT is not set: bills need the Id of an expense account")

    column = ctx.customer_field if direction is Direction.INVOICE else "inv_from"
    index = ctx.customers if direction is Direction.INVOICE else ctx.vendors
    lines: list[dict[str, Any]] = []
    amounts: list[Decimal] = []
    parties: dict[str, tuple[str, str, int]] = {}  # party id -> (DisplayName, sheet name, first row)
    txn_date: date | None = None
    due_date: date | None = None
    owed_acd: list[Decimal] = []
    owed_workers: list[Decimal] = []

    for row in rows:
        mine: list[str] = []
        name = clean_text(row.get(column))
        if not name:
            what = "customer's name as it appears in QuickBooks" if direction is Direction.INVOICE else \
                "name of who issued the invoice"
            mine.append(f"{column} is blank: enter the {what}")
        elif (found := index.resolve(name)) is None:
            mine.append(_party_problem(direction, column, name, index))
        else:
            parties.setdefault(found[0], (found[1], name, row.row))

        description = _description(row)
        if len(description) > MAX_TEXT:
            mine.append(f"The description (job_name + task_descr) is {len(description):,} characters; "
                        f"QuickBooks allows {MAX_TEXT:,}: shorten task_descr")

        amount = None
        try:
            amount = parse_money(row.get("inv_dollars"), "inv_dollars")
        except ValueError as exc:
            mine.append(str(exc))

        for column_name, bucket in (("owed2ACD", owed_acd), ("owed2workers", owed_workers)):
            try:
                share = parse_optional_money(row.get(column_name), column_name)
            except ValueError as exc:
                mine.append(str(exc))
            else:
                if share is not None:
                    bucket.append(share)

        try:
            submitted = parse_sheet_date(row.get("submitted_date"), "submitted_date")
        except ValueError as exc:
            mine.append(str(exc))
        else:
            txn_date = txn_date or submitted
        try:
            paid = parse_sheet_date(row.get("Inv_paid_date"), "Inv_paid_date")
        except ValueError as exc:
            mine.append(str(exc))
        else:
            due_date = due_date or paid

        problems.extend(f"row {row.row}: {p}" if grouped else p for p in mine)
        if amount is not None:
            amounts.append(amount)
            lines.append(_line(direction, ctx, amount, description))

    if len(parties) > 1:
        named = " and ".join(f"'{sheet}' (row {first})" for _, sheet, first in parties.values())
        problems.append(f"Rows sharing invoice '{key}' name different {direction.party}s: {named}; "
                        f"one {direction.entity.lower()} has one {direction.party}")
    total = sum(amounts, Decimal(0))
    if not problems and total >= MAX_AMOUNT:
        problems.append(f"The rows of invoice '{key}' add up to {total:,.2f}: QuickBooks accepts totals below "
                        "10,000,000,000")
    if problems:
        return RowError(rows=numbers, key=key, direction=direction, message="; ".join(problems))

    party_id, (party_name, _, _) = next(iter(parties.items()))
    txn = txn_date or ctx.today
    body: dict[str, Any] = {"DocNumber": doc_number, "TxnDate": txn.isoformat()}
    if due_date is not None and due_date >= txn:  # a paid date before the invoice date cannot be a due date
        body["DueDate"] = due_date.isoformat()
    ref = {"value": party_id, "name": party_name}
    body["CustomerRef" if direction is Direction.INVOICE else "VendorRef"] = ref
    body["Line"] = lines
    if direction is Direction.BILL and ctx.ap_account:
        body["APAccountRef"] = {"value": ctx.ap_account}
    if note := _private_note(rows, owed_acd, owed_workers):
        body["PrivateNote"] = note
    return Payload(direction=direction, key=key, doc_number=doc_number, body=body, amount=total,
                   party_id=party_id, party_name=party_name, rows=numbers)


def _line(direction: Direction, ctx: MappingContext, amount: Decimal, description: str) -> dict[str, Any]:
    line: dict[str, Any] = {"Amount": _money_json(amount)}
    if direction is Direction.INVOICE:
        item = {"value": ctx.item_id, **({"name": ctx.item_name} if ctx.item_name else {})}
        line.update(DetailType="SalesItemLineDetail", SalesItemLineDetail={"ItemRef": item})
    else:
        line.update(DetailType="AccountBasedExpenseLineDetail",
                    AccountBasedExpenseLineDetail={"AccountRef": {"value": ctx.expense_account}})
    if description:
        line["Description"] = description
    return line


def group_rows(rows: Sequence[SheetRow], group_by_invoice: bool) -> tuple[list[list[SheetRow]], list[RowError]]:
    """Rows sharing an `invoice` value: one group when grouping is on, else the first row and an error for the rest.

    Blank keys stay one row per group so `map_rows` reports each of them. Groups come in sheet order.
    """
    groups: list[list[SheetRow]] = []
    by_key: dict[str, list[SheetRow]] = {}
    errors: list[RowError] = []
    for row in sorted(rows, key=lambda r: r.row):
        key = row.get("invoice").strip()
        if not key:
            groups.append([row])
        elif key not in by_key:
            by_key[key] = [row]
            groups.append(by_key[key])
        elif group_by_invoice:
            by_key[key].append(row)
        else:
            first = by_key[key][0].row
            errors.append(RowError(rows=(row.row,), key=key, direction=None, message=(
                f"Invoice number '{key}' is also on row {first}: give each row its own number, or set "
                "QB_GROUP_BY_INVOICE=true to combine them into one invoice")))
    return groups, errors
