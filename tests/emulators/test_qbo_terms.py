"""QBO emulator: payment terms (emulators/qbo_terms.py; reference §12) over real HTTP — the seeded Term list, DueDates
computed from a transaction's term, the customer's or vendor's default term and the company's default terms, an
explicit DueDate winning, inactive and unknown terms refused, and terms created through the API."""

from __future__ import annotations

import pytest

from tests.emulators.qbo_helpers import ACCELEBRATE, GLOBEX, bill_body, fault_of, invoice_body

TXN_DATE = "2025-10-09"


def error_list(answer) -> list[tuple[str, str]]:
    return [(e["code"], e["element"]) for e in fault_of(answer)]


def test_the_seeded_terms(qbo_api):
    terms = qbo_api.query("select * from Term").json()["QueryResponse"]["Term"]
    assert [(t["Id"], t["Name"], t["DueDays"]) for t in terms] == [
        ("1", "Due on receipt", 0), ("2", "Net 15", 15), ("3", "Net 30", 30), ("4", "Net 60", 60)]
    assert all(t["Type"] == "STANDARD" and t["DiscountDays"] == 0 and t["Active"] is True for t in terms)
    assert set(terms[0]) == {"Id", "Name", "Active", "Type", "DueDays", "DiscountDays", "SyncToken", "domain",
                             "sparse", "MetaData"}
    inactive = qbo_api.query("select * from Term where Active = false").json()["QueryResponse"]["Term"]
    assert [(t["Id"], t["Name"], t["Active"]) for t in inactive] == [("5", "Net 45", False)]
    assert qbo_api.query("select * from Term where Name = 'Net 30'").json()["QueryResponse"]["Term"][0]["Id"] == "3"
    assert qbo_api.get("term/3").json()["Term"] == terms[2]


@pytest.mark.parametrize("term, due", [("1", "2025-10-09"), ("2", "2025-10-24"), ("3", "2025-11-08"),
                                       ("4", "2025-12-08")])
def test_an_invoice_term_computes_the_due_date(qbo_api, term, due):
    invoice = qbo_api.post("invoice", json=invoice_body(TxnDate=TXN_DATE, SalesTermRef={"value": term,
                                                                                        "name": "ignored"})).json()
    assert invoice["Invoice"]["DueDate"] == due and invoice["Invoice"]["SalesTermRef"] == {"value": term}


@pytest.mark.parametrize("fields, txn_date, due", [
    ({"DayOfMonthDue": 15}, "2025-10-09", "2025-10-15"),
    ({"DayOfMonthDue": 15}, "2025-10-15", "2025-10-15"),
    ({"DayOfMonthDue": 15}, "2025-10-16", "2025-11-15"),
    ({"DayOfMonthDue": 15, "DueNextMonthDays": 5}, "2025-10-10", "2025-10-15"),
    ({"DayOfMonthDue": 15, "DueNextMonthDays": 5}, "2025-10-11", "2025-11-15"),
    ({"DayOfMonthDue": 31}, "2025-11-03", "2025-11-30"),
    ({"DayOfMonthDue": 15}, "2025-12-20", "2026-01-15"),
    ({"DueDays": 10}, "2025-12-28", "2026-01-07"),
], ids=["before", "on-the-day", "after", "enough-days", "too-close", "short-month", "year-end", "standard"])
def test_date_driven_and_custom_terms(qbo_api, fields, txn_date, due):
    term = qbo_api.emu.add_term("Custom", **fields)
    assert term["Type"] == ("STANDARD" if "DueDays" in fields else "DATE_DRIVEN")
    invoice = qbo_api.post("invoice", json=invoice_body(TxnDate=txn_date, SalesTermRef={"value": term["Id"]}))
    assert invoice.json()["Invoice"]["DueDate"] == due


def test_a_bill_term_and_the_vendors_default(qbo_api):
    vendor = qbo_api.emu.add_vendor("Slow Payer Supplies", TermRef={"value": "2"})
    assert vendor["TermRef"] == {"value": "2"}
    bill = qbo_api.post("bill", json=bill_body(vendor["Id"], TxnDate=TXN_DATE)).json()["Bill"]
    assert bill["DueDate"] == "2025-10-24" and "SalesTermRef" not in bill
    bill = qbo_api.post("bill", json=bill_body(vendor["Id"], TxnDate=TXN_DATE, SalesTermRef={"value": "3"})).json()
    assert bill["Bill"]["DueDate"] == "2025-11-08" and bill["Bill"]["SalesTermRef"] == {"value": "3"}
    plain = qbo_api.post("bill", json=bill_body(ACCELEBRATE, TxnDate=TXN_DATE)).json()["Bill"]
    assert plain["DueDate"] == TXN_DATE   # no term anywhere: the TxnDate, as before


