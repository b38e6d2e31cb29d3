"""QBO emulator: Intuit's per-company variations (emulators/qbo_behaviour.py) over real HTTP — requestid replay /
ignore / reject, duplicate-DocNumber policies, case-insensitive matching, Preferences and custom transaction
numbers, the behaviour control API, and the unsupported-operation answers (reference §2, §4-§6)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from emulators.qbo import QboEmulator
from emulators.qbo_behaviour import DEFAULTS
from tests.emulators.qbo_helpers import Api, bill_body, invoice_body

ROOT = Path(__file__).resolve().parents[2]
OTHER_VENDOR = "14"  # BHanalytics; bill_body() uses 13, Accelebrate
REPEAT_ERROR = {"Message": "A business validation error has occurred while processing your request",
                "Detail": "Business Validation Error: An unexpected error occurred while accessing or saving your "
                          "data. Please wait a few minutes and try again.  If the problem persists, contact customer "
                          "support.",
                "code": "6000", "element": ""}


def fault_codes(answer) -> list[str]:
    return [e["code"] for e in answer.json()["Fault"]["Error"]]


# ------------------------------------------------------------------------------------------- requestid
@pytest.mark.parametrize("mode, status, created, counter", [
    ("replay", 200, 1, "replayed"),
    ("ignore", 200, 2, None),
    ("reject", 400, 1, "requestid_rejected"),
])
def test_requestid_on_a_single_create(make_qbo, mode, status, created, counter):
    api = Api(make_qbo(requestid_mode=mode))
    first = api.post("invoice?requestid=rid-1", json=invoice_body())
    again = api.post("invoice?requestid=rid-1", json=invoice_body())
    assert first.status_code == 200 and again.status_code == status
    assert len(api.emu.created("Invoice")) == created
    if mode == "replay":
        assert again.content == first.content
    elif mode == "ignore":
        assert again.json()["Invoice"]["Id"] != first.json()["Invoice"]["Id"]
    else:
        body = again.json()
        assert set(body) == {"Fault", "time"}
        assert body["Fault"] == {"Error": [REPEAT_ERROR], "type": "ValidationFault"}
    stats = api.emu.stats()
    assert (stats["replayed"], stats["requestid_rejected"]) == (counter == "replayed", counter == "requestid_rejected")
    assert stats["create"] == created


BATCH = {"BatchItemRequest": [{"bId": "a", "operation": "create", "Invoice": invoice_body()},
                              {"bId": "b", "operation": "create", "Bill": bill_body()},
                              {"bId": "q", "Query": "select * from Item"}]}


@pytest.mark.parametrize("mode, invoices, bills", [("replay", 1, 1), ("ignore", 2, 2), ("reject", 1, 1)])
def test_requestid_on_a_batch(make_qbo, mode, invoices, bills):
    api = Api(make_qbo(requestid_mode=mode))
    first = api.post("batch?requestid=batch-1", json=BATCH)
    again = api.post("batch?requestid=batch-1", json=BATCH)
    assert first.status_code == again.status_code == 200
    assert (len(api.emu.created("Invoice")), len(api.emu.created("Bill"))) == (invoices, bills)
    if mode == "replay":
        assert again.content == first.content
    elif mode == "ignore":
        shapes = [[set(i) for i in answer.json()["BatchItemResponse"]] for answer in (first, again)]
        assert shapes[0] == shapes[1] == [{"bId", "Invoice"}, {"bId", "Bill"}, {"bId", "QueryResponse"}]
    else:
        body = again.json()
        assert set(body) == {"BatchItemResponse", "time"}
        assert body["BatchItemResponse"] == [{"bId": bid, "Fault": {"Error": [REPEAT_ERROR], "type": "ValidationFault"}}
                                             for bid in ("a", "b", "q")]
        assert api.emu.stats()["batch"] == 1  # the repeat ran nothing


def test_requestid_limits_hold_in_every_mode(make_qbo):
    api = Api(make_qbo(requestid_mode="reject"))
    assert fault_codes(api.post("invoice?requestid=" + "r" * 51, json=invoice_body())) == ["6000"]
    assert api.post("invoice?requestid=fresh", json=invoice_body()).status_code == 200  # a new id is performed


def test_the_first_answer_is_kept_whatever_the_mode(make_qbo):
    api = Api(make_qbo(requestid_mode="ignore"))
    first = api.post("invoice?requestid=rid-9", json=invoice_body())
    api.post("invoice?requestid=rid-9", json=invoice_body())
    api.emu.set_behaviour(requestid_mode="replay")
    assert api.post("invoice?requestid=rid-9", json=invoice_body()).content == first.content
    assert len(api.emu.created("Invoice")) == 2


# -------------------------------------------------------------------------------------- duplicate DocNumbers
@pytest.mark.parametrize("settings, entity, first, second, query, status", [
    ({}, "invoice", "ACD-7", "ACD-7", "", 400),
    ({"invoice_duplicates": "allow"}, "invoice", "ACD-7", "ACD-7", "", 200),
    ({}, "invoice", "ACD-7", "ACD-7", "?include=allowduplicatedocnum", 200),
    ({}, "invoice", "ACD-7", "acd-7", "", 200),
    ({"docnumber_match": "case_insensitive"}, "invoice", "ACD-7", "acd-7", "", 400),
    ({"docnumber_match": "case_insensitive", "invoice_duplicates": "allow"}, "invoice", "ACD-7", "acd-7", "", 200),
    ({"docnumber_match": "case_insensitive"}, "invoice", "ACD-7", "acd-7", "?include=allowduplicatedocnum", 200),
    ({}, "bill", ("ACC-1", "13"), ("ACC-1", "13"), "", 400),
    ({}, "bill", ("ACC-1", "13"), ("ACC-1", OTHER_VENDOR), "", 400),
    ({"bill_duplicates": "company"}, "bill", ("ACC-1", "13"), ("acc-1", "13"), "", 200),
    ({"bill_duplicates": "per_vendor"}, "bill", ("ACC-1", "13"), ("ACC-1", "13"), "", 400),
    ({"bill_duplicates": "per_vendor"}, "bill", ("ACC-1", "13"), ("ACC-1", OTHER_VENDOR), "", 200),
    ({"bill_duplicates": "per_vendor"}, "bill", ("ACC-1", "13"), ("ACC-1", "13"), "?include=allowduplicatedocnum",
     200),
    ({"bill_duplicates": "per_vendor", "docnumber_match": "case_insensitive"}, "bill", ("ACC-1", "13"),
     ("acc-1", "13"), "", 400),
    ({"bill_duplicates": "per_vendor", "docnumber_match": "case_insensitive"}, "bill", ("ACC-1", "13"),
     ("acc-1", OTHER_VENDOR), "", 200),
    ({"bill_duplicates": "allow"}, "bill", ("ACC-1", "13"), ("ACC-1", "13"), "", 200),
    ({"duplicate_docnumber_check": False}, "invoice", "ACD-7", "ACD-7", "", 200),
    ({"duplicate_docnumber_check": False}, "bill", ("ACC-1", "13"), ("ACC-1", "13"), "", 200),
    ({"duplicate_docnumber_check": True}, "bill", ("ACC-1", "13"), ("ACC-1", OTHER_VENDOR), "", 400),
], ids=["invoice-refuse-default", "invoice-allow", "invoice-allowduplicatedocnum", "invoice-exact-other-case",
        "invoice-case-insensitive", "invoice-case-insensitive-but-allow", "case-insensitive-allowduplicatedocnum",
        "bill-company-default-same-vendor", "bill-company-other-vendor", "bill-company-exact-other-case",
        "bill-per-vendor-same-vendor", "bill-per-vendor-other-vendor", "bill-per-vendor-allowduplicatedocnum",
        "bill-per-vendor-case-insensitive-same-vendor", "bill-per-vendor-case-insensitive-other-vendor",
        "bill-allow", "legacy-check-off-invoice", "legacy-check-off-bill", "legacy-check-on-bill-company"])
def test_duplicate_docnumber_policies(make_qbo, settings, entity, first, second, query, status):
    api = Api(make_qbo(**settings))

    def body(spec):
        if entity == "invoice":
            return invoice_body(DocNumber=spec)
        number, vendor = spec
        return bill_body(vendor, DocNumber=number)

    original = api.post(entity, json=body(first))
    assert original.status_code == 200, original.text
    answer = api.post(entity + query, json=body(second))
    assert answer.status_code == status, answer.text
    name = entity.title()
    if status == 400:
        error, = answer.json()["Fault"]["Error"]
        assert error["code"] == "6140" and error["Message"] == "Duplicate Document Number Error"
        assert error["Detail"].endswith(f"DocNumber={body(second)['DocNumber']} is assigned to TxnType={name} with "
                                        f"TxnId={original.json()[name]['Id']}")
    assert len(api.emu.created(name)) == (1 if status == 400 else 2)


@pytest.mark.parametrize("settings, codes", [({}, ["Invoice", "Fault"]), ({"invoice_duplicates": "allow"},
                                                                          ["Invoice", "Invoice"])],
                         ids=["refuse", "allow"])
def test_batch_creates_follow_the_duplicate_policy(make_qbo, settings, codes):
    api = Api(make_qbo(**settings))
    items = [{"bId": str(n), "operation": "create", "Invoice": invoice_body(DocNumber="B-1")} for n in range(2)]
    answer = api.post("batch", json={"BatchItemRequest": items}).json()["BatchItemResponse"]
    assert [next(k for k in item if k != "bId") for item in answer] == codes


def test_case_insensitive_matching_leaves_queries_exact(make_qbo):
    api = Api(make_qbo(docnumber_match="case_insensitive"))
    api.post("invoice", json=invoice_body(DocNumber="ACD-7"))
    assert api.query("select * from Invoice where DocNumber = 'acd-7'").json()["QueryResponse"] == {}
    assert api.query("select * from Invoice where DocNumber IN ('acd-7')").json()["QueryResponse"] == {}
    hit = api.query("select * from Invoice where DocNumber = 'ACD-7'").json()["QueryResponse"]
    assert [i["DocNumber"] for i in hit["Invoice"]] == ["ACD-7"]


def test_per_vendor_duplicates_then_docnumber_counts(make_qbo):
    api = Api(make_qbo(bill_duplicates="per_vendor"))
    for vendor in ("13", OTHER_VENDOR, "13"):
        api.post("bill", json=bill_body(vendor, DocNumber="INV-55"))
    assert api.emu.docnumber_counts("Bill") == {"INV-55": 2}


# ------------------------------------------------------------------------- Preferences, custom numbers
def test_preferences_endpoint_query_and_batch(qbo_api):
    answer = qbo_api.get("preferences?minorversion=75")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"Preferences", "time"}
    prefs = body["Preferences"]
    assert prefs["Id"] == "1" and prefs["SyncToken"] == "0" and set(prefs["MetaData"]) == {"CreateTime",
                                                                                           "LastUpdatedTime"}
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    assert prefs["VendorAndPurchasesPrefs"]["UseCustomTxnNumbers"] is True
    assert {"Name": "VendorAndPurchasesPrefs.UseCustomTxnNumbers", "Value": "true"} in prefs["OtherPrefs"]["NameValue"]
    assert {"AccountingInfoPrefs", "CurrencyPrefs", "OtherPrefs"} <= set(prefs)
    queried = qbo_api.query("SELECT * FROM Preferences").json()["QueryResponse"]
    assert queried["Preferences"] == [prefs]
    batch = qbo_api.post("batch", json={"BatchItemRequest": [{"bId": "p", "Query": "select * from Preferences"}]})
    assert batch.json()["BatchItemResponse"][0]["QueryResponse"]["Preferences"] == [prefs]
    assert qbo_api.emu.stats()["preferences"] == 1


def test_preferences_follow_the_settings(qbo_api, qbo_clock):
    qbo_clock.advance(600)  # within the access token's hour
    qbo_api.emu.set_behaviour(custom_txn_numbers_invoice=False, custom_txn_numbers_bill=False)
    prefs = qbo_api.get("preferences").json()["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    assert prefs["VendorAndPurchasesPrefs"]["UseCustomTxnNumbers"] is False
    assert {"Name": "VendorAndPurchasesPrefs.UseCustomTxnNumbers", "Value": "false"} in prefs["OtherPrefs"]["NameValue"]
    assert prefs["SyncToken"] == "1" and prefs["MetaData"]["LastUpdatedTime"] > prefs["MetaData"]["CreateTime"]
    qbo_api.emu.set_behaviour(requestid_mode="reject")  # not a company preference
    assert qbo_api.get("preferences").json()["Preferences"]["SyncToken"] == "1"


@pytest.mark.parametrize("settings, entity, sent, expected", [
    ({}, "invoice", ["MINE-1", None], ["MINE-1", "1001"]),
    ({}, "bill", ["ACC-1", None], ["ACC-1", None]),
    ({"custom_txn_numbers_invoice": False}, "invoice", ["MINE-1", None, "1002"], ["1001", "1002", "1003"]),
    ({"custom_txn_numbers_bill": False}, "bill", ["ACC-1", None, "ACC-1"], ["1001", "1002", "1003"]),
    ({"custom_txn_numbers_bill": False}, "invoice", ["MINE-1", None], ["MINE-1", "1001"]),
    ({"custom_txn_numbers_invoice": False}, "bill", ["ACC-1", None], ["ACC-1", None]),
], ids=["invoice-custom-on", "bill-custom-on", "invoice-custom-off", "bill-custom-off", "bill-off-invoice-untouched",
        "invoice-off-bill-untouched"])
def test_custom_transaction_numbers(make_qbo, settings, entity, sent, expected):
    api = Api(make_qbo(**settings))
    make = invoice_body if entity == "invoice" else bill_body
    numbers = []
    for number in sent:
        answer = api.post(entity, json=make(**({"DocNumber": number} if number else {})))
        assert answer.status_code == 200, answer.text
        numbers.append(answer.json()[entity.title()].get("DocNumber"))
    assert numbers == expected


def test_auto_numbers_skip_numbers_already_used(qbo_api):
    qbo_api.post("bill", json=bill_body(DocNumber="1001"))
    qbo_api.emu.set_behaviour(custom_txn_numbers_bill=False)
    assert qbo_api.post("bill", json=bill_body(DocNumber="X")).json()["Bill"]["DocNumber"] == "1002"
    batch = qbo_api.post("batch", json={"BatchItemRequest": [{"bId": "1", "operation": "create",
                                                              "Bill": bill_body(DocNumber="1002")}]}).json()
    assert batch["BatchItemResponse"][0]["Bill"]["DocNumber"] == "1003"


# ------------------------------------------------------------------------------------------ control API
def test_behaviour_control_api_round_trip(qbo_api):
    assert qbo_api.control("GET", "behaviour").json() == DEFAULTS == {
        "requestid_mode": "replay", "invoice_duplicates": "refuse", "bill_duplicates": "company",
        "docnumber_match": "exact", "custom_txn_numbers_invoice": True, "custom_txn_numbers_bill": True,
        "country": "US", "multicurrency": False, "automated_sales_tax": False, "default_terms": None}
    changed = qbo_api.control("POST", "behaviour", json={"requestid_mode": "reject", "bill_duplicates": "per_vendor",
                                                         "custom_txn_numbers_bill": False})
    expected = {**DEFAULTS, "requestid_mode": "reject", "bill_duplicates": "per_vendor",
                "custom_txn_numbers_bill": False}
    assert changed.status_code == 200 and changed.json() == expected
    assert qbo_api.control("GET", "behaviour").json() == expected == qbo_api.emu.behaviour()
    qbo_api.post("invoice?requestid=c-1", json=invoice_body())
    assert fault_codes(qbo_api.post("invoice?requestid=c-1", json=invoice_body())) == ["6000"]
    assert qbo_api.control("POST", "behaviour").json() == expected  # no body: nothing changes


@pytest.mark.parametrize("body, words", [
    ({"requestid_mode": "sometimes"}, ["requestid_mode", "replay, ignore, reject", "sometimes"]),
    ({"invoice_duplicates": "company"}, ["invoice_duplicates", "refuse, allow"]),
    ({"bill_duplicates": "per-vendor"}, ["bill_duplicates", "company, per_vendor, allow"]),
    ({"docnumber_match": "fuzzy"}, ["docnumber_match", "exact, case_insensitive"]),
    ({"custom_txn_numbers_invoice": "no"}, ["custom_txn_numbers_invoice", "true, false"]),
    ({"custom_txn_numbers_bill": 0}, ["custom_txn_numbers_bill", "true, false"]),
    ({"requestid_mode": "ignore", "honour_requestid": False}, ["unknown behaviour", "requestid_mode"]),
    (["requestid_mode"], ["JSON object"]),
], ids=["requestid", "invoice", "bill", "match", "custom-invoice-string", "custom-bill-int", "unknown-key",
        "not-an-object"])
def test_behaviour_control_api_rejects_bad_values(qbo_api, body, words):
    answer = qbo_api.control("POST", "behaviour", json=body)
    assert answer.status_code == 400
    assert all(word in answer.json()["error"] for word in words), answer.json()
    assert qbo_api.emu.behaviour() == DEFAULTS  # all or nothing


@pytest.mark.parametrize("kwargs, expected", [
    ({}, {}),
    ({"honour_requestid": False}, {"requestid_mode": "ignore"}),
    ({"honour_requestid": True}, {"requestid_mode": "replay"}),
    ({"honour_requestid": False, "requestid_mode": "reject"}, {"requestid_mode": "reject"}),
    ({"duplicate_docnumber_check": False}, {"invoice_duplicates": "allow", "bill_duplicates": "allow"}),
    ({"duplicate_docnumber_check": False, "bill_duplicates": "per_vendor"},
     {"invoice_duplicates": "allow", "bill_duplicates": "per_vendor"}),
    ({"docnumber_match": "case_insensitive", "custom_txn_numbers_invoice": False},
     {"docnumber_match": "case_insensitive", "custom_txn_numbers_invoice": False}),
], ids=["defaults", "legacy-ignore", "legacy-replay", "new-keyword-wins", "legacy-no-check", "mixed", "new"])
def test_constructor_settings(kwargs, expected):
    assert QboEmulator(**kwargs).behaviour() == {**DEFAULTS, **expected}


def test_constructor_and_method_validate():
    with pytest.raises(ValueError, match="replay, ignore, reject"):
        QboEmulator(requestid_mode="never")
    emu = QboEmulator()
    with pytest.raises(ValueError, match="company, per_vendor, allow"):
        emu.set_behaviour(invoice_duplicates="allow", bill_duplicates="vendor")
    assert emu.behaviour() == DEFAULTS
    assert emu.set_behaviour(bill_duplicates="allow")["bill_duplicates"] == "allow"


def test_behaviour_survives_a_demo_restart(tmp_path):
    state = tmp_path / "state.pickle"
    first = QboEmulator(state_file=state)
    with first.start():
        assert requests.post(f"{first.base_url}/__emulator__/behaviour", json={"requestid_mode": "ignore"},
                             timeout=5).status_code == 200
    assert QboEmulator(state_file=state).behaviour() == {**DEFAULTS, "requestid_mode": "ignore"}


def test_cli_flags_set_the_behaviour():
    process = subprocess.Popen([sys.executable, "-m", "emulators.qbo", "--port", "0", "--requestid-mode", "reject",
                                "--bill-duplicates", "per_vendor", "--docnumber-match", "case_insensitive",
                                "--no-custom-txn-numbers-invoice"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", process.stdout.readline()).group(1)
        assert requests.get(f"{url}/__emulator__/behaviour", timeout=5).json() == {
            **DEFAULTS, "requestid_mode": "reject", "bill_duplicates": "per_vendor",
            "docnumber_match": "case_insensitive", "custom_txn_numbers_invoice": False}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()


def test_cli_help_documents_the_behaviour():
    done = subprocess.run([sys.executable, "-m", "emulators.qbo", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=20)
    for flag in ("--requestid-mode", "--invoice-duplicates", "--bill-duplicates", "--docnumber-match",
                 "--no-custom-txn-numbers-invoice", "--no-custom-txn-numbers-bill", "/behaviour", "preferences"):
        assert flag in done.stdout
    assert "per_vendor" in done.stdout and "case_insensitive" in done.stdout


# ---------------------------------------------------------------------------------- unsupported operations
UNSERVED = [
    ("GET", "preferences/x", None), ("POST", "preferences", {"SalesFormsPrefs": {"CustomTxnNumbers": False}}),
    ("PUT", "preferences", {}), ("DELETE", "preferences", None), ("GET", "preferences/", None),
    ("GET", "Preferences", None), ("DELETE", "invoice/1", None), ("PUT", "invoice", invoice_body()),
    ("PATCH", "invoice/1", {}), ("OPTIONS", "invoice", None), ("POST", "invoice/1/send?sendTo=a@b.example", None),
    ("GET", "invoice/1/send", None), ("POST", "invoice?operation=merge", {"Id": "1", "SyncToken": "0"}),
    ("POST", "bill?operation=void", {"Id": "1", "SyncToken": "0"}), ("POST", "customer?operation=delete", {}),
    ("POST", "payment?operation=void", {"Id": "1", "SyncToken": "0"}), ("GET", "invoice", None),
    ("GET", "invoice/", None), ("GET", "invoice/1/pdf/x", None), ("GET", "reports/ProfitAndLoss", None),
    ("POST", "cdc?entities=Invoice&changedSince=2025-10-01", {}), ("GET", "", None), ("POST", "", {}),
    ("GET", "companyinfo", None), ("POST", "companyinfo/9130350000000001", {}), ("GET", "batch", None),
    ("PUT", "batch", {"BatchItemRequest": []}), ("DELETE", "query", None), ("PUT", "query", None),
    ("POST", "estimate", {}), ("GET", "estimate/1", None), ("POST", "creditmemo", {}), ("POST", "upload", {}),
    ("GET", "attachable/1", None), ("POST", "employee", {"DisplayName": "New Hire"}),
]


@pytest.mark.parametrize("method, path, body", UNSERVED, ids=[f"{m} {p or '(root)'}" for m, p, _ in UNSERVED])
def test_unserved_operations_answer_an_unsupported_operation_fault(qbo_api, method, path, body):
    qbo_api.post("invoice", json=invoice_body())  # Id 1 exists, so nothing fails for want of an object
    answer = qbo_api.request(method, path, json=body)
    assert answer.status_code == 400, (answer.status_code, answer.text)
    payload = answer.json()
    assert set(payload) == {"Fault", "time"} and payload["Fault"]["type"] == "ValidationFault"
    error, = payload["Fault"]["Error"]
    assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
    assert len(qbo_api.emu.created("Invoice")) == 1
    assert "500" not in qbo_api.emu.stats()["statuses"]


def test_head_of_an_unserved_path_is_a_4xx(qbo_api):
    assert qbo_api.request("HEAD", "preferences/x").status_code == 400
