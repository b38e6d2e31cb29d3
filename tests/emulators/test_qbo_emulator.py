"""QBO emulator, Accounting API side: creates and server fields, validation Faults, queries, batch, requestid,
minorversion, editions, PDF and company info — all over real HTTP (reference §2, §4-§8)."""

from __future__ import annotations

import pytest

from tests.emulators.qbo_helpers import Api, bill_body, invoice_body


def only_error(answer) -> dict:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert set(body) == {"Fault", "time"} and body["Fault"]["type"] == "ValidationFault"
    return body["Fault"]["Error"]


# ------------------------------------------------------------------------------------------- creates
def test_invoice_create_fills_server_fields_and_reads_back(qbo_api):
    answer = qbo_api.post("invoice?minorversion=75", json=invoice_body(DocNumber="ACD-2026-014"))
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    invoice = body["Invoice"]
    assert isinstance(body["time"], str) and body["time"][10] == "T"
    assert invoice["Id"].isdigit() and invoice["SyncToken"] == "0" and invoice["domain"] == "QBO"
    assert invoice["sparse"] is False and invoice["TotalAmt"] == 100.0 and invoice["Balance"] == 100.0
    assert invoice["TxnDate"] == invoice["DueDate"] == "2025-10-09"  # the fake clock's day, Pacific time
    assert invoice["CustomerRef"] == {"value": "1", "name": "Globex LLC"}
    assert invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"] == {"value": "1", "name": "Services"}
    assert invoice["Line"][-1]["DetailType"] == "SubTotalLineDetail"
    assert set(invoice["MetaData"]) == {"CreateTime", "LastUpdatedTime"}
    read = qbo_api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert read == invoice
    assert qbo_api.emu.created("Invoice") == [invoice]


def test_invoice_without_docnumber_gets_the_next_number(qbo_api):
    first = qbo_api.post("invoice", json=invoice_body()).json()["Invoice"]
    second = qbo_api.post("invoice", json=invoice_body()).json()["Invoice"]
    assert (first["DocNumber"], second["DocNumber"]) == ("1001", "1002")


@pytest.mark.parametrize("fields, link", [({}, ""), ({"BillEmail": {"Address": "ap@globex.example"}}, "https://")],
                         ids=["no-email-empty-link", "with-email-link"])
def test_include_invoice_link(qbo_api, fields, link):
    created = qbo_api.post("invoice?include=invoiceLink", json=invoice_body(**fields)).json()["Invoice"]
    assert created["InvoiceLink"].startswith(link) and (link or created["InvoiceLink"] == "")
    read = qbo_api.get(f"invoice/{created['Id']}", params={"include": "invoiceLink"}).json()["Invoice"]
    assert read["InvoiceLink"] == created["InvoiceLink"]
    assert "InvoiceLink" not in qbo_api.get(f"invoice/{created['Id']}").json()["Invoice"]


def test_invoice_pdf(qbo_api):
    invoice = qbo_api.post("invoice", json=invoice_body(DocNumber="PDF-1")).json()["Invoice"]
    answer = qbo_api.get(f"invoice/{invoice['Id']}/pdf", headers={"Accept": "application/pdf"})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-") and answer.content.rstrip().endswith(b"%%EOF")
    assert b"PDF-1" in answer.content
    assert qbo_api.emu.stats()["pdf"] == 1


@pytest.mark.parametrize("edition", ["Simple Start", "Essentials", "Plus", "Advanced"])
def test_company_info_reports_the_edition(make_qbo, edition):
    api = Api(make_qbo(edition=edition))
    info = api.get(f"companyinfo/{api.emu.realm_id}").json()["CompanyInfo"]
    values = {nv["Name"]: nv["Value"] for nv in info["NameValue"]}
    assert info["CompanyName"] == "ACD Demo Company"
    assert values["OfferingSku"] == f"QuickBooks Online {edition}" and values["SubscriptionStatus"] == "PAID"


@pytest.mark.parametrize("edition, status", [("Simple Start", 400), ("Essentials", 200), ("Plus", 200)],
                         ids=["simple-start-rejects", "essentials", "plus"])
