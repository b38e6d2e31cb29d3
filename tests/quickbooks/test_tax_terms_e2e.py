"""Issue 15 end to end: a demo-like workbook synced into a US company, a UK (VAT) company and a multicurrency company
of the emulator. Outcomes: the invoices and bills each company accepted, their due dates from each rule, their tax
and currency, the preview's explanations, and the one message that stops a direction whose tax or terms setting
does not fit the company."""

from __future__ import annotations

import json

import pytest

from emulators.qbo import QboEmulator
from quickbooks.rules.directions import Direction
from tests.builders import HEADER, consent, query_params, sheet_row
from tests.quickbooks.conftest import REDIRECT_URI, read_sheet, settings_with_rows

COMPANIES = {"us": {}, "uk": {"country": "GB"}, "multicurrency": {"multicurrency": True}}
SETTINGS = {"us": {}, "uk": {"default_tax_code": "20.0% S"}, "multicurrency": {}}
H = [*HEADER, "due_date", "currency"]
INVOICE, BILL = Direction.INVOICE, Direction.BILL
ROWS = [H,
        sheet_row("T-1", header=H, to_client="Globex LLC", due_date="2026-04-15"),
        sheet_row("T-2", header=H, to_client="Termed Co"),                       # Net 30 in QuickBooks
        sheet_row("T-3", header=H, to_client="Initech", Inv_paid_date="2026-03-20"),
        sheet_row("T-4", header=H, to_client="Müller & Söhne GmbH", currency="€", inv_dollars="900"),
        sheet_row("T-5", header=H, to_client="Müller & Söhne GmbH", inv_dollars="800"),
        sheet_row("T-6", header=H, to_client="Initech", due_date="2026-02-01"),
        sheet_row("T-7", header=H, to_client="Initech", currency="euros"),
        sheet_row("B-1", header=H, status="pending", inv_from="Slow Vendor", to_client="ACD", inv_dollars="700"),
        sheet_row("B-2", header=H, status="pending", inv_from="Accelebrate", to_client="ACD", inv_dollars="600",
                  due_date="2026-03-31")]


@pytest.fixture(params=list(COMPANIES))
def qbo_emulator(request):
    """The emulator as a US, UK or multicurrency company, with a customer and a vendor that have their own terms."""
    emulator = QboEmulator(redirect_uris=(REDIRECT_URI,), **COMPANIES[request.param])
    emulator.kind = request.param
    emulator.add_customer("Termed Co", SalesTermRef={"value": "3"})   # Net 30
    emulator.add_vendor("Slow Vendor", TermRef={"value": "4"})        # Net 60
    with emulator.start():
        yield emulator


@pytest.fixture(params=["local"])
def sheet_settings(request, make_settings):
    return settings_with_rows(request, make_settings, ROWS)


@pytest.fixture
def service(make_service, qbo_emulator, tmp_path):
    directions = tmp_path / "directions.json"
    directions.write_text(json.dumps({"money_in": ["ACD"], "money_out": ["Accelebrate", "Slow Vendor"]}))

    def make(**changes):
        return make_service(sync_mode="dual", enable_bills=True, default_expense_account="7",
                            directions_file=directions, **{**SETTINGS[qbo_emulator.kind], **changes})
    return make


def by_number(emulator: QboEmulator, entity: str) -> dict[str, dict]:
    return {obj["DocNumber"]: obj for obj in emulator.created(entity)}


def test_each_company_accepts_the_workbook_with_due_dates_from_each_rule(service, sheet_settings, qbo_emulator):
    kind = qbo_emulator.kind
    preview = {p["key"]: p for p in service().run("cli", dry_run=True).planned if p["action"] == "create"}
    assert {k: p["due_rule"] for k, p in preview.items()} == {
        "T-1": "due_date column", "T-2": "customer terms (Net 30)", "T-3": "Inv_paid_date",
        **({"T-4": "none in the sheet or QuickBooks: QuickBooks' company default"} if kind == "multicurrency" else
           {"T-5": "none in the sheet or QuickBooks: QuickBooks' company default"}),
        "B-1": "vendor terms (Net 60)", "B-2": "due_date column"}
    assert preview["T-1"]["tax"] == ("20.0% S on every line, amounts exclude tax; QuickBooks calculates the tax"
                                     if kind == "uk" else "NON (QB_TAXABLE=false)")

    report = service().run("cli")
    invoices, bills = by_number(qbo_emulator, "Invoice"), by_number(qbo_emulator, "Bill")
    foreign = "T-4" if kind == "multicurrency" else "T-5"
    assert sorted(invoices) == sorted(["T-1", "T-2", "T-3", foreign]) and sorted(bills) == ["B-1", "B-2"]
    assert report.counts.of(INVOICE).synced == 4 and report.counts.of(BILL).synced == 2, report.error
    dues = {k: o["DueDate"] for k, o in {**invoices, **bills}.items()}
    assert dues == {"T-1": "2026-04-15", "T-2": "2026-04-01", "T-3": "2026-03-20", foreign: "2026-03-02",
                    "B-1": "2026-05-01", "B-2": "2026-03-31"}
    assert "SalesTermRef" not in invoices["T-2"]   # the customer's terms decided, QuickBooks does not copy them
    after = read_sheet(sheet_settings)
    assert all(after[k]["qb_sync_status"] == "synced" for k in invoices)
    assert all(after[k]["qb_bill_status"] == "synced" for k in bills)
    assert "due_date 2026-02-01 is before the transaction date 2026-03-02" in after["T-6"]["qb_error"]
    assert "currency 'euros' is not a currency: write a 3-letter ISO code" in after["T-7"]["qb_error"]