def test_the_customers_default_term_applies_without_being_copied(qbo_api):
    customer = qbo_api.emu.add_customer("Sixty Days Ltd", SalesTermRef={"value": "4"})
    invoice = qbo_api.post("invoice", json=invoice_body(customer["Id"], TxnDate=TXN_DATE)).json()["Invoice"]
    assert invoice["DueDate"] == "2025-12-08" and "SalesTermRef" not in invoice
    named = qbo_api.post("invoice", json=invoice_body(customer["Id"], TxnDate=TXN_DATE,
                                                      SalesTermRef={"value": "2"})).json()["Invoice"]
    assert named["DueDate"] == "2025-10-24"   # the transaction's term wins over the customer's


@pytest.mark.parametrize("fields", [{"SalesTermRef": {"value": "4"}}, {}], ids=["with-term", "customer-default"])
def test_an_explicit_due_date_wins(qbo_api, fields):
    customer = qbo_api.emu.add_customer("Explicit Co", SalesTermRef={"value": "3"})
    invoice = qbo_api.post("invoice", json=invoice_body(customer["Id"], TxnDate=TXN_DATE, DueDate="2025-10-20",
                                                        **fields)).json()["Invoice"]
    assert invoice["DueDate"] == "2025-10-20"


def test_the_companys_default_terms(qbo_api):
    assert qbo_api.control("POST", "behaviour", json={"default_terms": "3"}).json()["default_terms"] == "3"
    prefs = qbo_api.get("preferences").json()["Preferences"]
    assert prefs["SalesFormsPrefs"]["DefaultTerms"] == {"value": "3"} and prefs["SyncToken"] == "1"
    invoice = qbo_api.post("invoice", json=invoice_body(TxnDate=TXN_DATE)).json()["Invoice"]
    assert invoice["DueDate"] == "2025-11-08" and "SalesTermRef" not in invoice
    customer = qbo_api.emu.add_customer("Fifteen Co", SalesTermRef={"value": "2"})
    assert qbo_api.post("invoice", json=invoice_body(customer["Id"], TxnDate=TXN_DATE)).json()["Invoice"][
        "DueDate"] == "2025-10-24"   # the customer's own term comes first
    assert qbo_api.post("bill", json=bill_body(TxnDate=TXN_DATE)).json()["Bill"]["DueDate"] == TXN_DATE  # sales only
    for bad in ("5", "99", "Net 30", 3):
        answer = qbo_api.control("POST", "behaviour", json={"default_terms": bad})
        assert answer.status_code == 400 and "default_terms" in answer.json()["error"]
    assert qbo_api.emu.behaviour()["default_terms"] == "3"
    qbo_api.emu.set_behaviour(default_terms=None)
    assert "DefaultTerms" not in qbo_api.get("preferences").json()["Preferences"]["SalesFormsPrefs"]


def test_default_terms_in_the_constructor(make_api):
    api = make_api(default_terms="2")
    assert api.post("invoice", json=invoice_body(TxnDate=TXN_DATE)).json()["Invoice"]["DueDate"] == "2025-10-24"
    with pytest.raises(ValueError, match="active Term"):
        make_api(default_terms="5")


@pytest.mark.parametrize("entity, ref, expected", [
    ("invoice", {"value": "5"}, [("2500", "SalesTermRef")]),
    ("invoice", {"value": "99"}, [("2500", "SalesTermRef")]),
    ("invoice", {"name": "Net 30"}, [("2020", "SalesTermRef")]),
    ("bill", {"value": "5"}, [("2500", "SalesTermRef")]),
    ("bill", {"value": "0"}, [("2500", "SalesTermRef")]),
], ids=["invoice-inactive", "invoice-unknown", "invoice-name-only", "bill-inactive", "bill-unknown"])
def test_an_inactive_or_unknown_term_is_refused(qbo_api, entity, ref, expected):
    body = (invoice_body if entity == "invoice" else bill_body)(SalesTermRef=ref)
    answer = qbo_api.post(entity, json=body)
    assert error_list(answer) == expected
    if expected[0][0] == "2500":
        assert fault_of(answer)[0]["Message"] == "Invalid Reference Id"
    assert qbo_api.emu.created("Invoice") == qbo_api.emu.created("Bill") == []


