"""Customer, vendor, term and tax-code lookups, loaded once per run and only when a run has rows to send.

Order (see the README, "The sync"): `config/qb_customers.json`, then the optional
`qb_customers` worksheet, then an exact DisplayName match among QuickBooks customers, compared client-side
(case- and space-insensitive) because Intuit's query parser rejects non-ASCII names. No silent auto-create.

Terms and tax codes are looked up by name (their Ids differ per company). A setting naming a term or tax code the
company lacks (or has inactive) raises `CompanySetupProblem`: that direction stops with one message for the admin,
instead of one error per row.
"""

from __future__ import annotations

import logging
from pathlib import Path

from quickbooks.errors import FatalAPIError
from quickbooks.rules.directions import Direction
from quickbooks.rules.terms import Term
from quickbooks.rules.values import normalize_name
from tracker.errors import ConfigError, WorksheetNotFound
from quickbooks.wire.client import QboClient
from quickbooks.config import load_name_map
from quickbooks.rules.mapping import NameIndex
from spreadsheet.base import Sheet

log = logging.getLogger(__name__)


class CompanySetupProblem(FatalAPIError):
    """A tax or terms setting that does not fit the connected company: the direction stops, the rows stay pending."""


def read_sheet_map(sheet: Sheet, title: str) -> dict[str, str]:
    """The optional mapping tab (columns `sheet_name`, `qb_customer`); a missing tab is an empty map."""
    try:
        rows = sheet.worksheet(title).read_all()
    except WorksheetNotFound:
        return {}
    if not rows:
        return {}
    header = [cell.strip() for cell in rows[0]]
    if "sheet_name" not in header or "qb_customer" not in header:
        raise ConfigError(f"The '{title}' tab needs the columns sheet_name and qb_customer in row 1")
    name_col, qb_col = header.index("sheet_name"), header.index("qb_customer")
    return {row[name_col].strip(): row[qb_col].strip() for row in rows[1:]
            if len(row) > max(name_col, qb_col) and row[name_col].strip() and row[qb_col].strip()}


class Lookups:
    """Customers and vendors of the connected company, fetched lazily (one query per 1,000 names)."""

    def __init__(self, client: QboClient, customers_file: Path, sheet: Sheet, customers_worksheet: str):
        self.client = client
        self.explicit = load_name_map(customers_file)
        self.sheet = sheet
        self.customers_worksheet = customers_worksheet
        self._customer_objects: list[dict] | None = None
        self._sheet_map: dict[str, str] | None = None
        self._vendors: NameIndex | None = None
        self._vendor_objects: list[dict] | None = None
        self._terms: dict[str, Term] | None = None
        self._tax_codes: list[dict] | None = None

    def customers(self, names: set[str]) -> NameIndex:
        """An index that resolves `names` if anything can; reads the mapping tab only when needed."""
        if self._customer_objects is None:
            # Inactive ones too, so "Customer X is inactive" can be said instead of "not in QuickBooks".
            self._customer_objects = self.client.query_all("Customer", where="Active IN (true, false)")
        index = NameIndex.build(self._customer_objects, self.explicit, self._sheet_map or {})
        if self._sheet_map is None and any(name.strip() and index.resolve(name) is None for name in names):
            self._sheet_map = read_sheet_map(self.sheet, self.customers_worksheet)
            if self._sheet_map:
                index = NameIndex.build(self._customer_objects, self.explicit, self._sheet_map)
        return index

    def vendors(self) -> NameIndex:
        if self._vendors is None:
            self._vendor_objects = self.client.query_all("Vendor", where="Active IN (true, false)")
            self._vendors = NameIndex.build(self._vendor_objects, self.explicit)
        return self._vendors

    def party_facts(self, direction: Direction) -> tuple[dict[str, str], dict[str, str]]:
        """Per customer (vendor) Id of the objects loaded: its term Id (SalesTermRef / TermRef) and its currency."""
        objects = (self._customer_objects if direction is Direction.INVOICE else self._vendor_objects) or []
        ref = "SalesTermRef" if direction is Direction.INVOICE else "TermRef"
        terms = {str(o["Id"]): str(o[ref]["value"]) for o in objects if (o.get(ref) or {}).get("value")}
        currencies = {str(o["Id"]): str(o["CurrencyRef"]["value"]).upper() for o in objects
                      if (o.get("CurrencyRef") or {}).get("value")}
        return terms, currencies

    def terms(self) -> dict[str, Term]:
        """Every Term of the company by Id, inactive ones too (one query per run)."""
        if self._terms is None:
            self._terms = {t.id: t for t in map(Term.of, self.client.query_all("Term", where="Active IN (true, false)"))}
        return self._terms

    def term_named(self, name: str) -> Term:
        """The active Term called `name` (QB_DEFAULT_TERMS); CompanySetupProblem when there is none."""
        terms = self.terms().values()
        found = [t for t in terms if normalize_name(t.name) == normalize_name(name)]
        active = sorted(t.name for t in terms if t.active)
        if any(t.active for t in found):
            return next(t for t in found if t.active)
        if found:
            raise CompanySetupProblem(f"QB_DEFAULT_TERMS '{name}' is inactive in QuickBooks: make it active again "
                                      f"(Sales settings > Terms) or set one of {', '.join(active)}")
        raise CompanySetupProblem(f"QB_DEFAULT_TERMS '{name}' is not a term of this QuickBooks company: set one of "
                                  f"{', '.join(active)} (or add it in QuickBooks)")

    def tax_code_named(self, name: str, country: str) -> tuple[str, str]:
        """(Id, Name) of the active TaxCode called `name` (QB_DEFAULT_TAX_CODE); CompanySetupProblem otherwise."""
        if self._tax_codes is None:
            self._tax_codes = self.client.query_all("TaxCode", where="Active IN (true, false)")
        codes = [c for c in self._tax_codes if c.get("Name") not in ("TAX", "NON")]
        active = sorted(str(c.get("Name")) for c in codes if c.get("Active") is not False)
        fix = f"set it to one of this company's tax codes: {', '.join(active) or '(none)'}"
        if not name:
            raise CompanySetupProblem(f"QB_DEFAULT_TAX_CODE is not set: a QuickBooks company in {country} refuses "
                                      f"every line without a tax code; {fix}")
        found = [c for c in codes if normalize_name(str(c.get("Name", ""))) == normalize_name(name)]
        for code in found:
            if code.get("Active") is not False:
                return str(code["Id"]), str(code["Name"])
        if found:
            raise CompanySetupProblem(f"QB_DEFAULT_TAX_CODE '{name}' is inactive in this QuickBooks company; {fix}")
        raise CompanySetupProblem(f"QB_DEFAULT_TAX_CODE '{name}' is not a tax code of this QuickBooks company "
                                  f"({country}): {fix}")
