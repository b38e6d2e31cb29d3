"""QBO emulator: the company's country and tax (emulators/qbo_country.py, qbo_tax.py; reference §12) over real HTTP
— CompanyInfo and Preferences per country, TaxCode/TaxRate lists, the refusal of a line without a tax code outside
the US, TAX/NON in the US, GlobalTaxCalculation, and the tax QuickBooks computes (a real Canadian answer
reproduced)."""

from __future__ import annotations

import pytest

from tests.emulators.qbo_helpers import (ACCELEBRATE, GLOBEX, bill_body, expense_line, fault_of, invoice_body,
                                         sales_line)

MISSING = "Business Validation Error: Make sure all your transactions have a {} rate before you save."
TAX_REF = "Line.SalesItemLineDetail.TaxCodeRef"


def codes(answer) -> list[str]:
    return [e["code"] for e in fault_of(answer)]


# ------------------------------------------------------------------------------------- company profile
@pytest.mark.parametrize("country, home, using_sales_tax", [
    ("US", "USD", False), ("GB", "GBP", True), ("CA", "CAD", True), ("AU", "AUD", True)])
def test_companyinfo_and_preferences_follow_the_country(make_api, country, home, using_sales_tax):
    api = make_api(country=country)
    info = api.get(f"companyinfo/{api.emu.realm_id}").json()["CompanyInfo"]
    assert info["Country"] == info["CompanyAddr"]["Country"] == info["LegalAddr"]["Country"] == country
    assert info["LegalAddr"]["Id"] != info["CompanyAddr"]["Id"]
    prefs = api.get("preferences").json()["Preferences"]
    assert prefs["TaxPrefs"] == {"UsingSalesTax": using_sales_tax, "PartnerTaxEnabled": False}
    assert prefs["CurrencyPrefs"] == {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": home}}
    assert "DefaultTerms" not in prefs["SalesFormsPrefs"]
    queried = api.query("select * from Preferences").json()["QueryResponse"]["Preferences"][0]
    assert queried["CurrencyPrefs"] == prefs["CurrencyPrefs"]
    globex = api.get(f"customer/{GLOBEX}").json()["Customer"]
    assert globex["CurrencyRef"]["value"] == home and api.get("account/7").json()["Account"]["CurrencyRef"]["value"] == home


def test_the_default_company_is_still_the_us_one(qbo_api):
    info = qbo_api.get(f"companyinfo/{qbo_api.emu.realm_id}").json()["CompanyInfo"]
    assert info["Country"] == "US" and info["CompanyAddr"]["City"] == "San Pablo"
    invoice = qbo_api.post("invoice", json=invoice_body()).json()["Invoice"]
    assert invoice["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}
    assert invoice["TotalAmt"] == 100.0 and invoice["TxnTaxDetail"] == {"TotalTax": 0}
    assert invoice["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert "GlobalTaxCalculation" not in invoice and "ExchangeRate" not in invoice and "HomeTotalAmt" not in invoice


def test_country_changes_at_run_time_through_the_control_api(qbo_api):
    assert qbo_api.control("POST", "behaviour", json={"country": "GB"}).json()["country"] == "GB"
    assert qbo_api.get(f"companyinfo/{qbo_api.emu.realm_id}").json()["CompanyInfo"]["Country"] == "GB"
    assert qbo_api.get(f"customer/{GLOBEX}").json()["Customer"]["CurrencyRef"]["value"] == "GBP"
    assert codes(qbo_api.post("invoice", json=invoice_body())) == ["6000"]
    invoice = qbo_api.post("invoice", json=invoice_body(Line=[sales_line(100.0, "3")])).json()["Invoice"]
    assert invoice["CurrencyRef"]["value"] == "GBP" and invoice["TotalAmt"] == 120.0
    refused = qbo_api.control("POST", "behaviour", json={"country": "FR"})
    assert refused.status_code == 400 and "US, GB, CA, AU" in refused.json()["error"]
    assert qbo_api.emu.set_behaviour(country="US")["country"] == "US"
    assert qbo_api.post("invoice", json=invoice_body()).status_code == 200


# ----------------------------------------------------------------------------------------- tax lists
@pytest.mark.parametrize("country, active, inactive", [
    ("US", {"TAX", "NON", "California"}, "Alameda County Tax"),
    ("GB", {"20.0% S", "0.0% Z", "5.0% R", "No VAT", "Exempt"}, "17.5% S"),
    ("CA", {"Exempt", "Zero-rated", "GST/HST Adjustment", "HST ON", "Out of Scope", "GST"}, "HST NS"),
    ("AU", {"GST", "GST free", "GST on non-capital", "Input tax", "Out of scope"}, "Wine Equalisation Tax"),
])
def test_tax_codes_per_country(make_api, country, active, inactive):
    api = make_api(country=country)
    listed = api.query("select * from TaxCode").json()["QueryResponse"]["TaxCode"]
    assert {code["Name"] for code in listed} == active
    hidden = api.query("select * from TaxCode where Active = false").json()["QueryResponse"]["TaxCode"]
    assert [code["Name"] for code in hidden] == [inactive] and hidden[0]["Active"] is False
    found = api.query(f"select * from TaxCode where Name = '{inactive}' and Active in (true, false)").json()
    assert found["QueryResponse"]["TaxCode"][0]["Id"] == hidden[0]["Id"]
    read = api.get(f"taxcode/{hidden[0]['Id']}").json()["TaxCode"]
    assert read == hidden[0]
    rates = {rate["Id"]: rate for rate in api.query("select * from TaxRate where Active in (true, false)").json()[
        "QueryResponse"]["TaxRate"]}
    for code in listed + hidden:
        for side in ("SalesTaxRateList", "PurchaseTaxRateList"):
            for detail in code.get(side, {}).get("TaxRateDetail", []):
                assert rates[detail["TaxRateRef"]["value"]]["Name"] == detail["TaxRateRef"]["name"]


def test_tax_code_shapes(make_api):
    standard = make_api(country="GB").get("taxcode/3").json()["TaxCode"]
    assert standard["Name"] == "20.0% S" and standard["Taxable"] is True and standard["Hidden"] is False
    assert standard["SalesTaxRateList"]["TaxRateDetail"] == [
        {"TaxRateRef": {"value": "4", "name": "SS-20.0"}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]
    assert standard["PurchaseTaxRateList"]["TaxRateDetail"][0]["TaxRateRef"] == {"value": "3", "name": "SP-20.0"}
    rate = make_api(country="GB").get("taxrate/4").json()["TaxRate"]
    assert (rate["Name"], rate["RateValue"], rate["Active"]) == ("SS-20.0", 20, True)
    us = make_api().query("select * from TaxCode where Id = 'NON'").json()["QueryResponse"]["TaxCode"]
    assert us[0]["Name"] == "NON" and us[0]["Taxable"] is False


def test_another_countrys_code_is_not_in_the_list(make_api):
    api = make_api(country="GB")
    assert api.query("select * from TaxCode where Name = 'HST ON'").json()["QueryResponse"] == {}
    assert api.get("taxcode/TAX").status_code == 400


# --------------------------------------------------------------------------------------- line tax codes
@pytest.mark.parametrize("country, line, status, expected", [
    ("GB", sales_line(100.0), 400, ("6000", MISSING.format("VAT"), "")),
    ("CA", sales_line(100.0), 400, ("6000", MISSING.format("GST/HST"), "")),
    ("AU", sales_line(100.0), 400, ("6000", MISSING.format("GST"), "")),
    ("GB", sales_line(100.0, "3"), 200, 120.0),
    ("GB", sales_line(100.0, "17"), 200, 100.0),
    ("CA", sales_line(100.0, "5"), 200, 113.0),
    ("AU", sales_line(100.0, "4"), 200, 110.0),
    ("GB", sales_line(100.0, "TAX"), 400, ("2500", "Invalid Reference Id", TAX_REF)),
    ("GB", sales_line(100.0, "11"), 400, ("2500", "Invalid Reference Id", TAX_REF)),
    ("GB", sales_line(100.0, "99"), 400, ("2500", "Invalid Reference Id", TAX_REF)),
    ("CA", sales_line(100.0, "8"), 400, ("2500", "Invalid Reference Id", TAX_REF)),
    ("US", sales_line(100.0), 200, 100.0),
    ("US", sales_line(100.0, "NON"), 200, 100.0),
    ("US", sales_line(100.0, "TAX"), 200, 100.0),
    ("US", sales_line(100.0, "2"), 400, ("6100", "Valid line TaxCodes for US should be TAX or NON. Supplied value: 2",
                                         TAX_REF)),
    ("US", sales_line(100.0, "20.0% S"), 400, ("6100", "Supplied value: 20.0% S", TAX_REF)),
], ids=["gb-none", "ca-none", "au-none", "gb-standard", "gb-exempt", "ca-hst", "au-gst", "gb-us-pseudo",
        "gb-inactive", "gb-unknown", "ca-inactive", "us-none", "us-non", "us-tax", "us-numeric", "us-gb-name"])
def test_line_tax_codes(make_api, country, line, status, expected):
    answer = make_api(country=country).post("invoice", json=invoice_body(Line=[line]))
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json()["Invoice"]["TotalAmt"] == expected
        return
    [only] = fault_of(answer)
    code, words, element = expected
    assert only["code"] == code and words in (only["Message"] + " " + only["Detail"]) and only["element"] == element


def test_every_us_line_with_a_bad_code_is_named(qbo_api):
    errors = fault_of(qbo_api.post("invoice", json=invoice_body(Line=[sales_line(10.0, "8"), sales_line(5.0, "NON"),
                                                                      sales_line(20.0, "9")])))
    assert [(e["code"], e["Message"], e["Detail"][-17:]) for e in errors] == [
        ("6100", "Invalid Line TaxCode in the request", "Supplied value: 8"),
        ("6100", "Invalid Line TaxCode in the request", "Supplied value: 9")]


def test_one_fault_for_all_lines_without_a_code(make_api):
    api = make_api(country="GB")
    errors = fault_of(api.post("invoice", json=invoice_body(Line=[sales_line(10.0), sales_line(5.0, "3"),
                                                                  sales_line(20.0)])))
    assert len(errors) == 1 and errors[0]["Detail"] == MISSING.format("VAT")
    assert api.emu.created("Invoice") == []


def test_structural_errors_come_before_the_missing_tax_code(make_api):
    errors = fault_of(make_api(country="GB").post("invoice", json=invoice_body("999", Line=[sales_line(10.0)])))
    assert [e["code"] for e in errors] == ["2500"] and errors[0]["element"] == "CustomerRef"


def test_a_documentation_line_needs_no_tax_code(make_api):
    lines = [sales_line(100.0, "3"), {"Amount": 0, "Description": "Notes", "DetailType": "SalesItemLineDetail",
                                      "SalesItemLineDetail": {}}]
    answer = make_api(country="GB").post("invoice", json=invoice_body(Line=lines))
    assert answer.status_code == 200 and answer.json()["Invoice"]["TotalAmt"] == 120.0


# ---------------------------------------------------------------------------------------- computed tax
def test_a_uk_invoice_at_20_percent(make_api):
    line = sales_line(250.0, Qty=2, UnitPrice=125)
    line["SalesItemLineDetail"]["TaxCodeRef"] = {"value": "3", "name": "20.0% S"}
    invoice = make_api(country="GB").post("invoice", json=invoice_body(Line=[line])).json()["Invoice"]
    assert invoice["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "3"}   # the name sent is dropped
    assert invoice["GlobalTaxCalculation"] == "TaxExcluded"
    assert invoice["TxnTaxDetail"] == {"TotalTax": 50.0, "TaxLine": [
        {"Amount": 50.0, "DetailType": "TaxLineDetail",
         "TaxLineDetail": {"TaxRateRef": {"value": "4"}, "PercentBased": True, "TaxPercent": 20,
                           "NetAmountTaxable": 250.0}}]}
    assert invoice["TotalAmt"] == invoice["Balance"] == 300.0
    assert invoice["CurrencyRef"] == {"value": "GBP", "name": "British Pound Sterling"}


def test_the_real_canadian_answer_is_reproduced(make_api):
    """hotgluexyz/target-quickbooks-v2 invoice_cad_with_taxes_create_test (a real CA sandbox, 2025-10): 50 at
    HST ON + 70 Exempt, a discount of 10 -> NetAmountTaxable 45.83/64.17, TotalTax 5.96, TotalAmt 115.96."""
    api = make_api(country="CA", multicurrency=True)
    lines = [sales_line(50.0, "5", Qty=5, UnitPrice=10), sales_line(70.0, "2", Qty=1, UnitPrice=70),
             {"DetailType": "DiscountLineDetail", "Amount": 10.0, "DiscountLineDetail": {"PercentBased": False}}]
    invoice = api.post("invoice", json=invoice_body(Line=lines, TxnDate="2025-10-21", DueDate="2025-10-31",
                                                    ExchangeRate=1.0)).json()["Invoice"]
    assert invoice["TxnTaxDetail"] == {"TotalTax": 5.96, "TaxLine": [
        {"Amount": 0.0, "DetailType": "TaxLineDetail",
         "TaxLineDetail": {"TaxRateRef": {"value": "2"}, "PercentBased": True, "TaxPercent": 0,
                           "NetAmountTaxable": 64.17}},
        {"Amount": 5.96, "DetailType": "TaxLineDetail",
         "TaxLineDetail": {"TaxRateRef": {"value": "12"}, "PercentBased": True, "TaxPercent": 13,
                           "NetAmountTaxable": 45.83}}]}
    assert (invoice["TotalAmt"], invoice["HomeTotalAmt"], invoice["Balance"], invoice["HomeBalance"]) == \
        (115.96, 115.96, 115.96, 115.96)
    assert (invoice["CurrencyRef"], invoice["ExchangeRate"], invoice["GlobalTaxCalculation"], invoice["DueDate"]) == \
        ({"value": "CAD", "name": "Canadian Dollar"}, 1, "TaxExcluded", "2025-10-31")
    assert api.get(f"customer/{GLOBEX}").json()["Customer"]["Balance"] == 115.96


@pytest.mark.parametrize("calculation, status, total, tax", [
    (None, 200, 120.0, 20.0), ("TaxExcluded", 200, 120.0, 20.0), ("TaxInclusive", 200, 120.0, 20.0),
    ("NotApplicable", 200, 100.0, 0), ("Gross", 400, None, None)])
def test_global_tax_calculation(make_api, calculation, status, total, tax):
    fields = {"GlobalTaxCalculation": calculation} if calculation else {}
    answer = make_api(country="GB").post("invoice", json=invoice_body(Line=[sales_line(100.0, "3")], **fields))
    assert answer.status_code == status
    if status == 400:
        assert [(e["code"], e["element"]) for e in fault_of(answer)] == [("2170", "GlobalTaxCalculation")]
        return
    invoice = answer.json()["Invoice"]
    assert (invoice["TotalAmt"], invoice["TxnTaxDetail"]["TotalTax"]) == (total, tax)
    assert invoice["GlobalTaxCalculation"] == (calculation or "TaxExcluded")


def test_not_applicable_needs_no_tax_code(make_api):
    answer = make_api(country="GB").post("invoice", json=invoice_body(GlobalTaxCalculation="NotApplicable"))
    assert answer.status_code == 200 and answer.json()["Invoice"]["TxnTaxDetail"] == {"TotalTax": 0}


@pytest.mark.parametrize("country, line, status, total, rate", [
    ("GB", expense_line(200.0, "3"), 200, 240.0, "3"),
    ("CA", expense_line(200.0, "5"), 200, 226.0, "11"),
    ("AU", expense_line(200.0, "2"), 200, 220.0, "2"),
    ("GB", expense_line(200.0), 400, None, None),
    ("US", expense_line(200.0), 200, 200.0, None),
    ("US", expense_line(200.0, "TAX"), 200, 200.0, None),
], ids=["gb", "ca", "au-non-capital", "gb-none", "us-none", "us-tax"])
def test_bills_use_the_purchase_rates(make_api, country, line, status, total, rate):
    api = make_api(country=country)
    answer = api.post("bill", json=bill_body(Line=[line]))
    assert answer.status_code == status, answer.text
    if status == 400:
        assert fault_of(answer)[0]["Detail"] == MISSING.format("VAT")
        return
    bill = answer.json()["Bill"]
    assert bill["TotalAmt"] == total and api.get(f"vendor/{ACCELEBRATE}").json()["Vendor"]["Balance"] == total
    if rate:
        assert bill["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["TaxRateRef"] == {"value": rate}
    else:
        assert bill["Line"][0]["AccountBasedExpenseLineDetail"]["TaxCodeRef"]["value"] in ("NON", "TAX")


def test_an_update_recomputes_the_tax(make_api):
    api = make_api(country="GB")
    invoice = api.post("invoice", json=invoice_body(Line=[sales_line(100.0, "3")])).json()["Invoice"]
    updated = api.post("invoice", json={"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True,
                                        "Line": [sales_line(100.0, "7")]}).json()["Invoice"]
    assert (updated["TotalAmt"], updated["TxnTaxDetail"]["TotalTax"]) == (105.0, 5.0)
    assert api.get(f"customer/{GLOBEX}").json()["Customer"]["Balance"] == 105.0
    errors = fault_of(api.post("invoice", json={"Id": invoice["Id"], "SyncToken": updated["SyncToken"],
                                                "sparse": True, "Line": [sales_line(100.0)]}))
    assert errors[0]["Detail"] == MISSING.format("VAT")


# ----------------------------------------------------------------------------------- automated sales tax
def test_us_automated_sales_tax(make_api):
    api = make_api(automated_sales_tax=True)
    assert api.get("preferences").json()["Preferences"]["TaxPrefs"] == {"UsingSalesTax": True,
                                                                       "PartnerTaxEnabled": True}
    invoice = api.post("invoice", json=invoice_body()).json()["Invoice"]
    assert invoice["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}   # Intuit blog 2018-03-28
    assert api.post("invoice", json=invoice_body(Line=[sales_line(1.0, "NON")])).json()["Invoice"]["Line"][0][
        "SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}
    gb = make_api(country="GB", automated_sales_tax=True)   # a US setting: no effect elsewhere
    assert gb.get("preferences").json()["Preferences"]["TaxPrefs"] == {"UsingSalesTax": True,
                                                                      "PartnerTaxEnabled": False}


def test_batch_items_follow_the_same_rules(make_api):
    api = make_api(country="GB")
    items = [{"bId": "1", "operation": "create", "Invoice": invoice_body()},
             {"bId": "2", "operation": "create", "Invoice": invoice_body(Line=[sales_line(10.0, "3")])}]
    answers = api.post("batch", json={"BatchItemRequest": items}).json()["BatchItemResponse"]
    by_id = {item["bId"]: item for item in answers}
    assert by_id["1"]["Fault"]["Error"][0]["Detail"] == MISSING.format("VAT")
    assert by_id["2"]["Invoice"]["TotalAmt"] == 12.0