def test_bills_need_essentials_or_higher(qbo_api, edition, status):
    qbo_api.emu.set_edition(edition)
    answer = qbo_api.post("bill", json=bill_body(DocNumber="ACC-88213"))
    assert answer.status_code == status
    if status == 400:
        error, = only_error(answer)
        assert error["code"] == "5020" and "permission" in error["Message"]
        assert qbo_api.emu.created("Bill") == []
    else:
        bill = answer.json()["Bill"]
        assert bill["VendorRef"] == {"value": "13", "name": "Accelebrate"}
        assert bill["APAccountRef"] == {"value": "33", "name": "Accounts Payable (A/P)"}
        detail = bill["Line"][0]["AccountBasedExpenseLineDetail"]
        assert detail["AccountRef"] == {"value": "7", "name": "Contract labor"}
        assert detail["BillableStatus"] == "NotBillable" and bill["TotalAmt"] == 200.0


def test_create_customer_vendor_item_account(qbo_api):
    customer = qbo_api.post("customer", json={"DisplayName": "Stark Industries"}).json()["Customer"]
    vendor = qbo_api.post("vendor", json={"GivenName": "Ada", "FamilyName": "Lovelace"}).json()["Vendor"]
    account = qbo_api.post("account", json={"Name": "Travel", "AccountType": "Expense"}).json()["Account"]
    item = qbo_api.post("item", json={"Name": "Hours", "Type": "Service",
                                      "IncomeAccountRef": {"value": "1"}}).json()["Item"]
    assert customer["FullyQualifiedName"] == "Stark Industries" and customer["Active"] is True
    assert vendor["DisplayName"] == "Ada Lovelace"
    assert account["Classification"] == "Expense" and item["IncomeAccountRef"]["name"] == "Services"
    assert qbo_api.post("invoice", json=invoice_body(customer["Id"])).status_code == 200


# ----------------------------------------------------------------------------------------- validation
LONG = "x" * 4001


def _without(key):
    body = invoice_body()
    del body[key]
    return body


def _line(**changes):
    body = invoice_body()
    body["Line"][0].update(changes)
    return body


