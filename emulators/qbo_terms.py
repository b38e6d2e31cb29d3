"""Payment terms: `Term` entities and the DueDate QuickBooks computes from them. Reference §12.

Shapes. A real sandbox answer of 2025-10 (hotgluexyz/target-quickbooks-v2 invoice_cad_with_taxes_create_test
vcr.yaml) lists a fresh company's terms as {"Name": "Due on receipt", "Active": true, "Type": "STANDARD",
"DueDays": 0, "DiscountDays": 0, "domain", "sparse", "Id": "1", "SyncToken", "MetaData"}, then Net 15 (Id 2),
Net 30 (3) and Net 60 (4); the emulator seeds exactly these, plus an inactive "Net 45" (Id 5, **ours**) for the
"term QuickBooks has but inactive" case. A date-driven term has "Type": "DATE_DRIVEN", DayOfMonthDue,
DueNextMonthDays, DiscountDayOfMonth (ruckus/quickbooks-ruby spec/fixtures/term.xml). Type is read-only: "If
dueDays is not null, the Type is Standard else DateDriven" (Finance.xsd, intuit/QuickBooks-V3-DotNET-SDK Fms.cs).

Where terms sit: Invoice.SalesTermRef, Bill.SalesTermRef (Fms.cs: "SalesTerm Reference for the bill"),
Customer.SalesTermRef, Vendor.TermRef. References are answered as {"value": Id} (Intuit's invoice samples).

DueDate, in order (Intuit invoice/bill pages: "If date is not provided, the number of days specified in
SalesTermRef added the transaction date will be used"):
  1. the DueDate sent;
  2. the transaction's SalesTermRef (an unknown or inactive term is 2500 Invalid Reference Id on SalesTermRef);
  3. the customer's SalesTermRef / vendor's TermRef. Through the API QuickBooks derives the DueDate from it but does
     not copy the term onto the transaction (intuit/quickbooks-online-mcp-server#91, reproduced on a live company:
     "The v3 API does not auto-populate these from the customer on create (only DueDate is derived)"), so the
     answer has no SalesTermRef; an inactive default is skipped (**our choice**);
  4. Invoices only: the company's default terms, Preferences.SalesFormsPrefs.DefaultTerms (behaviour
     `default_terms`, off by default; Intuit's sandbox has {"value": "3"}, and Intuit's create-invoice sample
     answers DueDate = TxnDate + 30 days for a body with neither DueDate nor SalesTermRef);
  5. else the TxnDate (as the emulator always did).
STANDARD: TxnDate + DueDays. DATE_DRIVEN (**our reading** of Intuit's field descriptions): DayOfMonthDue of the
TxnDate's month (the month's last day if shorter), or of the next month when the TxnDate is fewer than
DueNextMonthDays days before it (or after it).

Creating a term (POST .../term): Name required (2020), at most 31 characters (2050), unique among terms (6240,
**our wording**); DueDays (a whole number >= 0) or DayOfMonthDue (1-31) required (2020, **our choice**). Updates
and deletes of terms are not served (500 Unsupported Operation).
"""

from __future__ import annotations

import calendar
import copy
from datetime import date, timedelta

from emulators.qbo_faults import (DUPLICATE_NAME, INVALID_REF, INVALID_REF_DETAIL, error, invalid_property,
                                  length_error, required_error)

SEED = (("1", "Due on receipt", 0, True), ("2", "Net 15", 15, True), ("3", "Net 30", 30, True),
        ("4", "Net 60", 60, True), ("5", "Net 45", 45, False))
WHOLE_FIELDS = ("DueDays", "DiscountDays", "DayOfMonthDue", "DueNextMonthDays", "DiscountDayOfMonth")
PARTY_TERM = {"Invoice": ("CustomerRef", "Customer", "SalesTermRef"), "Bill": ("VendorRef", "Vendor", "TermRef")}


def seed(company) -> None:
    """The seeded terms by fixed Ids; one already there (by Id) is kept, so an older state file gains them."""
    for term_id, name, days, active in SEED:
        if term_id not in company.objects["Term"]:
            company._store("Term", build(company, {"Name": name, "DueDays": days, "Active": active}, []), term_id)
    company._sequences["Term"] = max(company._sequences.get("Term", 0), len(SEED))


