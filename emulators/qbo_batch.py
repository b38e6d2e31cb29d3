"""`POST /v3/company/{realm}/batch` (reference §3 "Batch endpoint", §10 fixtures) and `include=invoiceLink`.

Up to `max_items` BatchItemRequests, each independent (one cannot use an object another creates), answered with
HTTP 200 and a per-item `Fault` where an item fails. Items run and are answered in request order (QBO does not
guarantee order; clients must match on bId). Too many items, a missing bId, or (with a requestid) a bId over 10
characters fails the whole request with a 400 6000 fault — the exact code QBO uses there is **unconfirmed**.
Items may be `Query`, or an operation (create | update | delete, "void" for an Invoice, "update" with
"optionsData": "void" for a Payment/BillPayment) on Invoice, Bill, Payment, BillPayment (and create on the name
lists, Item and Account), performed as single requests are (qbo_writes.py). Creates follow the company's
duplicate-DocNumber and custom-number settings (qbo_behaviour.py). A batch repeating a
requestid under requestid_mode "reject" never gets here: qbo_behaviour.repeated_request answers it (HTTP 200, a 6000
Fault on every item). A `Query` item may also read `Preferences`.
"""

from __future__ import annotations

from emulators.qbo_faults import REQUIRED, QboFault, business_fault, error, fault
from emulators.qbo_schema import RESOURCES
from emulators.qbo_writes import write


def run_batch(company, body, include: set[str], with_request_id: bool, max_items: int, stats: dict) -> list[dict]:
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise QboFault([error("2020", REQUIRED, "Required parameter BatchItemRequest is missing in the request",
                              "BatchItemRequest")])
    if len(items) > max_items:
        raise business_fault(f"The number of BatchItemRequest items ({len(items)}) exceeds the maximum of "
                             f"{max_items} per batch request")
    for item in items:
        bid = item.get("bId") if isinstance(item, dict) else None
        if not bid:
            raise QboFault([error("2020", REQUIRED, "Required parameter bId is missing in the request", "bId")])
        if with_request_id and len(str(bid)) > 10:
            raise business_fault(f"bId {bid!r} is longer than 10 characters; with a requestid each bId may have "
                                 "at most 10")
    stats["batch"] += 1
    stats["batch_items"] += len(items)
    return [_item(company, item, include) for item in items]


def _item(company, item: dict, include: set[str]) -> dict:
    bid = item["bId"]
    try:
        if "Query" in item:
            return {"bId": bid, "QueryResponse": company.query(str(item["Query"]))}
        entity = next((e for e in RESOURCES.values() if e in item), None)
        operation = item.get("operation")
        if entity is None or operation not in ("create", "update", "delete", "void"):
            raise fault("2010", "Request has invalid or unsupported property",
                        "Property Name:BatchItemRequest needs Query, or operation and an entity object, specified "
                        "is unsupported or invalid")
        if operation == "update" and item.get("optionsData") == "void":
            operation, include = "void", include | {"void"}
        obj = write(company, entity, operation, item[entity], include)
        return {"bId": bid, entity: with_invoice_link(obj, include, entity)}
    except QboFault as problem:
        return {"bId": bid, "Fault": problem.fault}


def with_invoice_link(obj: dict, include: set[str], entity: str = "Invoice") -> dict:
    """`include=invoiceLink` (reference §4): "" unless the invoice has a BillEmail (online payment is possible).
    The link itself is a made-up connect.intuit.com address; nothing serves it."""
    if entity == "Invoice" and "invoicelink" in include and obj.get("status") != "Deleted":
        email = (obj.get("BillEmail") or {}).get("Address") if isinstance(obj.get("BillEmail"), dict) else None
        obj["InvoiceLink"] = (f"https://connect.intuit.com/portal/app/CommerceNetwork/view/scs-v1-{obj['Id']:0>8}"
                              "?locale=en_US") if email else ""
    return obj
