"""Customer and vendor lookups, loaded once per run and only when a run has rows to send.

Order (see the README, "The sync"): `config/qb_customers.json`, then the optional
`qb_customers` worksheet, then an exact DisplayName match among QuickBooks customers, compared client-side
(case- and space-insensitive) because Intuit's query parser rejects non-ASCII names. No silent auto-create.
"""

from __future__ import annotations

import logging
from pathlib import Path

from tracker.errors import ConfigError, WorksheetNotFound
from quickbooks.wire.client import QboClient
from quickbooks.config import load_name_map
from quickbooks.rules.mapping import NameIndex
from spreadsheet.base import Sheet

log = logging.getLogger(__name__)


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
            self._vendors = NameIndex.build(self.client.query_all("Vendor", where="Active IN (true, false)"),
                                            self.explicit)
        return self._vendors
