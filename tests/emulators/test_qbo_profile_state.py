"""The demo's state file keeps the company's profile (reference §12): country, multicurrency and default terms (as
behaviour), the terms created, customers' currencies and default terms, and transactions with their tax and home
amounts; a file from before terms existed gains the seeded ones."""

from __future__ import annotations

import json

from emulators.qbo import QboEmulator
from tests.emulators.qbo_helpers import Api, invoice_body, sales_line

PROFILE = {"country": "GB", "multicurrency": True, "automated_sales_tax": False, "default_terms": "2"}


def test_the_profile_and_its_entities_survive_a_restart(tmp_path):
    state = tmp_path / "qbo_emulator.json"
    first = QboEmulator(state_file=state, multicurrency=True)
    with first.start():
        api = Api(first)
        assert api.control("POST", "behaviour", json={"country": "GB", "default_terms": "2"}).status_code == 200
        term = api.post("term", json={"Name": "15th", "DayOfMonthDue": 15}).json()["Term"]
        customer = api.control("POST", "customers", json={"name": "Euro Kunde AG", "CurrencyRef": {"value": "EUR"},
                                                          "SalesTermRef": {"value": term["Id"]}}).json()
        invoice = api.post("invoice", json=invoice_body(customer["Id"], TxnDate="2025-10-09",
                                                        Line=[sales_line(100.0, "3")])).json()["Invoice"]
        api.session.close()
    assert (invoice["DueDate"], invoice["TotalAmt"], invoice["CurrencyRef"]["value"]) == ("2025-10-15", 120.0, "EUR")
    saved = json.loads(state.read_text())
    assert {key: saved["behaviour"][key] for key in PROFILE} == PROFILE

    second = QboEmulator(state_file=state)   # the constructor's US, single-currency defaults lose to the file
    assert {key: second.behaviour()[key] for key in PROFILE} == PROFILE
    with second.start():
        api = Api(second)
        assert api.get(f"companyinfo/{second.realm_id}").json()["CompanyInfo"]["Country"] == "GB"
        assert api.get(f"term/{term['Id']}").json()["Term"] == term
        assert api.get(f"customer/{customer['Id']}").json()["Customer"]["CurrencyRef"]["value"] == "EUR"
        assert api.get("customer/1").json()["Customer"]["CurrencyRef"]["value"] == "GBP"
        assert api.get(f"invoice/{invoice['Id']}").json()["Invoice"] == invoice
        names = {code["Name"] for code in api.query("select * from TaxCode").json()["QueryResponse"]["TaxCode"]}
        assert "20.0% S" in names and "TAX" not in names
        prefs = api.get("preferences").json()["Preferences"]
        assert prefs["CurrencyPrefs"] == {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "GBP"}}
        assert prefs["SalesFormsPrefs"]["DefaultTerms"] == {"value": "2"}
        again = api.post("invoice", json=invoice_body("2", TxnDate="2025-10-09", Line=[sales_line(10.0, "3")]))
        assert again.json()["Invoice"]["DueDate"] == "2025-10-24"   # the company's default terms, Net 15
        created = api.post("term", json={"Name": "Net 5", "DueDays": 5}).json()["Term"]
        assert int(created["Id"]) == int(term["Id"]) + 1   # the Term sequence survived too
        api.session.close()


def test_a_state_file_from_before_terms_gains_the_seeded_ones(tmp_path):
    state = tmp_path / "qbo_emulator.json"
    first = QboEmulator(state_file=state)
    with first.start():
        api = Api(first)
        api.post("invoice", json=invoice_body())
        api.session.close()
    saved = json.loads(state.read_text())
    del saved["company"]["objects"]["Term"]
    del saved["company"]["sequences"]["Term"]
    for key in PROFILE:
        del saved["behaviour"][key]
    state.write_text(json.dumps(saved))
    second = QboEmulator(state_file=state)
    terms = second.company.query("select * from Term")["Term"]
    assert [t["Name"] for t in terms] == ["Due on receipt", "Net 15", "Net 30", "Net 60"]
    assert second.add_term("Net 10", DueDays=10)["Id"] == "6"
    assert second.behaviour()["country"] == "US" and len(second.created("Invoice")) == 1
