"""Issue 15 in the pure mapping: due dates and which rule decided them, tax codes per company country, currencies.

Table-driven like test_mapping.py: a good row plus the cells that differ, a context change, and the payload value,
the preview's explanation or the words a finance person reads in `qb_error`.
"""

from __future__ import annotations

import dataclasses

import pytest

from quickbooks.rules.currency import parse_currency
from quickbooks.rules.directions import Direction
from quickbooks.rules.mapping import Payload, RowError, map_rows
from quickbooks.rules.tax import CompanySetup, TaxChoice
from quickbooks.rules.terms import Term
from tests.quickbooks.rules.test_mapping import ABSENT, GOOD, GOOD_BILL, dig, make_ctx, row

NET15, NET30, NET60 = Term("2", "Net 15"), Term("3", "Net 30"), Term("4", "Net 60")
US = CompanySetup()
US_AST = CompanySetup(automated_sales_tax=True)
UK = CompanySetup(country="GB", home_currency="GBP")
MULTI = CompanySetup(multicurrency=True)
VAT = TaxChoice(code_id="3", code_name="20.0% S")
# Globex LLC (Id 1) has Net 30 in QuickBooks; Zoë Café Ltd (Id 3) is kept in EUR; Accelebrate (vendor 56) has Net 60
PARTY_TERMS = {"party_terms": {"1": NET30, "56": NET60}}
EURO_CUSTOMER = {"company": MULTI, "party_currencies": {"3": "EUR"}}


def ctx(**changes):
    return make_ctx(**changes)


# --- payment terms ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("cells, changes, due, term, rule", [
    ({"due_date": "2026-04-15", "Inv_paid_date": "2026-03-20"}, {**PARTY_TERMS, "default_term": NET15},
     "2026-04-15", ABSENT, "due_date column"),
    ({"due_date": "04/15/2026"}, {}, "2026-04-15", ABSENT, "due_date column"),
    ({"due_date": "2026-03-02"}, {}, "2026-03-02", ABSENT, "due_date column"),
    ({"Inv_paid_date": "2026-03-20"}, {**PARTY_TERMS, "default_term": NET15}, ABSENT, ABSENT,
     "customer terms (Net 30)"),
    ({"Inv_paid_date": "2026-03-20"}, {"default_term": NET15}, ABSENT, {"value": "2", "name": "Net 15"},
     "QB_DEFAULT_TERMS (Net 15)"),
    ({"Inv_paid_date": "2026-03-20"}, {}, "2026-03-20", ABSENT, "Inv_paid_date"),
    ({"Inv_paid_date": "2026-02-01"}, {}, ABSENT, ABSENT, "none in the sheet or QuickBooks: QuickBooks' company default"),
    ({}, {}, ABSENT, ABSENT, "none in the sheet or QuickBooks: QuickBooks' company default"),
    ({"to_client": "O'Brien & Sons"}, PARTY_TERMS, ABSENT, ABSENT, "none in the sheet or QuickBooks: QuickBooks' "
                                                                   "company default"),
], ids=["due-date-column-wins", "due-date-us-format", "due-date-same-day", "customer-terms-before-default",
        "default-terms-as-salestermref", "seed-rule-paid-date", "paid-date-before-txn-ignored", "no-rule",
        "other-customer-without-terms"])
def test_due_date_rules(cells, changes, due, term, rule):
    payload = map_rows([row(4, **cells)], Direction.INVOICE, ctx(**changes))
    assert isinstance(payload, Payload), payload
    assert (dig(payload.body, ("DueDate",)), dig(payload.body, ("SalesTermRef",))) == (due, term)
    assert payload.explain["due_rule"] == rule


@pytest.mark.parametrize("cells, changes, due, term, rule", [
    ({}, PARTY_TERMS, ABSENT, ABSENT, "vendor terms (Net 60)"),
    ({"inv_from": "BHanalytics"}, {**PARTY_TERMS, "default_term": NET15}, ABSENT, {"value": "2", "name": "Net 15"},
     "QB_DEFAULT_TERMS (Net 15)"),
    ({"due_date": "2026-05-01"}, PARTY_TERMS, "2026-05-01", ABSENT, "due_date column"),
], ids=["vendor-terms", "bill-default-terms", "bill-due-date-column"])
def test_bill_due_date_rules(cells, changes, due, term, rule):
    payload = map_rows([row(3, GOOD_BILL, **cells)], Direction.BILL, ctx(**changes))
    assert isinstance(payload, Payload), payload
    assert (dig(payload.body, ("DueDate",)), dig(payload.body, ("SalesTermRef",))) == (due, term)
    assert payload.explain["due_rule"] == rule


