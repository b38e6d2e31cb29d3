"""Currencies: the `currency` cell, and whether the sheet's amounts are in the transaction's currency. Pure.

In a multicurrency company a transaction is in its customer's (vendor's) currency. The sheet's amounts are taken in
that currency only when the row's `currency` cell or `QB_SHEET_CURRENCY` says so (without either, the sheet is in
the company's home currency); otherwise the row fails naming both currencies. Nothing is ever converted: a guessed
exchange rate in an accounting system is worse than no invoice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quickbooks.rules.tax import CompanySetup

__all__ = ["parse_currency", "CurrencyDecision", "decide_currency", "ACCEPTED_FORMS"]

SYMBOLS = {"€": "EUR", "£": "GBP", "US$": "USD", "C$": "CAD", "CA$": "CAD", "A$": "AUD", "AU$": "AUD"}
ACCEPTED_FORMS = "a 3-letter ISO code such as EUR, USD or GBP (any case), or € £ US$ C$ A$"


def parse_currency(text: str, column: str = "currency") -> str | None:
    """``EUR`` from ``EUR``, ``eur`` or ``€``; None when blank; ValueError naming the accepted forms otherwise."""
    shown = (text or "").strip()
    if not shown:
        return None
    if shown.upper() in SYMBOLS:
        return SYMBOLS[shown.upper()]
    if len(shown) == 3 and shown.isascii() and shown.isalpha():
        return shown.upper()
    if shown == "$":
        raise ValueError(f"{column} '$' could be US, Canadian or Australian dollars: write USD, CAD or AUD")
    raise ValueError(f"{column} '{shown}' is not a currency: write {ACCEPTED_FORMS}")


@dataclass(frozen=True)
class CurrencyDecision:
    fields: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    problem: str = ""


def decide_currency(company: CompanySetup, stated: str | None, setting: str, party_currency: str | None,
                    party: str) -> CurrencyDecision:
    """`stated`: the rows' `currency` cell; `setting`: QB_SHEET_CURRENCY; `party`: e.g. "Customer 'Globex'"."""
    home = company.home_currency
    sheet, source = ((stated, "the currency column") if stated else
                     (setting, "QB_SHEET_CURRENCY") if setting else
                     (home, "the company's home currency; no currency column or QB_SHEET_CURRENCY says otherwise"))
    if not company.multicurrency:
        if sheet != home:
            return CurrencyDecision(problem=(
                f"The amounts are in {sheet} ({source}), but this QuickBooks company works only in {home} "
                f"(multicurrency is off): enter the amount in {home}, or turn on multicurrency in QuickBooks"))
        return CurrencyDecision()
    wanted = party_currency or home
    if sheet != wanted:
        return CurrencyDecision(problem=(
            f"{party} is in {wanted} in QuickBooks, but the sheet's amount is in {sheet} ({source}): nothing is "
            f"converted; enter the amount in {wanted} and set the row's currency to {wanted}, or use a {sheet} "
            f"{party.split(' ')[0].lower()} in QuickBooks"))
    return CurrencyDecision({"CurrencyRef": {"value": wanted}}, wanted)
