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

from quickbooks.rules.currency import decide_currency, parse_currency
from quickbooks.rules.directions import Direction
from quickbooks.rules.names import NameIndex
from spreadsheet.schema import SOURCE_HEADERS
from quickbooks.rules.values import (MAX_AMOUNT, clean_text, normalize_name, parse_money, parse_optional_money,
                                     parse_sheet_date)
from quickbooks.rules.tax import CompanySetup, TaxChoice, header_tax, line_tax, tax_note, tax_problems
from quickbooks.rules.terms import Term, decide_due

__all__ = ["NameIndex", "SheetRow", "MappingContext", "Payload", "RowError", "map_rows", "group_rows",
           "MAX_DOC_NUMBER", "MAX_TEXT", "description_of", "private_note_of"]

MAX_DOC_NUMBER = 21   # Invoice/Bill DocNumber
MAX_TEXT = 4000       # Line.Description and PrivateNote
CUSTOMER_FIELDS = ("to_client", "end_client")


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
    company: CompanySetup = field(default_factory=CompanySetup)   # country, tax mode, currencies (connect time)
    tax: TaxChoice = field(default_factory=TaxChoice)
    default_term: Term | None = None                              # QB_DEFAULT_TERMS, resolved among active Terms
    party_terms: Mapping[str, Term] = field(default_factory=dict)  # party Id -> its own active term
    party_currencies: Mapping[str, str] = field(default_factory=dict)   # party Id -> its currency (multicurrency)
    sheet_currency: str = ""                                      # QB_SHEET_CURRENCY

    def party_column(self, direction: Direction) -> str:
        """The sheet column naming the customer (QB_CUSTOMER_FIELD) or the vendor (`inv_from`)."""
        return self.customer_field if direction is Direction.INVOICE else "inv_from"

    def parties(self, direction: Direction) -> NameIndex:
        return self.customers if direction is Direction.INVOICE else self.vendors

    def setting_problems(self, direction: Direction) -> list[str]:
        """What this direction needs from the settings and lacks."""
        if direction is Direction.INVOICE and not self.item_id:
            return ["QB_DEFAULT_ITEM_ID is not set: invoices need the Id of the QuickBooks item to bill"]
        if direction is Direction.BILL and not self.expense_account:
            return ["QB_DEFAULT_EXPENSE_ACCOUNT is not set: bills need the Id of an expense account"]
        return tax_problems(self.company, self.tax)

    def line_detail(self, direction: Direction) -> dict[str, Any]:
        """What a line books: the item sold (invoices) or the expense account (bills), and its tax code."""
        tax = line_tax(self.company, self.tax, direction)
        if direction is Direction.INVOICE:
            item = {"value": self.item_id, **({"name": self.item_name} if self.item_name else {})}
            return {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": item, **tax}}
        return {"DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {"AccountRef": {"value": self.expense_account}, **tax}}

    def header_extras(self, direction: Direction) -> dict[str, Any]:
        """Fields of the transaction itself: a Bill's accounts-payable account, how tax is calculated."""
        extras = header_tax(self.company, self.tax)
        if direction is Direction.BILL and self.ap_account:
            extras["APAccountRef"] = {"value": self.ap_account}
        return extras

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
    explain: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)   # the preview's why

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


def description_of(row: SheetRow) -> str:
    job, task = clean_text(row.get("job_name")), clean_text(row.get("task_descr"))
    return f"{job}: {task}" if job and task else job or task


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def private_note_of(rows: Sequence[SheetRow], owed_acd: list[Decimal], owed_workers: list[Decimal]) -> str:
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
    label = direction.party.capitalize()
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
    return f"{label} '{name}' is not in QuickBooks: {direction.facts.unknown_party_fix}"


@dataclass
class _Reading:
    """What the rows of one transaction said, gathered row by row."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    amounts: list[Decimal] = field(default_factory=list)
    parties: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # id -> (DisplayName, sheet name, row)
    txn_date: date | None = None
    due_date: date | None = None       # Inv_paid_date (the seed's rule)
    explicit_due: date | None = None   # the due_date column
    currencies: list[str] = field(default_factory=list)
    owed_acd: list[Decimal] = field(default_factory=list)
    owed_workers: list[Decimal] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal(0))


def map_rows(rows: Sequence[SheetRow], direction: Direction, ctx: MappingContext) -> Payload | RowError:
    """One Invoice or Bill from one row, or from several rows sharing an `invoice` value (one line per row).

    Every problem of every row is collected and returned together in one `RowError`; in a group each is
    prefixed with its row number. Raises ValueError only on misuse (no rows, rows with different keys).
    """
    rows, key = _one_group(rows)
    doc_number = ctx.doc_prefix + clean_text(key)
    problems = _key_problems(key, doc_number, ctx.doc_prefix) + ctx.setting_problems(direction)
    reading = _Reading()
    for row in rows:
        mine = _read_row(row, direction, ctx, reading)
        problems.extend(f"row {row.row}: {p}" if len(rows) > 1 else p for p in mine)
    if len(reading.parties) > 1:
        named = " and ".join(f"'{sheet}' (row {first})" for _, sheet, first in reading.parties.values())
        problems.append(f"Rows sharing invoice '{key}' name different {direction.party}s: {named}; "
                        f"one {direction.entity.lower()} has one {direction.party}")
    extra, explain, decided = _decide(direction, key, reading, ctx)
    problems.extend(decided)
    if not problems and reading.total >= MAX_AMOUNT:
        problems.append(f"The rows of invoice '{key}' add up to {reading.total:,.2f}: QuickBooks accepts totals "
                        "below 10,000,000,000")
    numbers = tuple(r.row for r in rows)
    if problems:
        return RowError(rows=numbers, key=key, direction=direction, message="; ".join(problems))
    return _payload(direction, key, doc_number, rows, reading, ctx, extra, explain)


def _decide(direction: Direction, key: str, reading: _Reading, ctx: MappingContext
            ) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Due date (terms.py) and currency (currency.py) of a transaction whose party is known: body fields, the
    preview's explanation, problems."""
    if len(reading.parties) != 1:
        return {}, {}, []
    party_id, (party_name, _, _) = next(iter(reading.parties.items()))
    due = decide_due(reading.txn_date or ctx.today, reading.explicit_due, reading.due_date,
                     ctx.party_terms.get(party_id), ctx.default_term, direction.party)
    problems = [due.problem] if due.problem else []
    stated = sorted(set(reading.currencies))
    if len(stated) > 1:
        problems.append(f"Rows sharing invoice '{key}' are in different currencies ({', '.join(stated)}): "
                        f"one {direction.entity.lower()} has one currency")
    money = decide_currency(ctx.company, stated[0] if stated else None, ctx.sheet_currency,
                            ctx.party_currencies.get(party_id), f"{direction.party.capitalize()} '{party_name}'")
    if money.problem:
        problems.append(money.problem)
    explain = {"due_rule": due.rule, "tax": tax_note(ctx.company, ctx.tax, direction)}
    if money.note:
        explain["currency"] = money.note
    return {**due.fields, **money.fields}, explain, problems


def _one_group(rows: Sequence[SheetRow]) -> tuple[list[SheetRow], str]:
    if not rows:
        raise ValueError("map_rows needs at least one row")
    ordered = sorted(rows, key=lambda r: r.row)
    key = ordered[0].get("invoice").strip()
    if any(r.get("invoice").strip() != key for r in ordered):
        raise ValueError("map_rows: all rows of a group must share one invoice value")
    return ordered, key


def _key_problems(key: str, doc_number: str, prefix: str) -> list[str]:
    """The number is the row's identity in QuickBooks: after an unanswered create it is looked up by a query, so it
    must be text a QuickBooks query can hold (Intuit's parser refuses non-ASCII and control characters)."""
    if not key:
        return ["invoice is blank: every row needs an invoice number"]
    odd = sorted({ch for ch in key if not ch.isascii() or not ch.isprintable()})
    if odd:
        shown = ", ".join(repr(ch) if not ch.isprintable() else f"'{ch}'" for ch in odd)
        return [f"Invoice number {key!r} contains {shown}: QuickBooks cannot search for such a number, so it could "
                "not be checked for duplicates; use letters, digits, spaces and - / . only"]
    if len(doc_number) > MAX_DOC_NUMBER:
        with_prefix = f" (including the prefix '{prefix}')" if prefix else ""
        return [f"Invoice number '{doc_number}' is {len(doc_number)} characters; QuickBooks allows "
                f"{MAX_DOC_NUMBER}{with_prefix}: shorten it"]
    return []


def _read_row(row: SheetRow, direction: Direction, ctx: MappingContext, reading: _Reading) -> list[str]:
    """Read one row into `reading`; return its problems in words."""
    problems: list[str] = []
    column, index = ctx.party_column(direction), ctx.parties(direction)
    name = clean_text(row.get(column))
    if not name:
        problems.append(f"{column} is blank: enter the {direction.facts.blank_party}")
    elif (found := index.resolve(name)) is None:
        problems.append(_party_problem(direction, column, name, index))
    else:
        reading.parties.setdefault(found[0], (found[1], name, row.row))
    description = description_of(row)
    if len(description) > MAX_TEXT:
        problems.append(f"The description (job_name + task_descr) is {len(description):,} characters; "
                        f"QuickBooks allows {MAX_TEXT:,}: shorten task_descr")
    amount = _collect(problems, parse_money, row.get("inv_dollars"), "inv_dollars")
    for share_column, bucket in (("owed2ACD", reading.owed_acd), ("owed2workers", reading.owed_workers)):
        share = _collect(problems, parse_optional_money, row.get(share_column), share_column)
        if share is not None:
            bucket.append(share)
    submitted = _collect(problems, parse_sheet_date, row.get("submitted_date"), "submitted_date")
    paid = _collect(problems, parse_sheet_date, row.get("Inv_paid_date"), "Inv_paid_date")
    due = _collect(problems, parse_sheet_date, row.get("due_date"), "due_date")
    reading.txn_date, reading.due_date = reading.txn_date or submitted, reading.due_date or paid
    reading.explicit_due = reading.explicit_due or due
    if currency := _collect(problems, parse_currency, row.get("currency"), "currency"):
        reading.currencies.append(currency)
    if amount is not None:
        reading.amounts.append(amount)
        reading.lines.append(_line(direction, ctx, amount, description))
    return problems


def _collect(problems: list[str], parse, text: str, column: str):
    """`parse(text, column)`, or None with its ValueError's message added to `problems`."""
    try:
        return parse(text, column)
    except ValueError as exc:
        problems.append(str(exc))
        return None


def _payload(direction: Direction, key: str, doc_number: str, rows: Sequence[SheetRow], reading: _Reading,
             ctx: MappingContext, extra: dict[str, Any], explain: dict[str, str]) -> Payload:
    party_id, (party_name, _, _) = next(iter(reading.parties.items()))
    txn = reading.txn_date or ctx.today
    body: dict[str, Any] = {"DocNumber": doc_number, "TxnDate": txn.isoformat(), **extra}
    body[direction.party_ref] = {"value": party_id, "name": party_name}
    body["Line"] = reading.lines
    body.update(ctx.header_extras(direction))
    if note := private_note_of(rows, reading.owed_acd, reading.owed_workers):
        body["PrivateNote"] = note
    return Payload(direction=direction, key=key, doc_number=doc_number, body=body, amount=reading.total,
                   party_id=party_id, party_name=party_name, rows=tuple(r.row for r in rows), explain=explain)


def _line(direction: Direction, ctx: MappingContext, amount: Decimal, description: str) -> dict[str, Any]:
    line: dict[str, Any] = {"Amount": _money_json(amount), **ctx.line_detail(direction)}
    if description:
        line["Description"] = description
    return line


def group_rows(rows: Sequence[SheetRow], group_by_invoice: bool) -> tuple[list[list[SheetRow]], list[RowError]]:
    """Rows sharing an `invoice` value: one group when grouping is on, else the first row and an error for the rest.

    A copy (same number, same content) fails with its original: no result could be told apart between them, so
    neither is sent until one is deleted. Blank keys stay one row per group so `map_rows` reports each of them.
    Groups come in sheet order.
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
        else:
            by_key[key].append(row)
    if group_by_invoice:
        return groups, errors
    kept = []
    for group in groups:
        first, *others = group
        key = first.get("invoice").strip()
        copies = [r.row for r in others if _same_cells(r, first)]
        if copies:
            numbers = ", ".join(str(n) for n in [first.row, *copies])
            message = (f"Invoice number '{key}' is on rows {numbers} with the same content: delete the copies, "
                       "or give each row its own number")
            errors.extend(RowError(rows=(n,), key=key, direction=None, message=message) for n in [first.row, *copies])
        else:
            kept.append([first])
        errors.extend(RowError(rows=(r.row,), key=key, direction=None, message=(
            f"Invoice number '{key}' is also on row {first.row}: give each row its own number, or set "
            "QB_GROUP_BY_INVOICE=true to combine them into one invoice")) for r in others if r.row not in copies)
    return kept, errors


def _same_cells(a: SheetRow, b: SheetRow) -> bool:
    return all(a.get(name).strip() == b.get(name).strip() for name in SOURCE_HEADERS)
