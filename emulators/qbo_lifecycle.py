"""After the invoice exists: update (sparse or full), void and delete of Invoices and Bills, with SyncToken checks.

Intuit's invoice and bill reference pages (reference §4, §5 and the [Intuit reference page] copies):
  * Sparse update: `POST .../invoice` with `Id`, `SyncToken`, `"sparse": true`: "only elements specified in the
    request are updated. Missing elements are left untouched." `Line`, when given, replaces every line. Full update
    (no `sparse`): "Writable fields omitted from the request body are set to NULL", so the body must be a whole
    object (CustomerRef/VendorRef and Line are required again). Both answer the object with SyncToken + 1.
    Intuit's bill page documents only the full update; a sparse Bill update is accepted here too (**unconfirmed**).
  * A SyncToken other than the object's current one: 5010 Stale Object Error (reference §6).
  * Void (`?operation=void`, body {Id, SyncToken}, Invoice only): "The transaction remains active but all amounts
    and quantities are zeroed and the string, Voided, is injected into Invoice.PrivateNote, prepended to existing
    text if present"; the page's example answer has TotalAmt 0, Balance 0, Deposit 0, LinkedTxn [] and SyncToken
    + 1. Bills have no void in the API (the bill page lists create, read, query, full update and delete only;
    python-quickbooks gives Bill no VoidMixin): `bill?operation=void` is 500 Unsupported Operation.
  * Delete (`?operation=delete`, body {Id, SyncToken}) answers `{"Invoice": {"status": "Deleted", "domain": "QBO",
    "Id": ...}}`; "You must unlink any linked transactions associated with the invoice object before deleting it".
    The error QBO gives when a payment is still linked is not documented: 6000 here (**our choice**).
  * Voiding an invoice a Payment still settles is refused by QuickBooks (LanternOps/breeze#5180: "QuickBooks will
    not void an invoice that has a payment applied"; the error text is not quoted there): 6000 here (**our choice**).
  * A deleted transaction is gone: read, update, void and delete answer 610 "Object Not Found : Another user has
    deleted this transaction." (Intuit "Fix common API errors" page, variant 2); queries no longer return it; CDC
    reports it as `{"Id", "status": "Deleted", "domain": "QBO", "MetaData": {"LastUpdatedTime"}}` (qbo_cdc.py).
  * Updating a voided transaction: no source says QBO refuses it, so it is allowed (**unconfirmed**); an update
    that gives it a non-zero total makes it an ordinary transaction again.
  * An update keeps what was paid applied: Balance = new total - paid. A new total below the amount paid, or a
    new customer/vendor while payments are applied, is refused with 6000 (**our choice**; QBO's answer is
    undocumented). LinkedTxn is the server's: a client cannot link or unlink payments through an update here.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from emulators.qbo_faults import QboFault, business_fault, invalid_property, required_error, stale_fault, unsupported
from emulators.qbo_lines import money

PARTY = {"Invoice": ("CustomerRef", "Customer"), "Bill": ("VendorRef", "Vendor"),
         "Payment": ("CustomerRef", "Customer"), "BillPayment": ("VendorRef", "Vendor")}
PAYMENT_LINK_TYPES = ("Payment", "BillPaymentCheck")  # how a payment shows in an Invoice's / Bill's LinkedTxn


def key(entity: str, object_id: str) -> str:
    return f"{entity}:{object_id}"


def current(company, entity: str, body) -> dict:
    """The live object the body names, after the checks every write does: Id (2020), not deleted (610), exists
    (610), SyncToken given (2020) and current (5010)."""
    if not isinstance(body, dict):
        raise QboFault([invalid_property(f"Cannot deserialize {entity} from {type(body).__name__}")])
    if body.get("Id") in (None, ""):
        raise QboFault([required_error("Id")])
    object_id = str(body["Id"])
    obj = company.objects[entity].get(object_id)
    if obj is None:
        company.read(entity, object_id)  # raises 610 (the deleted-transaction variant if it was deleted)
    if body.get("SyncToken") in (None, ""):
        raise QboFault([required_error("SyncToken")])
    if str(body["SyncToken"]) != obj["SyncToken"]:
        raise stale_fault()
    return obj


def remove(company, entity: str, object_id: str) -> dict:
    """Delete for good, keeping a tombstone for CDC; returns the answer Intuit's delete examples show."""
    del company.objects[entity][object_id]
    company.voided.discard(key(entity, object_id))
    company.deleted.setdefault(entity, {})[object_id] = {
        "Id": object_id, "status": "Deleted", "domain": "QBO",
        "MetaData": {"LastUpdatedTime": company._meta()["LastUpdatedTime"]}}
    company.note_change(entity, object_id)
    return {"status": "Deleted", "domain": "QBO", "Id": object_id}


def payment_links(obj: dict) -> list[dict]:
    return [link for link in obj.get("LinkedTxn", []) if link.get("TxnType") in PAYMENT_LINK_TYPES]


def paid(obj: dict) -> Decimal:
    return Decimal(str(obj.get("TotalAmt", 0))) - Decimal(str(obj.get("Balance", 0)))