def build(company, body: dict, errors: list) -> dict:
    """A new Term from a create body (module docstring), server fields filled."""
    name = body.get("Name")
    if not name:
        errors.append(required_error("Name"))
    else:
        length_error(name, 31, "Name", errors)
        wanted = name.strip().casefold()
        if any(t.get("Name", "").strip().casefold() == wanted for t in company.objects["Term"].values()):
            errors.append(error("6240", DUPLICATE_NAME, "The name supplied already exists. : Another term is already "
                                                        "using this name.", ""))
    for key in WHOLE_FIELDS:
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            errors.append(invalid_property(f"{key}: expected a whole number >= 0, got {value!r}", key))
    day = body.get("DayOfMonthDue")
    if isinstance(day, int) and not isinstance(day, bool) and not 1 <= day <= 31:
        errors.append(invalid_property(f"DayOfMonthDue: expected 1 to 31, got {day}", "DayOfMonthDue"))
    if body.get("DueDays") is None and body.get("DayOfMonthDue") is None:
        errors.append(required_error("DueDays"))
    obj = company._server_fields(copy.deepcopy(body))
    obj.setdefault("Active", True)
    if obj.get("DueDays") is not None:
        obj["Type"] = "STANDARD"
        obj.setdefault("DiscountDays", 0)
        for key in ("DayOfMonthDue", "DueNextMonthDays", "DiscountDayOfMonth"):
            obj.pop(key, None)
    else:
        obj["Type"] = "DATE_DRIVEN"
        obj.setdefault("DueNextMonthDays", 0)
        obj.pop("DueDays", None)
    ordered = {key: obj.pop(key) for key in ("Name", "Active", "Type", "DueDays", "DiscountDays", "DayOfMonthDue",
                                             "DueNextMonthDays", "DiscountDayOfMonth") if key in obj}
    return {**ordered, **obj}


def resolve(company, ref, element: str, errors: list) -> dict | None:
    """The active Term a {"value": Id} reference names; 2020 without a value, 2500 unknown or inactive."""
    if not isinstance(ref, dict) or ref.get("value") in (None, ""):
        errors.append(required_error(element))
        return None
    term = company.objects["Term"].get(str(ref["value"]))
    if term is None or not term.get("Active", True):
        errors.append(error("2500", INVALID_REF, INVALID_REF_DETAIL, element))
        return None
    return term


def due_date(term: dict, txn_date: date) -> date:
    if term.get("DueDays") is not None:
        return txn_date + timedelta(days=int(term["DueDays"]))
    day, next_month_days = int(term.get("DayOfMonthDue") or 1), int(term.get("DueNextMonthDays") or 0)
    due = _day_of(txn_date.year, txn_date.month, day)
    if (due - txn_date).days < next_month_days:
        year, month = (txn_date.year + 1, 1) if txn_date.month == 12 else (txn_date.year, txn_date.month + 1)
        due = _day_of(year, month, day)
    return due


def _day_of(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def party_terms(company, entity: str, obj: dict, errors: list) -> None:
    """A Customer's SalesTermRef / Vendor's TermRef, when sent, must name an active term; answered as {"value"}."""
    key = {"Customer": "SalesTermRef", "Vendor": "TermRef"}.get(entity)
    if key and obj.get(key) is not None and resolve(company, obj[key], key, errors):
        obj[key] = {"value": str(obj[key]["value"])}


def apply(company, entity: str, obj: dict, errors: list) -> None:
    """Check the transaction's SalesTermRef and fill DueDate (module docstring). TxnDate is already a valid date
    unless errors were found."""
    term = None
    if obj.get("SalesTermRef") is not None:
        term = resolve(company, obj["SalesTermRef"], "SalesTermRef", errors)
        if term:
            obj["SalesTermRef"] = {"value": term["Id"]}
    if obj.get("DueDate") is not None or errors:
        return
    term = term or _default_term(company, entity, obj)
    txn_date = date.fromisoformat(obj["TxnDate"])
    obj["DueDate"] = (due_date(term, txn_date) if term else txn_date).isoformat()


def _default_term(company, entity: str, obj: dict) -> dict | None:
    party_key, party_entity, term_key = PARTY_TERM[entity]
    party_ref = obj.get(party_key)
    party = company.objects[party_entity].get(str(party_ref.get("value"))) if isinstance(party_ref, dict) else None
    candidates = [(party or {}).get(term_key)]
    if entity == "Invoice" and company.behaviour.default_terms is not None:
        candidates.append({"value": company.behaviour.default_terms})
    for ref in candidates:
        term = company.objects["Term"].get(str(ref.get("value"))) if isinstance(ref, dict) else None
        if term and term.get("Active", True):
            return term
    return None
