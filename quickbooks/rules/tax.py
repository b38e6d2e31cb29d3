"""The company's tax and currency setup, and the tax fields of a transaction: pure, no I/O.

QuickBooks taxes lines differently per country (reference §12). A US company puts the pseudo codes `TAX` or `NON`
on each sales line (`QB_TAXABLE`; services are not taxable by default, so `NON`); with automated sales tax on
(`Preferences.TaxPrefs.PartnerTaxEnabled`) QuickBooks computes the tax itself from addresses. Every other country
("global" companies: UK VAT, Canadian GST/HST, Australian GST) refuses a line without a real TaxCode: each line
carries the Id of `QB_DEFAULT_TAX_CODE` (looked up by name once per run) and the transaction says whether its amounts
include tax (`GlobalTaxCalculation`, `QB_AMOUNTS_INCLUDE_TAX`).

`CompanySetup` is read once at connect time from CompanyInfo and Preferences (quickbooks/connection.py) and kept
on `qb_tokens.company_setup` as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from quickbooks.rules.directions import Direction

__all__ = ["CompanySetup", "TaxChoice", "HOME_CURRENCY", "line_tax", "header_tax", "tax_note"]

HOME_CURRENCY = {"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD"}   # when Preferences names none


@dataclass(frozen=True)
class CompanySetup:
    """What the connected company's country and preferences mean for tax and currency."""

    country: str = "US"
    automated_sales_tax: bool = False   # US: TaxPrefs.PartnerTaxEnabled
    multicurrency: bool = False         # CurrencyPrefs.MultiCurrencyEnabled
    home_currency: str = "USD"          # CurrencyPrefs.HomeCurrency.value

    @property
    def is_us(self) -> bool:
        return self.country == "US"

    @classmethod
    def from_qbo(cls, company_info: dict, preferences: dict) -> "CompanySetup":
        """From `CompanyInfo` (its top-level 2-letter `Country`; address countries are free text) and `Preferences`."""
        country = str(company_info.get("Country") or "US").strip().upper() or "US"
        if country in ("USA", "UNITED STATES"):
            country = "US"
        tax = preferences.get("TaxPrefs") or {}
        currency = preferences.get("CurrencyPrefs") or {}
        home = str((currency.get("HomeCurrency") or {}).get("value") or HOME_CURRENCY.get(country, "USD")).upper()
        return cls(country=country, automated_sales_tax=country == "US" and tax.get("PartnerTaxEnabled") is True,
                   multicurrency=currency.get("MultiCurrencyEnabled") is True, home_currency=home)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "CompanySetup":
        data = json.loads(text)
        return cls(**{k: data[k] for k in ("country", "automated_sales_tax", "multicurrency", "home_currency")
                      if k in data})


@dataclass(frozen=True)
class TaxChoice:
    """The tax settings of a run, with the tax code resolved to its Id (non-US companies)."""

    taxable: bool = False               # US: QB_TAXABLE
    code_id: str = ""                   # non-US: the Id of QB_DEFAULT_TAX_CODE
    code_name: str = ""
    amounts_include_tax: bool = False   # non-US: QB_AMOUNTS_INCLUDE_TAX


def line_tax(company: CompanySetup, tax: TaxChoice, direction: Direction) -> dict[str, Any]:
    """The TaxCodeRef a line's detail carries: TAX/NON on US invoice lines, the chosen code elsewhere.

    A US Bill's expense lines carry none (US sales tax is charged on sales; QuickBooks needs nothing on a bill)."""
    if company.is_us:
        if direction is Direction.INVOICE:
            return {"TaxCodeRef": {"value": "TAX" if tax.taxable else "NON"}}
        return {}
    return {"TaxCodeRef": {"value": tax.code_id}} if tax.code_id else {}


def header_tax(company: CompanySetup, tax: TaxChoice) -> dict[str, Any]:
    """`GlobalTaxCalculation` for non-US companies (Intuit: required there, not applicable to US companies)."""
    if company.is_us:
        return {}
    return {"GlobalTaxCalculation": "TaxInclusive" if tax.amounts_include_tax else "TaxExcluded"}


def tax_problems(company: CompanySetup, tax: TaxChoice) -> list[str]:
    if not company.is_us and not tax.code_id:
        return [f"QB_DEFAULT_TAX_CODE is not set: a QuickBooks company in {company.country} needs a tax code on "
                "every line"]
    return []


def tax_note(company: CompanySetup, tax: TaxChoice, direction: Direction) -> str:
    """What the preview says about tax."""
    if company.is_us:
        if direction is Direction.BILL:
            return "no tax code (US bill)"
        code = "TAX" if tax.taxable else "NON"
        if company.automated_sales_tax:
            return f"{code}; automated sales tax is on: QuickBooks calculates the tax"
        return f"{code} (QB_TAXABLE={'true' if tax.taxable else 'false'})"
    included = "amounts include tax" if tax.amounts_include_tax else "amounts exclude tax"
    return f"{tax.code_name or tax.code_id} on every line, {included}; QuickBooks calculates the tax"
