"""Which way the money flows for a row, and everything that differs between an Invoice and a Bill.

`inv_from` decides the direction: a name under ``money_in`` (ACD itself) makes a QuickBooks Invoice to the client,
a name under ``money_out`` (a vendor or broker billing ACD) makes a Bill. Names compare the way people type them:
case, surrounding and doubled spaces do not matter. The per-direction facts (QuickBooks entity, party reference,
audit table, sheet columns, words for messages) live on `Direction`, so no other module asks "is this an invoice?".
Pure: the config files are read by `quickbooks/config.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

from quickbooks.rules.values import normalize_name

__all__ = ["Direction", "DirectionMap", "Columns"]


@dataclass(frozen=True)
class Columns:
    """The qb_* columns one direction writes back (`synced_at` only for invoices)."""

    id: str
    url: str
    status: str
    error: str
    balance: str
    paid_date: str
    synced_at: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c for c in (self.id, self.url, self.status, self.synced_at, self.error, self.balance,
                                 self.paid_date) if c)


@dataclass(frozen=True)
class _Facts:
    entity: str            # QuickBooks entity name, as in URLs and answers
    party: str             # who the transaction is with, in words
    party_ref: str         # the reference field naming that party in the body
    audit_table: str
    columns: Columns
    job_id: str            # the scheduler job that syncs this direction
    numbers_per_party: bool  # whose numbering a DocNumber belongs to: the firm's (invoices) or each vendor's (bills)
    custom_numbers_pref: tuple[str, str]  # where Preferences says whether QuickBooks takes our DocNumbers
    settings_page: str     # where a person turns that on in QuickBooks
    blank_party: str       # what to type when the party cell is blank
    unknown_party_fix: str  # what to do when QuickBooks lacks the party


class Direction(StrEnum):
    """The QuickBooks transaction a row becomes; the value is what the audit and the sheet store."""

    INVOICE = "invoice"
    BILL = "bill"

    @property
    def facts(self) -> _Facts:
        return _FACTS[self]

    @property
    def entity(self) -> str:
        return self.facts.entity

    @property
    def party(self) -> str:
        return self.facts.party

    @property
    def party_ref(self) -> str:
        return self.facts.party_ref

    @property
    def columns(self) -> Columns:
        return self.facts.columns

    @property
    def label(self) -> str:
        """``Invoices`` / ``Bills``, for headings."""
        return f"{self.facts.entity}s"


_FACTS = {
    Direction.INVOICE: _Facts(
        "Invoice", "customer", "CustomerRef", "qb_invoice_audit",
        Columns("qb_invoice_id", "qb_invoice_url", "qb_sync_status", "qb_error", "qb_balance", "qb_paid_date",
                "qb_synced_at"), "qb_sync_invoices",
        False, ("SalesFormsPrefs", "CustomTxnNumbers"), "Account and settings > Sales",
        "customer's name as it appears in QuickBooks",
        "add it to config/qb_customers.json, the qb_customers tab, or QuickBooks"),
    Direction.BILL: _Facts(
        "Bill", "vendor", "VendorRef", "qb_bill_audit",
        Columns("qb_bill_id", "qb_bill_url", "qb_bill_status", "qb_bill_error", "qb_bill_balance",
                "qb_bill_paid_date"), "qb_sync_bills", True,
        ("VendorAndPurchasesPrefs", "UseCustomTxnNumbers"), "Account and settings > Expenses",
        "name of who issued the invoice",
        "add it in QuickBooks (Expenses > Vendors) or map it to an existing vendor in config/qb_customers.json"),
}


@dataclass(frozen=True)
class DirectionMap:
    """The ``money_in``/``money_out`` name sets, normalised on construction so lookups forgive case and spaces."""

    money_in: frozenset[str]
    money_out: frozenset[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "money_in", normalised_names(self.money_in))
        object.__setattr__(self, "money_out", normalised_names(self.money_out))
        both = self.money_in & self.money_out
        if both:
            raise ValueError("listed under both money_in and money_out: " + ", ".join(sorted(both)))

    def direction_of(self, inv_from: str) -> Direction | None:
        """Invoice for a money-in name, Bill for a money-out name, None when the name is in neither list."""
        name = normalize_name(inv_from)
        if name in self.money_in:
            return Direction.INVOICE
        if name in self.money_out:
            return Direction.BILL
        return None


def normalised_names(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in (normalize_name(name) for name in names) if n)
