"""QBO emulator: currencies (emulators/qbo_currency.py; reference §12) over real HTTP — customers and vendors in a
foreign currency with multicurrency on, a transaction in another currency refused, the party's currency taken
when none is sent, ExchangeRate and home-currency amounts, and the refusal of a foreign currency without
multicurrency."""

from __future__ import annotations

import pytest

from emulators.qbo import QboEmulator
from tests.emulators.qbo_helpers import (GLOBEX, bill_body, fault_of, invoice_body, payment_body, sales_line)

MISMATCH = "Business Validation Error: The transaction needs to be in the same currency as the A/R and A/P accounts " \
           "you use."
MULLER = "11"   # the demo's "Müller & Söhne GmbH"
EUR = {"value": "EUR", "name": "Euro"}


def only_error(answer) -> tuple[str, str, str]:
    [problem] = fault_of(answer)
    return problem["code"], problem["Detail"], problem["element"]


@pytest.fixture
def multi(make_api):
    return make_api(multicurrency=True)


def test_preferences_and_the_demos_euro_customer(multi):
    assert multi.get("preferences").json()["Preferences"]["CurrencyPrefs"] == {
        "MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}
    muller = multi.get(f"customer/{MULLER}").json()["Customer"]
    assert muller["DisplayName"] == "Müller & Söhne GmbH" and muller["CurrencyRef"] == EUR
    assert multi.get(f"customer/{GLOBEX}").json()["Customer"]["CurrencyRef"]["value"] == "USD"


def test_the_demo_customer_is_in_the_home_currency_without_multicurrency(qbo_api):
    assert qbo_api.get(f"customer/{MULLER}").json()["Customer"]["CurrencyRef"]["value"] == "USD"


@pytest.mark.parametrize("currency, status, expected", [
    (None, 200, ("EUR", 1.08, 108.0)),
    ({"value": "EUR"}, 200, ("EUR", 1.08, 108.0)),
    ({"value": "USD"}, 400, ("6000", MISMATCH, "")),
    ({"value": "GBP"}, 400, ("6000", MISMATCH, "")),
    ({"value": "eur"}, 400, ("2500", None, "CurrencyRef")),
], ids=["none-sent", "eur", "usd", "gbp", "lower-case"])
def test_a_euro_customers_invoice(multi, currency, status, expected):
    customer = multi.emu.add_customer("Euro Kunde AG", CurrencyRef={"value": "EUR"})
    fields = {"CurrencyRef": currency} if currency else {}
    answer = multi.post("invoice", json=invoice_body(customer["Id"], 100.0, **fields))
    assert answer.status_code == status, answer.text
    if status == 400:
        code, detail, element = only_error(answer)
        assert (code, element) == (expected[0], expected[2]) and (expected[1] is None or detail == expected[1])
        assert multi.emu.created("Invoice") == []
        return
    invoice = answer.json()["Invoice"]
    assert (invoice["CurrencyRef"]["value"], invoice["ExchangeRate"], invoice["HomeTotalAmt"]) == expected
    assert (invoice["TotalAmt"], invoice["Balance"], invoice["HomeBalance"]) == (100.0, 100.0, 108.0)
    assert invoice["CurrencyRef"] == EUR
    assert multi.get(f"customer/{customer['Id']}").json()["Customer"]["Balance"] == 100.0   # in euros


@pytest.mark.parametrize("rate, status", [(1.1234, 200), (2, 200), (0, 400), (-1.5, 400), ("1.1", 400),
                                          (True, 400)])
def test_the_exchange_rate_sent(multi, rate, status):
    answer = multi.post("invoice", json=invoice_body(MULLER, 200.0, ExchangeRate=rate))
    assert answer.status_code == status
    if status == 200:
        invoice = answer.json()["Invoice"]
        assert invoice["ExchangeRate"] == rate and invoice["HomeTotalAmt"] == round(200.0 * rate, 2)
    else:
        assert only_error(answer)[0] == "2010" and only_error(answer)[2] == "ExchangeRate"


def test_a_home_currency_invoice_has_rate_one(multi):
    invoice = multi.post("invoice", json=invoice_body(GLOBEX, 50.0, ExchangeRate=1.3)).json()["Invoice"]
    assert (invoice["CurrencyRef"]["value"], invoice["ExchangeRate"], invoice["HomeTotalAmt"]) == ("USD", 1, 50.0)


def test_home_amounts_follow_payments_and_voids(multi):
    invoice = multi.post("invoice", json=invoice_body(MULLER, 100.0, ExchangeRate=1.25)).json()["Invoice"]
    payment = multi.post("payment", json=payment_body(MULLER, 40.0, (invoice["Id"], 40.0))).json()["Payment"]
    assert payment["CurrencyRef"] == EUR
    paid = multi.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert (paid["Balance"], paid["HomeBalance"], paid["HomeTotalAmt"]) == (60.0, 75.0, 125.0)
    updated = multi.post("invoice", json={"Id": invoice["Id"], "SyncToken": paid["SyncToken"], "sparse": True,
                                          "Line": [sales_line(200.0)]}).json()["Invoice"]
    assert (updated["TotalAmt"], updated["Balance"], updated["HomeTotalAmt"], updated["HomeBalance"]) == \
        (200.0, 160.0, 250.0, 200.0)


def test_a_euro_vendors_bill(multi):
    vendor = multi.emu.add_vendor("Lieferant GmbH", CurrencyRef={"value": "EUR"})
    bill = multi.post("bill", json=bill_body(vendor["Id"], 300.0)).json()["Bill"]
    assert (bill["CurrencyRef"], bill["ExchangeRate"], bill["HomeTotalAmt"]) == (EUR, 1.08, 324.0)
    assert only_error(multi.post("bill", json=bill_body(vendor["Id"], CurrencyRef={"value": "USD"})))[1] == MISMATCH


def test_customers_and_vendors_through_the_api(multi):
    created = multi.post("customer", json={"DisplayName": "Yen KK", "CurrencyRef": {"value": "JPY"}}).json()
    assert created["Customer"]["CurrencyRef"] == {"value": "JPY", "name": "Japanese Yen"}
    plain = multi.post("vendor", json={"DisplayName": "Home Supplies"}).json()["Vendor"]
    assert plain["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert only_error(multi.post("customer", json={"DisplayName": "Bad Money", "CurrencyRef": {"value": "XYZ"}})) == \
        ("2500", "Invalid Reference Id : Something you're trying to use has been made inactive. Check the fields "
                 "with accounts, customers, items, vendors or employees.", "CurrencyRef")


@pytest.mark.parametrize("country, rate", [("GB", 0.850394), ("CA", 1.479452), ("AU", 1.636364)])
def test_the_days_rate_into_another_home_currency(make_api, country, rate):
    api = make_api(country=country, multicurrency=True)
    tax_code = {"GB": "3", "CA": "5", "AU": "4"}[country]
    invoice = api.post("invoice", json=invoice_body(MULLER, Line=[sales_line(100.0, tax_code)])).json()["Invoice"]
    assert invoice["CurrencyRef"] == EUR and invoice["ExchangeRate"] == rate
    assert invoice["HomeTotalAmt"] == round(invoice["TotalAmt"] * rate, 2)


def test_company_currencies(multi, qbo_api):
    listed = multi.query("select * from CompanyCurrency").json()["QueryResponse"]["CompanyCurrency"]
    codes = [row["Code"] for row in listed]
    assert "EUR" in codes and "USD" not in codes and all(row["Active"] for row in listed)
    assert multi.query("select * from Currency").json()["QueryResponse"]["CompanyCurrency"] == listed
    assert multi.get(f"companycurrency/{listed[0]['Id']}").json()["CompanyCurrency"] == listed[0]
    assert qbo_api.query("select * from CompanyCurrency").json()["QueryResponse"] == {}


# ------------------------------------------------------------------------------------ multicurrency off
def test_without_multicurrency_a_foreign_currency_is_refused(qbo_api):
    assert only_error(qbo_api.post("invoice", json=invoice_body(CurrencyRef={"value": "EUR"}))) == \
        ("6000", MISMATCH, "")
    assert only_error(qbo_api.post("bill", json=bill_body(CurrencyRef={"value": "EUR"}))) == ("6000", MISMATCH, "")
    assert only_error(qbo_api.post("customer", json={"DisplayName": "Euro Only",
                                                     "CurrencyRef": {"value": "EUR"}}))[0] == "6000"
    with pytest.raises(ValueError, match="6000"):
        qbo_api.emu.add_customer("Euro Direct", CurrencyRef={"value": "EUR"})
    invoice = qbo_api.post("invoice", json=invoice_body(CurrencyRef={"value": "USD"})).json()["Invoice"]
    assert invoice["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert "ExchangeRate" not in invoice and "HomeTotalAmt" not in invoice and "HomeBalance" not in invoice


def test_turning_multicurrency_on_at_run_time(qbo_api):
    assert qbo_api.control("POST", "behaviour", json={"multicurrency": True}).json()["multicurrency"] is True
    customer = qbo_api.emu.add_customer("Franc SA", CurrencyRef={"value": "CHF"})
    invoice = qbo_api.post("invoice", json=invoice_body(customer["Id"], 10.0)).json()["Invoice"]
    assert (invoice["CurrencyRef"]["value"], invoice["ExchangeRate"], invoice["HomeTotalAmt"]) == ("CHF", 1.12, 11.2)
    assert qbo_api.get("preferences").json()["Preferences"]["CurrencyPrefs"]["MultiCurrencyEnabled"] is True


def test_no_multicurrency_in_simple_start():
    emu = QboEmulator(edition="Simple Start")
    with pytest.raises(ValueError, match="Simple Start"):
        emu.set_behaviour(multicurrency=True)
    assert emu.behaviour()["multicurrency"] is False
    with pytest.raises(ValueError, match="Simple Start"):
        QboEmulator(edition="Simple Start", multicurrency=True)