# --- tax -------------------------------------------------------------------------------------------------

LINE_TAX = ("Line", 0, "SalesItemLineDetail", "TaxCodeRef")
BILL_TAX = ("Line", 0, "AccountBasedExpenseLineDetail", "TaxCodeRef")


@pytest.mark.parametrize("direction, changes, path, expected", [
    (Direction.INVOICE, {}, LINE_TAX, {"value": "NON"}),
    (Direction.INVOICE, {}, ("GlobalTaxCalculation",), ABSENT),
    (Direction.INVOICE, {"tax": TaxChoice(taxable=True)}, LINE_TAX, {"value": "TAX"}),
    (Direction.INVOICE, {"company": US_AST}, LINE_TAX, {"value": "NON"}),
    (Direction.BILL, {}, BILL_TAX, ABSENT),
    (Direction.INVOICE, {"company": UK, "tax": VAT}, LINE_TAX, {"value": "3"}),
    (Direction.INVOICE, {"company": UK, "tax": VAT}, ("GlobalTaxCalculation",), "TaxExcluded"),
    (Direction.INVOICE, {"company": UK, "tax": dataclasses.replace(VAT, amounts_include_tax=True)},
     ("GlobalTaxCalculation",), "TaxInclusive"),
    (Direction.BILL, {"company": UK, "tax": VAT}, BILL_TAX, {"value": "3"}),
    (Direction.BILL, {"company": UK, "tax": VAT}, ("GlobalTaxCalculation",), "TaxExcluded"),
    (Direction.INVOICE, {"company": UK, "tax": VAT}, ("CurrencyRef",), ABSENT),
], ids=["us-services-non", "us-no-global-tax", "us-taxable", "us-ast-still-marks-taxability", "us-bill-no-code",
        "uk-vat-code-on-line", "uk-tax-excluded-default", "uk-tax-inclusive", "uk-bill-line-code",
        "uk-bill-global-tax", "uk-home-currency-sends-no-currency"])
def test_tax_fields(direction, changes, path, expected):
    base = GOOD if direction is Direction.INVOICE else GOOD_BILL
    payload = map_rows([row(5, base)], direction, ctx(**changes))
    assert isinstance(payload, Payload), payload
    assert dig(payload.body, path) == expected


@pytest.mark.parametrize("direction, changes, words", [
    (Direction.INVOICE, {}, "NON (QB_TAXABLE=false)"),
    (Direction.INVOICE, {"company": US_AST}, "NON; automated sales tax is on: QuickBooks calculates the tax"),
    (Direction.BILL, {}, "no tax code (US bill)"),
    (Direction.INVOICE, {"company": UK, "tax": VAT}, "20.0% S on every line, amounts exclude tax; QuickBooks "
                                                     "calculates the tax"),
], ids=["us", "us-automated-sales-tax", "us-bill", "uk"])
def test_the_preview_says_how_tax_is_handled(direction, changes, words):
    base = GOOD if direction is Direction.INVOICE else GOOD_BILL
    payload = map_rows([row(5, base)], direction, ctx(**changes))
    assert isinstance(payload, Payload) and payload.explain["tax"] == words


def test_a_non_us_company_without_a_tax_code_fails_the_row_in_plain_words():
    result = map_rows([row(5)], Direction.INVOICE, ctx(company=UK))
    assert isinstance(result, RowError)
    assert "QB_DEFAULT_TAX_CODE is not set: a QuickBooks company in GB needs a tax code on every line" in result.message


# --- currency --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("EUR", "EUR"), ("eur", "EUR"), (" Eur ", "EUR"), ("€", "EUR"), ("£", "GBP"), ("US$", "USD"), ("c$", "CAD"),
    ("", None), ("  ", None),
], ids=["code", "lower-case", "padded", "euro-sign", "pound-sign", "us-dollar", "canadian-dollar", "blank", "spaces"])
def test_parse_currency_accepts(text, expected):
    assert parse_currency(text) == expected


@pytest.mark.parametrize("text, words", [
    ("euros", "currency 'euros' is not a currency: write a 3-letter ISO code such as EUR, USD or GBP (any case), "
              "or € £ US$ C$ A$"),
    ("$", "currency '$' could be US, Canadian or Australian dollars: write USD, CAD or AUD"),
    ("E", "currency 'E' is not a currency"),
    ("€€", "currency '€€' is not a currency"),
], ids=["word", "bare-dollar", "one-letter", "two-signs"])
def test_parse_currency_refuses(text, words):
    with pytest.raises(ValueError) as info:
        parse_currency(text)
    assert str(info.value).startswith(words)