def test_tax_and_currency_per_company(service, sheet_settings, qbo_emulator):
    kind = qbo_emulator.kind
    assert service().run("cli").counts.of(INVOICE).synced == 4
    invoices, bills = by_number(qbo_emulator, "Invoice"), by_number(qbo_emulator, "Bill")
    lines = [(o["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"]) for o in invoices.values()]
    after = read_sheet(sheet_settings)
    if kind == "uk":
        assert set(lines) == {"3"} and invoices["T-1"]["GlobalTaxCalculation"] == "TaxExcluded"
        assert invoices["T-1"]["TotalAmt"] == 1800.0 and invoices["T-1"]["TxnTaxDetail"]["TotalTax"] == 300.0
        assert bills["B-1"]["Line"][0]["AccountBasedExpenseLineDetail"]["TaxCodeRef"]["value"] == "3"
        assert bills["B-1"]["GlobalTaxCalculation"] == "TaxExcluded"
    else:
        assert set(lines) == {"NON"} and invoices["T-1"]["TotalAmt"] == 1500.0
        assert "GlobalTaxCalculation" not in invoices["T-1"]
    if kind == "multicurrency":
        assert invoices["T-4"]["CurrencyRef"]["value"] == "EUR" and invoices["T-4"]["TotalAmt"] == 900.0
        assert invoices["T-1"]["CurrencyRef"]["value"] == "USD"
        assert after["T-5"]["qb_sync_status"] == "failed"
        assert ("Customer 'Müller & Söhne GmbH' is in EUR in QuickBooks, but the sheet's amount is in USD"
                in after["T-5"]["qb_error"])
    else:
        home = "GBP" if kind == "uk" else "USD"
        assert after["T-4"]["qb_sync_status"] == "failed"
        assert (f"The amounts are in EUR (the currency column), but this QuickBooks company works only in {home}"
                in after["T-4"]["qb_error"])


@pytest.mark.parametrize("qbo_emulator", ["us"], indirect=True)
def test_default_terms_are_sent_as_the_term_and_quickbooks_dates_from_it(service, sheet_settings, qbo_emulator):
    report = service(default_terms="net 15").run("cli")
    assert report.status == "ok", report.error
    invoices, bills = by_number(qbo_emulator, "Invoice"), by_number(qbo_emulator, "Bill")
    assert invoices["T-3"]["SalesTermRef"]["value"] == "2" and invoices["T-3"]["DueDate"] == "2026-03-17"
    assert invoices["T-2"]["DueDate"] == "2026-04-01" and "SalesTermRef" not in invoices["T-2"]   # its own terms
    assert invoices["T-1"]["DueDate"] == "2026-04-15" and bills["B-1"]["DueDate"] == "2026-05-01"


@pytest.mark.parametrize("qbo_emulator", ["us"], indirect=True)
@pytest.mark.parametrize("name, words", [
    ("Net 99", "QB_DEFAULT_TERMS 'Net 99' is not a term of this QuickBooks company: set one of Due on receipt, "
               "Net 15, Net 30, Net 60"),
    ("Net 45", "QB_DEFAULT_TERMS 'Net 45' is inactive in QuickBooks: make it active again"),
], ids=["unknown-term", "inactive-term"])
def test_a_term_the_company_lacks_stops_each_direction_with_one_message(service, sheet_settings, qbo_emulator, name,
                                                                        words):
    report = service(default_terms=name).run("cli")
    assert report.status != "ok"
    assert report.error.count(words) == 2 and "invoices: " in report.error and "bills: " in report.error
    assert qbo_emulator.created("Invoice") == [] and qbo_emulator.created("Bill") == []
    after = read_sheet(sheet_settings)
    assert {after[k]["qb_sync_status"] for k in ("T-1", "T-2", "T-3")} == {""}   # still pending, not failed
    assert report.counts.of(INVOICE).pending >= 3


@pytest.mark.parametrize("qbo_emulator", ["uk"], indirect=True)
@pytest.mark.parametrize("code, words", [
    ("HST ON", "QB_DEFAULT_TAX_CODE 'HST ON' is not a tax code of this QuickBooks company (GB): set it to one of this "
               "company's tax codes: 0.0% Z, 20.0% S, 5.0% R, Exempt, No VAT"),
    ("17.5% S", "QB_DEFAULT_TAX_CODE '17.5% S' is inactive in this QuickBooks company"),
    ("", "QB_DEFAULT_TAX_CODE is not set: a QuickBooks company in GB refuses every line without a tax code"),
], ids=["code-of-another-country", "inactive-code", "no-code"])
def test_a_tax_code_the_company_lacks_stops_the_direction_with_one_message(service, sheet_settings, qbo_emulator,
                                                                           code, words):
    report = service(default_tax_code=code).run("cli")
    assert report.error is not None and report.error.count(words) == 2, report.error
    assert qbo_emulator.created("Invoice") == [] and qbo_emulator.created("Bill") == []
    assert read_sheet(sheet_settings)["T-1"]["qb_error"] == ""


@pytest.mark.parametrize("qbo_emulator", ["uk"], indirect=True)
def test_the_company_setup_is_read_at_connect_time_and_kept(quickbooks, qbo_emulator):
    session: dict = {}
    quickbooks.finish_connect(session, query_params(consent(quickbooks.connect_url(session))))
    assert json.loads(quickbooks.store.info().company_setup) == {
        "country": "GB", "automated_sales_tax": False, "multicurrency": False, "home_currency": "GBP"}
    qbo_emulator.reset_stats()
    assert quickbooks.company_setup().country == "GB" and qbo_emulator.stats()["api_requests"] == 0   # kept: no request