# ------------------------------------------------------------------------------------ terms through the API
def test_a_term_created_through_the_api(qbo_api):
    created = qbo_api.post("term", json={"Name": "Net 7", "DueDays": 7}).json()["Term"]
    assert (created["Id"], created["Type"], created["DueDays"], created["DiscountDays"], created["Active"]) == \
        ("6", "STANDARD", 7, 0, True)
    driven = qbo_api.post("term", json={"Name": "15th", "DayOfMonthDue": 15, "DueNextMonthDays": 3}).json()["Term"]
    assert (driven["Type"], driven["DayOfMonthDue"], driven["DueNextMonthDays"]) == ("DATE_DRIVEN", 15, 3)
    assert "DueDays" not in driven
    invoice = qbo_api.post("invoice", json=invoice_body(TxnDate=TXN_DATE, SalesTermRef={"value": "6"})).json()
    assert invoice["Invoice"]["DueDate"] == "2025-10-16"
    assert qbo_api.post("term", json={"Id": "6", "SyncToken": "0", "Name": "Net 8", "DueDays": 8}).json()[
        "Fault"]["Error"][0]["code"] == "500"   # terms are not updated here


@pytest.mark.parametrize("body, expected", [
    ({"DueDays": 7}, [("2020", "Name")]),
    ({"Name": "net 30", "DueDays": 30}, [("6240", "")]),
    ({"Name": "No days"}, [("2020", "DueDays")]),
    ({"Name": "Negative", "DueDays": -1}, [("2010", "DueDays")]),
    ({"Name": "Text", "DueDays": "30"}, [("2010", "DueDays")]),
    ({"Name": "Day 32", "DayOfMonthDue": 32}, [("2010", "DayOfMonthDue")]),
    ({"Name": "N" * 32, "DueDays": 1}, [("2050", "Name")]),
    ({"Name": "Odd", "DueDays": 1, "Colour": "red"}, [("2010", "Colour")]),
], ids=["no-name", "duplicate", "no-days", "negative", "text", "day-32", "long-name", "unknown-field"])
def test_term_create_validation(qbo_api, body, expected):
    assert error_list(qbo_api.post("term", json=body)) == expected


def test_customer_and_vendor_terms_through_the_api(qbo_api):
    customer = qbo_api.post("customer", json={"DisplayName": "Terms Co", "SalesTermRef": {"value": "2"}}).json()
    assert customer["Customer"]["SalesTermRef"] == {"value": "2"}
    assert error_list(qbo_api.post("customer", json={"DisplayName": "Old Terms Co",
                                                     "SalesTermRef": {"value": "5"}})) == [("2500", "SalesTermRef")]
    vendor = qbo_api.post("vendor", json={"DisplayName": "Terms Supplies", "TermRef": {"value": "4"}}).json()
    assert vendor["Vendor"]["TermRef"] == {"value": "4"}
    bill = qbo_api.post("bill", json=bill_body(vendor["Vendor"]["Id"], TxnDate=TXN_DATE)).json()["Bill"]
    assert bill["DueDate"] == "2025-12-08"


def test_control_api_and_helpers(qbo_api):
    term = qbo_api.control("POST", "terms", json={"name": "Net 90", "DueDays": 90, "active": False}).json()
    assert term["Active"] is False and term["DueDays"] == 90
    customer = qbo_api.control("POST", "customers", json={"name": "Control Co", "SalesTermRef": {"value": "3"}})
    assert customer.json()["SalesTermRef"] == {"value": "3"}
    refused = qbo_api.control("POST", "customers", json={"name": "Bad Term Co", "SalesTermRef": {"value": "5"}})
    assert refused.status_code == 400 and "2500" in refused.json()["error"]
    with pytest.raises(ValueError, match="6240"):
        qbo_api.emu.add_term("Net 30", DueDays=30)
    with pytest.raises(ValueError, match="2500"):
        qbo_api.emu.add_vendor("Unknown Term Supplies", TermRef={"value": "42"})
    assert qbo_api.get(f"customer/{GLOBEX}").json()["Customer"].get("SalesTermRef") is None
