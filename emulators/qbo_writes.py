"""Which write a request asks for, and one entry point that performs it, shared by single requests (qbo.py) and
batch items (qbo_batch.py), so both answer alike.

    POST .../{resource}                          create; with an "Id" in the body: update (sparse or full)
    POST .../{resource}?operation=update         update
    POST .../{resource}?operation=delete         delete                    (Invoice, Bill, Payment, BillPayment)
    POST .../invoice?operation=void              void an Invoice           (Intuit invoice page)
    POST .../payment?operation=update&include=void, .../billpayment?...   void a payment (a sparse update; the
                                                 `operation=update` may be left out, as python-quickbooks#304 shows)

In a batch item, "operation" is create | update | delete, or "void" for an Invoice; a payment is voided with
operation "update" and "optionsData": "void" (mcohen01/node-quickbooks#150, quoting Intuit's community answer).
Anything else is 500 Unsupported Operation.
"""

from __future__ import annotations

import json

from emulators import qbo_lifecycle, qbo_payments
from emulators.qbo_faults import unsupported

WRITES = ("create", "update", "delete", "void")
TRANSACTIONS_UPDATABLE = ("Invoice", "Bill")


def body_has_id(data: bytes) -> bool:
    """Whether a POST body names an existing object (an update); unreadable bodies are creates (and fail there)."""
    try:
        body = json.loads(data)
    except ValueError:
        return False
    return isinstance(body, dict) and "Id" in body


def operation_of(args, entity: str, has_id: bool) -> str | None:
    """The write a `POST .../{resource}` asks for (module docstring), or None if QBO does not serve it."""
    operation = args.get("operation")
    include = {part.strip().lower() for part in args.get("include", "").split(",")}
    if operation in ("delete", "void"):
        return operation
    if operation not in (None, "", "update"):
        return None
    if "void" in include and entity in qbo_payments.SETTLES:
        return "void"
    return "update" if has_id or operation == "update" else "create"


def write(company, entity: str, operation: str, body, include: set[str]) -> dict:
    """Perform one write; returns the object to answer under the entity's name. Raises QboFault."""
    if operation == "create" and isinstance(body, dict) and "Id" in body:
        operation = "update"
    if operation == "void":
        return _void(company, entity, body, include)
    if operation == "delete":
        if entity in TRANSACTIONS_UPDATABLE:
            return qbo_lifecycle.delete(company, entity, body)
        if entity in qbo_payments.SETTLES:
            return qbo_payments.delete(company, entity, body)
        raise unsupported(f"Operation delete {entity} is not supported by the emulator")
    if operation == "update":
        if entity in TRANSACTIONS_UPDATABLE:
            return qbo_lifecycle.update(company, entity, body, include)
        raise unsupported(f"Operation update {entity} is not supported by the emulator")
    if entity in qbo_payments.SETTLES:
        return qbo_payments.create(company, entity, body)
    return company.create(entity, body, include)


def _void(company, entity: str, body, include: set[str]) -> dict:
    if "void" in include and entity in qbo_payments.SETTLES:
        return qbo_payments.void(company, entity, body)
    if "void" not in include and entity == "Invoice":
        return qbo_lifecycle.void(company, entity, body)
    if entity in qbo_payments.SETTLES:
        raise unsupported(f"Operation void is not supported for {entity}: void it with a sparse update and "
                          "include=void")
    raise unsupported(f"Operation void is not supported for {entity}")