@pytest.mark.parametrize("path, body, code, detail", [
    ("invoice", _without("Line"), "2020", "Required parameter Line is missing in the request"),
    ("invoice", _without("CustomerRef"), "2020", "Required parameter CustomerRef is missing in the request"),
    ("invoice", invoice_body("999"), "2500", "Invalid Reference Id"),
    ("invoice", invoice_body("12"), "2500", "Invalid Reference Id"),  # Cyberdyne Systems is inactive
    ("invoice", _line(SalesItemLineDetail={"ItemRef": {"value": "77"}}), "2500", "Invalid Reference Id"),
    ("invoice", invoice_body(DocNumber="X" * 22), "2050", "Max:21 supplied length:22"),
    ("invoice", _line(Amount="1,500.00"), "2010", "Amount"),
    ("invoice", _line(Amount=None), "2020", "Required parameter Amount"),
    ("invoice", _line(DetailType="Bogus"), "2170", "Invalid Enumeration : Bogus"),
    ("invoice", invoice_body(TxnDate="03/15/2026"), "2010", "Unparseable date"),
    ("invoice", invoice_body(TxnDate="2026-02-30"), "2010", "Unparseable date"),
    ("invoice", _line(Description=LONG), "2050", "Max:4000"),
    ("invoice", invoice_body(PrivateNote=LONG), "2050", "Max:4000"),
    ("invoice", invoice_body(CustomerMemo={"value": "m" * 1001}), "2050", "Max:1000"),
    ("invoice", _line(SalesItemLineDetail={"ItemRef": {"value": "1"}, "Qty": 2, "UnitPrice": 10}), "6070",
     "UnitPrice * Qty"),
    ("invoice", invoice_body(Colour="blue"), "2010", 'Unrecognized field "Colour"'),
    ("invoice", [invoice_body()], "2010", "Property Name"),
    ("bill", {**bill_body(), "VendorRef": None}, "2020", "Required parameter VendorRef"),
    ("bill", {k: v for k, v in bill_body().items() if k != "VendorRef"}, "2020", "Required parameter VendorRef"),
    ("bill", {**bill_body(), "Line": [{"Amount": 5, "DetailType": "AccountBasedExpenseLineDetail",
                                       "AccountBasedExpenseLineDetail": {}}]}, "2020",
     "Required parameter AccountRef is missing in the request"),
    ("bill", {**bill_body(), "Line": [{"Amount": 5, "DetailType": "AccountBasedExpenseLineDetail",
                                       "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "404"}}}]}, "2500",
     "Invalid Reference Id"),
    ("bill", bill_body("1"), "2500", "Invalid Reference Id"),  # a customer's Id is not a vendor
    ("customer", {"DisplayName": "Parent: Child"}, "2040", "colon"),
    ("customer", {"DisplayName": "Tab\there"}, "2040", "colon"),
    ("customer", {"DisplayName": "Accelebrate"}, "6240", "Another customer, vendor or employee"),
    ("customer", {"DisplayName": " globex llc "}, "6240", "already exists"),
    ("vendor", {"DisplayName": "Emily Platt"}, "6240", "already exists"),
    ("customer", {"DisplayName": "n" * 501}, "2050", "Max:500"),
    ("customer", {}, "2020", "Required parameter DisplayName"),
    ("item", {"Name": "Services", "IncomeAccountRef": {"value": "1"}}, "6240", "already"),
    ("account", {"Name": "Misc"}, "2020", "Required parameter AccountType"),
    ("customer", {"DisplayName": 123}, "2010", "DisplayName: expected a string"),
    ("invoice", {**invoice_body(), "CustomerRef": "1"}, "2010", "CustomerRef: expected an object"),
    ("invoice", _line(SalesItemLineDetail="Services"), "2010", "SalesItemLineDetail: expected an object"),
], ids=["no-line", "no-customer", "unknown-customer", "inactive-customer", "unknown-item", "docnumber-22-chars",
        "amount-as-string", "amount-missing", "bad-detail-type", "date-us-format", "date-impossible",
        "description-4001", "private-note-4001", "customer-memo-1001", "qty-times-price", "unknown-field",
        "body-not-object", "bill-null-vendor", "bill-no-vendor", "bill-no-account", "bill-unknown-account",
        "bill-customer-as-vendor", "name-colon", "name-tab", "name-taken-by-vendor", "name-taken-case-insensitive",
        "name-taken-by-employee", "name-501", "name-missing", "item-duplicate", "account-no-type",
        "name-not-a-string", "ref-not-an-object", "line-detail-not-an-object"])
def test_validation_faults(qbo_api, path, body, code, detail):
    errors = only_error(qbo_api.post(path, json=body))
    assert code in [e["code"] for e in errors], errors
    assert any(detail in e["Detail"] for e in errors if e["code"] == code), errors
    assert all(set(e) == {"Message", "Detail", "code", "element"} and isinstance(e["code"], str) for e in errors)
    assert qbo_api.emu.created("Invoice") == [] and qbo_api.emu.created("Customer") == []


def test_several_problems_come_in_one_fault(qbo_api):
    body = invoice_body("999", DocNumber="Y" * 30, PrivateNote=LONG)
    del body["Line"]
    errors = only_error(qbo_api.post("invoice", json=body))
    assert sorted(e["code"] for e in errors) == ["2020", "2050", "2050", "2500"]
    assert {"Line", "CustomerRef", "DocNumber", "PrivateNote"} == {e["element"] for e in errors}


@pytest.mark.parametrize("query, status", [("", 400), ("?include=allowduplicatedocnum", 200)],
                         ids=["duplicate-rejected-6140", "allowduplicatedocnum"])
def test_duplicate_docnumber(qbo_api, query, status):
    first = qbo_api.post("invoice", json=invoice_body(DocNumber="ACD-7")).json()["Invoice"]
    answer = qbo_api.post("invoice" + query, json=invoice_body(DocNumber="ACD-7"))
    assert answer.status_code == status
    if status == 400:
        error, = only_error(answer)
        assert error["code"] == "6140" and error["Message"] == "Duplicate Document Number Error"
        assert error["Detail"] == ("Duplicate Document Number Error : You must specify a different number. This number "
                                   "has already been used. DocNumber=ACD-7 is assigned to TxnType=Invoice with "
                                   f"TxnId={first['Id']}")
    assert qbo_api.emu.docnumber_counts("Invoice") == {"ACD-7": 1 if status == 400 else 2}
    assert qbo_api.post("bill", json=bill_body(DocNumber="ACD-7")).status_code == 200  # per entity type


def test_duplicate_check_can_be_switched_off(make_qbo):
    api = Api(make_qbo(duplicate_docnumber_check=False))
    for _ in range(2):
        assert api.post("invoice", json=invoice_body(DocNumber="SAME")).status_code == 200
    assert api.emu.docnumber_counts("Invoice") == {"SAME": 2}


@pytest.mark.parametrize("data, code, detail", [
    (b'{"Line": [', "2010", "Property Name"),
    ('{"CustomerRef": {"value": "1"}, "PrivateNote": "Zoë"}'.encode("latin-1"), "2010", "Invalid UTF-8"),
    (b'{"Line": NaN}', "2010", "NaN"),
], ids=["truncated-json", "latin1-bytes-not-utf8", "nan"])
def test_unparseable_bodies(qbo_api, data, code, detail):
    errors = only_error(qbo_api.post("invoice", data=data, headers={"Content-Type": "application/json"}))
    assert errors[0]["code"] == code and detail in errors[0]["Detail"]


def test_dates_with_time_are_cut_to_the_day(qbo_api):
    invoice = qbo_api.post("invoice", json=invoice_body(TxnDate="2026-03-15T00:00:00")).json()["Invoice"]
    assert invoice["TxnDate"] == "2026-03-15" and invoice["DueDate"] == "2026-03-15"


@pytest.mark.parametrize("method, path, code", [
    ("GET", "invoice/424242", "610"), ("GET", "Invoice/1", "500"), ("POST", "estimate", "500"),
    ("GET", "companyinfo/123", "610"),
], ids=["read-missing-610", "uri-case-sensitive", "unsupported-entity", "companyinfo-other-id"])
def test_not_found_and_unsupported(qbo_api, method, path, code):
    errors = only_error(qbo_api.request(method, path, json={}))
    assert errors[0]["code"] == code


# ---------------------------------------------------------------------------------------------- query
def names(answer) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [c.get("DisplayName") for c in answer.json()["QueryResponse"].get("Customer", [])]


@pytest.mark.parametrize("query, expected", [
    ("select * from Customer where DisplayName = 'O\\'Brien & Sons'", ["O'Brien & Sons"]),
    ("SELECT * FROM Customer WHERE DisplayName = 'Initech'", ["Initech"]),
    ("select * from Customer where DisplayName = 'initech'", []),
    ("select * from Customer where DisplayName IN ('Initech', 'Globex LLC') ORDERBY DisplayName",
     ["Globex LLC", "Initech"]),
    ("select * from Customer where DisplayName LIKE '%corp%' ORDERBY DisplayName DESC",
     ["Umbrella Corp", "Tyrell Corp", "Acme Corp"]),
    ("select * from Customer where Active = false", ["Cyberdyne Systems"]),
    ("select * from Customer ORDERBY DisplayName STARTPOSITION 3 MAXRESULTS 2", ["Initech", "Müller & Söhne GmbH"]),
    ("select * from Customer where Id >= '9' ORDERBY Id", ["Tyrell Corp", "Soylent Co", "Müller & Söhne GmbH"]),
    ("select * from Customer where DisplayName = 'Nobody'", []),
], ids=["backslash-escaped-quote", "keywords-any-case", "equals-is-case-sensitive", "in-list", "like-ci-desc",
        "inactive-only-when-asked", "paging", "ids-compare-numerically", "no-match"])
def test_query_customers(qbo_api, query, expected):
    assert names(qbo_api.query(query)) == expected


def test_query_shapes(qbo_api):
    assert qbo_api.query("select * from Invoice").json()["QueryResponse"] == {}
    for doc in ("A-1", "A-2"):
        qbo_api.post("invoice", json=invoice_body(DocNumber=doc))
    hit = qbo_api.query("select * from Invoice where DocNumber = 'A-2'").json()
    assert set(hit) == {"QueryResponse", "time"}
    assert hit["QueryResponse"]["startPosition"] == 1 and hit["QueryResponse"]["maxResults"] == 1
    sparse = qbo_api.query("select Id, DocNumber from Invoice where DocNumber IN ('A-1','A-2')").json()
    assert [set(i) for i in sparse["QueryResponse"]["Invoice"]] == [{"Id", "DocNumber", "domain", "sparse"}] * 2
    assert all(i["sparse"] is True for i in sparse["QueryResponse"]["Invoice"])
    assert qbo_api.query("select count(*) from Invoice").json()["QueryResponse"] == {"totalCount": 2}
    posted = qbo_api.post("query", data="select * from Item where Name = 'Services'",
                          headers={"Content-Type": "application/text"}).json()
    assert posted["QueryResponse"]["Item"][0]["Id"] == "1"
    assert qbo_api.emu.stats()["query"] == 5


def test_maxresults_default_and_cap(qbo_api):
    for n in range(105):
        qbo_api.emu.add_customer(f"Bulk {n:03d}")
    assert len(qbo_api.query("select * from Customer").json()["QueryResponse"]["Customer"]) == 100
    capped = qbo_api.query("select * from Customer MAXRESULTS 5000").json()["QueryResponse"]
    assert capped["maxResults"] == 116


@pytest.mark.parametrize("query, code, detail", [
    ("select * from Customer where DisplayName = 'Zoë Café Ltd'", "4000",
     'Lexical error at line 1, column 47.  Encountered: "\\u00eb" (235), after : "\\\'Zo"'),
    ("select * from Customer where DisplayName = 'Bob' OR DisplayName = 'Al'", "4000", "QueryParserError"),
    ("select * from Customer where DisplayName != 'Bob'", "4000", "QueryParserError"),
    ("select * from Customer where DisplayName = 'unterminated", "4000", "Lexical error"),
    ("select from Customer", "4000", "QueryParserError"),
    ("select * from Widget", "4001", "Invalid context declaration : Widget"),
    ("select * from customer", "4001", "Invalid context declaration : customer"),
    ("select * from Customer where Notes = 'x'", "4001", "property 'Notes' is not queryable"),
    ("select * from Customer where displayname = 'Initech'", "4001", "not queryable"),
], ids=["non-ascii", "or-unsupported", "not-equal-unsupported", "unterminated-string", "missing-projection",
        "unknown-entity", "entity-case-sensitive", "unfilterable-field", "field-case-sensitive"])
def test_query_errors(qbo_api, query, code, detail):
    error, = only_error(qbo_api.query(query))
    assert error["code"] == code and detail in error["Detail"], error
    assert error["Message"] == ("Error parsing query" if code == "4000" else "Invalid query")


# ---------------------------------------------------------------------------------------------- batch
def test_batch_mixed_success_fault_and_query(qbo_api):
    answer = qbo_api.post("batch", json={"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Invoice": invoice_body(DocNumber="B-1")},
        {"bId": "2", "operation": "create", "Invoice": invoice_body("999")},
        {"bId": "3", "Query": "select * from Customer where DisplayName = 'Initech'"},
        {"bId": "4", "operation": "create", "Invoice": invoice_body(DocNumber="B-1")},
        {"bId": "5", "operation": "update", "Invoice": {"Id": "1"}},
    ]})
    assert answer.status_code == 200
    items = {i["bId"]: i for i in answer.json()["BatchItemResponse"]}
    assert items["1"]["Invoice"]["DocNumber"] == "B-1"
    assert items["2"]["Fault"]["type"] == "ValidationFault"
    assert items["2"]["Fault"]["Error"][0]["code"] == "2500"
    assert items["3"]["QueryResponse"]["Customer"][0]["DisplayName"] == "Initech"
    assert items["4"]["Fault"]["Error"][0]["code"] == "6140"
    assert items["5"]["Fault"]["Error"][0]["code"] == "610"  # an update of an object that does not exist
    assert [i["DocNumber"] for i in qbo_api.emu.created("Invoice")] == ["B-1"]
    stats = qbo_api.emu.stats()
    assert (stats["batch"], stats["batch_items"], stats["create"]) == (1, 5, 0)


@pytest.mark.parametrize("count, status", [(0, 200), (30, 200), (31, 400)], ids=["empty", "thirty", "thirty-one"])
def test_batch_size_limit(qbo_api, count, status):
    items = [{"bId": str(n), "operation": "create", "Invoice": invoice_body(DocNumber=f"N-{n}")} for n in range(count)]
    answer = qbo_api.post("batch", json={"BatchItemRequest": items})
    assert answer.status_code == status
    if status == 200:
        assert len(answer.json()["BatchItemResponse"]) == count
    else:
        assert only_error(answer)[0]["code"] == "6000" and qbo_api.emu.created("Invoice") == []


def test_batch_bill_in_simple_start_is_a_per_item_fault(qbo_api):
    qbo_api.emu.set_edition("Simple Start")
    answer = qbo_api.post("batch", json={"BatchItemRequest": [{"bId": "b", "operation": "create",
                                                               "Bill": bill_body()}]})
    assert answer.json()["BatchItemResponse"][0]["Fault"]["Error"][0]["code"] == "5020"


# ---------------------------------------------------------------------------------- requestid, minorversion
def test_requestid_replays_the_first_answer(qbo_api):
    first = qbo_api.post("invoice?requestid=rid-1", json=invoice_body(DocNumber="R-1"))
    again = qbo_api.post("invoice?requestid=rid-1", json=invoice_body(DocNumber="R-1"))
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert len(qbo_api.emu.created("Invoice")) == 1 and qbo_api.emu.stats()["replayed"] == 1
    fault = qbo_api.post("invoice?requestid=rid-2", json=invoice_body("999"))
    assert qbo_api.post("invoice?requestid=rid-2", json=invoice_body()).content == fault.content


def test_requestid_replays_a_batch(qbo_api):
    body = {"BatchItemRequest": [{"bId": "1", "operation": "create", "Invoice": invoice_body()}]}
    first = qbo_api.post("batch?requestid=batch-1", json=body)
    assert qbo_api.post("batch?requestid=batch-1", json=body).content == first.content
    assert len(qbo_api.emu.created("Invoice")) == 1


def test_requestid_not_honoured_creates_twice(make_qbo):
    api = Api(make_qbo(honour_requestid=False))
    for _ in range(2):
        api.post("invoice?requestid=same", json=invoice_body())
    assert len(api.emu.created("Invoice")) == 2


@pytest.mark.parametrize("path, body, detail", [
    ("invoice?requestid=" + "r" * 51, invoice_body(), "more than 50 characters"),
    ("batch?requestid=" + "r" * 37, {"BatchItemRequest": []}, "more than 36 characters"),
    ("batch?requestid=ok", {"BatchItemRequest": [{"bId": "b" * 11, "Query": "select * from Item"}]}, "10"),
], ids=["requestid-over-50", "batch-requestid-over-36", "bid-over-10-with-requestid"])
def test_requestid_limits(qbo_api, path, body, detail):
    error, = only_error(qbo_api.post(path, json=body))
    assert error["code"] == "6000" and detail in error["Detail"]


def test_long_bids_are_fine_without_requestid(qbo_api):
    body = {"BatchItemRequest": [{"bId": "b" * 36, "Query": "select * from Item"}]}
    assert qbo_api.post("batch", json=body).status_code == 200


@pytest.mark.parametrize("value, counted", [("4", "75"), ("74", "75"), ("75", "75"), ("80", "80"), (None, "75")],
                         ids=["4", "74", "75", "80", "absent"])
def test_minorversion_below_75_is_75(qbo_api, value, counted):
    params = {"minorversion": value} if value else {}
    assert qbo_api.get(f"companyinfo/{qbo_api.emu.realm_id}", params=params).status_code == 200
    assert qbo_api.emu.stats()["minor_versions"] == {counted: 1}