def party_value(obj: dict, entity: str) -> str | None:
    ref = obj.get(PARTY[entity][0])
    return str(ref["value"]) if isinstance(ref, dict) and ref.get("value") is not None else None


# ------------------------------------------------------------------------------------------------- update
def update(company, entity: str, body, include: set[str]) -> dict:
    """Sparse or full update of an Invoice or Bill (module docstring); returns the server's copy."""
    company.check_edition(entity)
    company.check_body(entity, body)
    existing = current(company, entity, body)
    merged = copy.deepcopy({**existing, **body} if body.get("sparse") is True else body)
    obj = _rebuilt(company, entity, existing, merged, include)
    obj.update({"Id": existing["Id"], "SyncToken": existing["SyncToken"], "LinkedTxn": existing.get("LinkedTxn", []),
                "MetaData": {**obj["MetaData"], "CreateTime": existing["MetaData"]["CreateTime"]}})
    obj = {"Id": existing["Id"], **{k: v for k, v in obj.items() if k != "Id"}}
    company.objects[entity][existing["Id"]] = obj  # same key: the creation order queries rely on is kept
    if Decimal(str(obj["TotalAmt"])) != 0:
        company.voided.discard(key(entity, obj["Id"]))
    company.touch(entity, obj)
    return copy.deepcopy(obj)


def _rebuilt(company, entity: str, existing: dict, merged: dict, include: set[str]) -> dict:
    """Validate `merged` as the create path does (the object's own DocNumber is no duplicate of itself), move its
    customer's/vendor's balance from the old total to the new one, and keep what was paid applied."""
    party_key, party_entity = PARTY[entity]
    already_paid, old_party = paid(existing), party_value(existing, entity)
    numbers = (company._next_doc_number, company._next_bill_number)
    own_number = existing.pop("DocNumber", None)
    try:
        errors: list = []
        build = company._invoice if entity == "Invoice" else company._bill
        obj = build(merged, errors, include)
        if errors:
            raise QboFault(errors)
    finally:
        if own_number is not None:
            existing["DocNumber"] = own_number
    if not company.behaviour.custom_numbers(entity) and own_number is not None:   # QuickBooks keeps its number
        obj["DocNumber"] = own_number
        company._next_doc_number, company._next_bill_number = numbers
    total, new_party = Decimal(str(obj["TotalAmt"])), party_value(obj, entity)
    problem = _paid_problem(entity, existing, already_paid, total, old_party, new_party)
    if problem:
        company._add_balance(party_entity, new_party, -total)   # undo what the builder added
        raise business_fault(problem)
    company._add_balance(party_entity, old_party, -Decimal(str(existing["Balance"])))
    company._add_balance(party_entity, new_party, -already_paid)
    obj["Balance"] = money(total - already_paid)
    return obj


def _paid_problem(entity: str, existing: dict, already_paid: Decimal, total: Decimal, old_party, new_party):
    if not payment_links(existing):
        return None
    if new_party != old_party:
        return (f"This {entity} has payments applied; it cannot move to another "
                f"{PARTY[entity][1].lower()} until they are removed")
    if total < already_paid:
        return f"The {entity} total {money(total):.2f} is less than the {money(already_paid):.2f} already paid"
    return None


# ------------------------------------------------------------------------------------------- void, delete
def void(company, entity: str, body) -> dict:
    """`?operation=void` of an Invoice (module docstring); returns the voided invoice."""
    if entity != "Invoice":
        raise unsupported(f"Operation void is not supported for {entity}")
    obj = current(company, entity, body)
    if payment_links(obj):
        raise business_fault("This invoice has a payment applied. Delete or void the payment before voiding "
                             "the invoice")
    company._add_balance("Customer", party_value(obj, entity), -Decimal(str(obj["Balance"])))
    for line in obj.get("Line", []):
        line["Amount"] = 0
        detail = line.get(line.get("DetailType", ""), {})
        if isinstance(detail, dict) and "Qty" in detail:
            detail["Qty"] = 0
    obj.update({"TotalAmt": 0, "Balance": 0, "Deposit": 0, "LinkedTxn": [],
                "TxnTaxDetail": {**obj.get("TxnTaxDetail", {}), "TotalTax": 0}})
    if key(entity, obj["Id"]) not in company.voided:
        obj["PrivateNote"] = voided_note(obj.get("PrivateNote"))
        company.voided.add(key(entity, obj["Id"]))
    company.touch(entity, obj)
    return copy.deepcopy(obj)


def voided_note(note) -> str:
    """"Voided", prepended to existing text if present (Intuit invoice/payment/billpayment pages; the separator
    is **unconfirmed**)."""
    return f"Voided - {note}" if note else "Voided"


def delete(company, entity: str, body) -> dict:
    """`?operation=delete` of an Invoice or Bill; refused while a payment is linked."""
    obj = current(company, entity, body)
    if payment_links(obj):
        raise business_fault(f"You must unlink any linked transactions associated with the {entity} before "
                             f"deleting it")
    company._add_balance(PARTY[entity][1], party_value(obj, entity), -Decimal(str(obj["Balance"])))
    return remove(company, entity, obj["Id"])