@pytest.mark.parametrize("cells, changes, expected, note", [
    ({}, {}, ABSENT, ABSENT),
    ({"currency": "usd"}, {}, ABSENT, ABSENT),
    ({"to_client": "Zoë Café Ltd", "currency": "eur"}, EURO_CUSTOMER, {"value": "EUR"}, "EUR"),
    ({"to_client": "Zoë Café Ltd", "currency": "€"}, EURO_CUSTOMER, {"value": "EUR"}, "EUR"),
    ({"to_client": "Zoë Café Ltd"}, {**EURO_CUSTOMER, "sheet_currency": "EUR"}, {"value": "EUR"}, "EUR"),
    ({}, EURO_CUSTOMER, {"value": "USD"}, "USD"),
    ({"currency": "USD"}, {**EURO_CUSTOMER, "sheet_currency": "EUR"}, {"value": "USD"}, "USD"),
], ids=["single-currency-company", "home-currency-cell", "euro-code-lower-case", "euro-sign", "sheet-currency-setting",
        "home-currency-customer", "cell-beats-setting"])
def test_currency_fields(cells, changes, expected, note):
    payload = map_rows([row(4, **cells)], Direction.INVOICE, ctx(**changes))
    assert isinstance(payload, Payload), payload
    assert dig(payload.body, ("CurrencyRef",)) == expected
    assert payload.explain.get("currency", ABSENT) == note


# --- bad input -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cells, changes, words", [
    ({"due_date": "2026-02-01"}, PARTY_TERMS,
     "due_date 2026-02-01 is before the transaction date 2026-03-02: a due date cannot come before the date of the "
     "transaction; correct due_date or submitted_date"),
    ({"due_date": "next month"}, {}, "due_date 'next month' is not a date: use YYYY-MM-DD or MM/DD/YYYY"),
    ({"currency": "euros"}, EURO_CUSTOMER, "currency 'euros' is not a currency: write a 3-letter ISO code such as "
                                           "EUR"),
    ({"to_client": "Zoë Café Ltd"}, EURO_CUSTOMER,
     "Customer 'Zoë Café Ltd' is in EUR in QuickBooks, but the sheet's amount is in USD (the company's home currency; "
     "no currency column or QB_SHEET_CURRENCY says otherwise): nothing is converted"),
    ({"to_client": "Zoë Café Ltd", "currency": "GBP"}, EURO_CUSTOMER,
     "Customer 'Zoë Café Ltd' is in EUR in QuickBooks, but the sheet's amount is in GBP (the currency column)"),
    ({}, {**EURO_CUSTOMER, "sheet_currency": "EUR"},
     "Customer 'Globex LLC' is in USD in QuickBooks, but the sheet's amount is in EUR (QB_SHEET_CURRENCY)"),
    ({"currency": "€"}, {},
     "The amounts are in EUR (the currency column), but this QuickBooks company works only in USD (multicurrency is "
     "off)"),
], ids=["due-date-before-txn-date", "due-date-not-a-date", "currency-euros", "euro-customer-dollar-sheet",
        "euro-customer-pound-cell", "dollar-customer-euro-setting", "foreign-cell-single-currency-company"])
def test_bad_input(cells, changes, words):
    result = map_rows([row(6, **cells)], Direction.INVOICE, ctx(**changes))
    assert isinstance(result, RowError), result
    assert words in result.message


def test_grouped_rows_in_two_currencies_fail_together():
    rows = [row(2, invoice="G-1", to_client="Zoë Café Ltd", currency="EUR"),
            row(3, invoice="G-1", to_client="Zoë Café Ltd", currency="USD")]
    result = map_rows(rows, Direction.INVOICE, ctx(**EURO_CUSTOMER))
    assert isinstance(result, RowError) and result.rows == (2, 3)
    assert "Rows sharing invoice 'G-1' are in different currencies (EUR, USD): one invoice has one currency" \
        in result.message


@pytest.mark.parametrize("info, prefs, expected", [
    ({"Country": "US"}, {}, CompanySetup()),
    ({"Country": "USA"}, {"TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": True}}, US_AST),
    ({"Country": "GB"}, {"TaxPrefs": {"UsingSalesTax": True}}, UK),
    ({"Country": "CA"}, {"CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "CAD"}}},
     CompanySetup(country="CA", multicurrency=True, home_currency="CAD")),
    ({}, {"CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}}, MULTI),
], ids=["us", "us-ast-old-country-text", "uk", "canada-multicurrency", "no-country"])
def test_company_setup_from_company_info_and_preferences(info, prefs, expected):
    setup = CompanySetup.from_qbo(info, prefs)
    assert setup == expected and CompanySetup.from_json(setup.to_json()) == setup
