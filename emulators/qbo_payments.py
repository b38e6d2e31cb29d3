"""Payment (a customer pays Invoices) and BillPayment (the company pays Bills): create, void, delete, and what they
do to the transactions they settle.

Shapes (Intuit payment and billpayment reference pages; ruckus/quickbooks-ruby spec/fixtures
change_data_capture_response.xml, a real 2016 CDC answer, and fetch_bill_payment_by_id.xml):

    Payment      {CustomerRef, TotalAmt, TxnDate, UnappliedAmt, DepositToAccountRef, ProcessPayment: false,
                  Line: [{Amount, LinkedTxn: [{TxnId, TxnType: "Invoice"}]}], ...}
    BillPayment  {VendorRef, PayType: "Check" | "CreditCard", CheckPayment: {BankAccountRef, PrintStatus} |
                  CreditCardPayment: {CCAccountRef}, TotalAmt, TxnDate, Line: [{Amount, LinkedTxn: [{TxnId,
                  TxnType: "Bill"}]}], ...}

Applying one lowers the linked Invoice's/Bill's Balance and adds the payment to its own LinkedTxn: TxnType
"Payment" on an Invoice; "BillPaymentCheck" on a Bill whatever the PayType (the 2016 fixture shows a CreditCard
BillPayment as "BillPaymentCheck" on its Bill, and Intuit's bill page lists only PurchaseOrder, BillPaymentCheck and
ReimburseCharge as Bill LinkedTxn types). Both sides get SyncToken + 1 and a new LastUpdatedTime; the customer's or
vendor's Balance follows (their SyncToken does not change, as for invoice creates).

Void (Intuit: "Use a sparse update operation with include=void": `POST .../payment?operation=update&include=void`,
body {Id, SyncToken, sparse: true}; routablehq/python-quickbooks#304, intuit/QuickBooks-V3-DotNET-SDK#261 for
BillPayment): "all amounts and quantities are zeroed, all lines are cleared, and the string, Voided, is injected
into PrivateNote" (ruckus fixture bill_payment_void_response_success.xml: TotalAmt 0, no Line). `operation=void`
is the Invoice form only; on a payment it is refused (intuit/QuickBooks-V3-PHP-SDK#479: "Unknown Operation").
Delete (`?operation=delete`, {Id, SyncToken}) answers {"status": "Deleted", "domain": "QBO", "Id"}. Both give the
settled transactions their balance back and drop the link.

Validation: required CustomerRef/VendorRef (2020), PayType (2020; other values 2170) with its account ref (2020),
Line for a BillPayment (2020); a missing TotalAmt is 6000 "Business Validation Error: You must set a transaction
amount." (Intuit "Fix common API errors" page). **Our choices** (QBO's answers are undocumented), all 6000
Business Validation Errors: a line amount over the open balance, a linked transaction of another customer/vendor,
a negative amount, lines adding up to more than TotalAmt (a Payment keeps the rest as UnappliedAmt; a BillPayment's
lines must add up to TotalAmt exactly), a BankAccountRef that is not a Bank account, a CCAccountRef that is not a
Credit Card account, a DepositToAccountRef that is neither Bank nor Other Current Asset. A linked transaction that
was deleted is 610 "Another user has deleted this transaction"; one that never existed is 2500. Only Invoice
(Payment) and Bill (BillPayment) links are served; CreditMemo, JournalEntry, ... links are 500 Unsupported.
Updating a payment other than voiding it is not served (500 Unsupported Operation).
"""

from __future__ import annotations

import copy
from decimal import Decimal

from emulators import qbo_currency
from emulators.qbo_faults import (INVALID_REF, INVALID_REF_DETAIL, QboFault, business_fault, company_date,
                                  deleted_fault, error, invalid_property, length_error, required_error)
from emulators.qbo_lifecycle import PARTY, current, key, remove, voided_note
from emulators.qbo_lines import money

SETTLES = {"Payment": "Invoice", "BillPayment": "Bill"}
SHOWN_AS = {"Payment": "Payment", "BillPayment": "BillPaymentCheck"}  # the TxnType on the settled transaction
PAY_FROM = {"Check": ("CheckPayment", "BankAccountRef", ("Bank",)),
            "CreditCard": ("CreditCardPayment", "CCAccountRef", ("Credit Card",))}
LINE_KEYS = {"Id", "LineNum", "Amount", "LinkedTxn", "LineEx", "Description"}
UNDEPOSITED_FUNDS = "4"
NO_AMOUNT = "You must set a transaction amount."


# ------------------------------------------------------------------------------------------------- create
def create(company, entity: str, body, log: bool = True) -> dict:
    """Validate, store and apply a new Payment/BillPayment; `log` False for a payment a QuickBooks user records
    (it is not "created through the API", so not in `created()`)."""
    company.check_edition(entity)
    company.check_body(entity, body)
    total_sent = body.get("TotalAmt")   # _server_fields drops it: on other transactions it is computed
    obj, errors = company._server_fields(copy.deepcopy(body)), []
    party_key, party_entity = PARTY[entity]
    obj[party_key] = company._ref(obj.get(party_key), party_entity, party_key, errors)
    applied = _lines(company, entity, obj, errors)
    company._date(obj, "TxnDate", errors)
    length_error(obj.get("PrivateNote"), 4000, "PrivateNote", errors)
    _accounts(company, entity, obj, errors)
    if errors:
        raise QboFault(errors)
    total = _total(total_sent)
    _check_amounts(company, entity, obj, applied, total)
    _fill(company, entity, obj, applied, total)
    stored = company._store(entity, obj)
    for target_id, amount in applied.items():
        _apply(company, entity, stored, target_id, amount)
    if log:
        company.created_log.append((entity, stored["Id"]))
    return copy.deepcopy(stored)


def _lines(company, entity: str, obj: dict, errors: list) -> dict[str, Decimal]:
    """Check each line; returns the amount applied per settled transaction Id (request order)."""
    lines = obj.get("Line", [])
    if not isinstance(lines, list):
        errors.append(invalid_property("Line: expected an array", "Line"))
        return {}
    if entity == "BillPayment" and not lines:
        errors.append(required_error("Line"))
    applied: dict[str, Decimal] = {}
    for line in lines:
        checked = _line(company, entity, line, errors)
        if checked:
            applied[checked[0]] = applied.get(checked[0], Decimal(0)) + checked[1]
    return applied


def _line(company, entity: str, line, errors: list) -> tuple[str, Decimal] | None:
    if not isinstance(line, dict):
        errors.append(invalid_property("Line", "Line"))
        return None
    errors += [invalid_property(f"Unrecognized field \"{name}\" (class com.intuit.schema.finance.v3.Line), not "
                                f"marked as ignorable", f"Line.{name}") for name in line if name not in LINE_KEYS]
    amount = _amount(line.get("Amount"), "Line.Amount", errors)
    links = line.get("LinkedTxn")
    if not isinstance(links, list) or len(links) != 1 or not isinstance(links[0], dict):
        errors.append(required_error("LinkedTxn", "Line.LinkedTxn"))
        return None
    target_id = _target(company, entity, links[0], errors)
    return (target_id, amount) if target_id is not None and amount is not None else None


def _amount(value, element: str, errors: list) -> Decimal | None:
    if value is None:
        errors.append(required_error(element.split(".")[-1], element))
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) >= 1e10:
        errors.append(invalid_property(f"{element}: expected a JSON number in 10.5 format, got {value!r}", element))
    elif value < 0:
        errors.append(business_fault(f"{element} cannot be negative").errors[0])
    else:
        return Decimal(str(value))
    return None


def _target(company, entity: str, link: dict, errors: list) -> str | None:
    """The Id of the Invoice/Bill a LinkedTxn names, if it can be settled by this entity."""
    wanted, txn_type, txn_id = SETTLES[entity], link.get("TxnType"), link.get("TxnId")
    if txn_type != wanted:
        errors.append(error("500", "Unsupported Operation", f"Operation {entity} linked to TxnType={txn_type} is "
                            f"not supported by the emulator (only {wanted})", "Line.LinkedTxn.TxnType"))
    elif txn_id in (None, ""):
        errors.append(required_error("TxnId", "Line.LinkedTxn.TxnId"))
    elif str(txn_id) in company.deleted.get(wanted, {}):
        errors.append(deleted_fault().errors[0] | {"element": "Line.LinkedTxn.TxnId"})
    elif str(txn_id) not in company.objects[wanted]:
        errors.append(error("2500", INVALID_REF, INVALID_REF_DETAIL, "Line.LinkedTxn.TxnId"))
    else:
        return str(txn_id)
    return None


def _accounts(company, entity: str, obj: dict, errors: list) -> None:
    """DepositToAccountRef (Payment, default Undeposited Funds) or PayType and its account (BillPayment)."""
    if entity == "Payment":
        obj.setdefault("DepositToAccountRef", {"value": UNDEPOSITED_FUNDS})
        _account_ref(company, obj, "DepositToAccountRef", obj["DepositToAccountRef"],
                     ("Bank", "Other Current Asset"), errors)
        return
    pay_type = obj.get("PayType")
    if pay_type is None:
        errors.append(required_error("PayType"))
    elif pay_type not in PAY_FROM:
        errors.append(error("2170", "Invalid Enumeration", f"Invalid Enumeration : {pay_type}", "PayType"))
    else:
        holder, ref_name, types = PAY_FROM[pay_type]
        detail = obj.get(holder)
        ref = detail.get(ref_name) if isinstance(detail, dict) else None
        if ref is None:
            errors.append(required_error(ref_name, f"{holder}.{ref_name}"))
        else:
            _account_ref(company, detail, ref_name, ref, types, errors, f"{holder}.{ref_name}")
            if pay_type == "Check":
                detail.setdefault("PrintStatus", "NotSet")


def _account_ref(company, holder: dict, name: str, ref, types, errors: list, element: str | None = None) -> None:
    resolved = company._ref(ref, "Account", element or name, errors, "Name")
    if resolved is None:
        return
    holder[name] = resolved
    account_type = company.objects["Account"][resolved["value"]].get("AccountType")
    if account_type not in types:
        errors.append(business_fault(f"{element or name} must name a {' or '.join(types)} account; account "
                                     f"{resolved['value']} is {account_type}").errors[0])


def _total(value) -> Decimal:
    """TotalAmt: missing is Intuit's documented 6000; a bad value 2010."""
    if value is None:
        raise business_fault(NO_AMOUNT)
    errors: list = []
    amount = _amount(value, "TotalAmt", errors)
    if errors:
        raise QboFault(errors)
    return amount


def _check_amounts(company, entity: str, obj: dict, applied: dict[str, Decimal], total: Decimal) -> None:
    party_key, party_entity = PARTY[entity]
    target_entity, problems = SETTLES[entity], []
    for target_id, amount in applied.items():
        target = company.objects[target_entity][target_id]
        if target[PARTY[target_entity][0]]["value"] != obj[party_key]["value"]:
            problems.append(f"{target_entity} {target_id} belongs to another {party_entity.lower()}")
        elif amount > Decimal(str(target["Balance"])):
            problems.append(f"The amount {money(amount):.2f} applied to {target_entity} {target_id} is more than "
                            f"its open balance {money(target['Balance']):.2f}")
    lines_total = sum(applied.values(), Decimal(0))
    if lines_total > total:
        problems.append(f"The lines add up to {money(lines_total):.2f}, more than TotalAmt {money(total):.2f}")
    elif entity == "BillPayment" and lines_total != total:
        problems.append(f"The lines add up to {money(lines_total):.2f}; TotalAmt is {money(total):.2f}")
    if problems:
        raise QboFault([business_fault(problem).errors[0] for problem in problems])


def _fill(company, entity: str, obj: dict, applied: dict[str, Decimal], total: Decimal) -> None:
    """The server's copy: amounts as money, one tidy line per settled transaction, defaults."""
    target_entity = SETTLES[entity]
    obj["Line"] = [{"Amount": money(amount), "LinkedTxn": [{"TxnId": target_id, "TxnType": target_entity}]}
                   for target_id, amount in applied.items()]
    obj["TotalAmt"] = money(total)
    obj.setdefault("TxnDate", company_date(company.clock()))
    obj.setdefault("CurrencyRef", qbo_currency.ref(qbo_currency.party_currency(
        company, PARTY[entity][1], (obj.get(PARTY[entity][0]) or {}).get("value"))))
    if entity == "Payment":
        obj["UnappliedAmt"] = money(total - sum(applied.values(), Decimal(0)))
        obj.setdefault("ProcessPayment", False)


# --------------------------------------------------------------------------------- apply and take back
def _apply(company, entity: str, payment: dict, target_id: str, amount: Decimal) -> None:
    target_entity = SETTLES[entity]
    target = company.objects[target_entity][target_id]
    target["Balance"] = money(Decimal(str(target["Balance"])) - amount)
    link = {"TxnId": payment["Id"], "TxnType": SHOWN_AS[entity]}
    if link not in target.setdefault("LinkedTxn", []):
        target["LinkedTxn"].append(link)
    company.touch(target_entity, target)
    company._add_balance(PARTY[target_entity][1], target[PARTY[target_entity][0]]["value"], -amount)


def _take_back(company, entity: str, payment: dict) -> None:
    """Undo `_apply` for every line: balances restored, the payment's link removed from each settled txn."""
    target_entity = SETTLES[entity]
    link = {"TxnId": payment["Id"], "TxnType": SHOWN_AS[entity]}
    for line in payment.get("Line", []):
        target = company.objects[target_entity].get(line["LinkedTxn"][0]["TxnId"])
        if target is None:
            continue
        amount = Decimal(str(line["Amount"]))
        target["Balance"] = money(Decimal(str(target["Balance"])) + amount)
        target["LinkedTxn"] = [other for other in target.get("LinkedTxn", []) if other != link]
        company.touch(target_entity, target)
        company._add_balance(PARTY[target_entity][1], target[PARTY[target_entity][0]]["value"], amount)


# ------------------------------------------------------------------------------------------- void, delete
def void(company, entity: str, body) -> dict:
    """The sparse update with include=void (module docstring); returns the voided payment."""
    if not isinstance(body, dict) or body.get("sparse") is not True:
        raise QboFault([required_error(PARTY[entity][0])])  # a full update of a payment needs the whole object
    obj = current(company, entity, body)
    _take_back(company, entity, obj)
    obj.update({"TotalAmt": 0, "Line": []})
    if entity == "Payment":
        obj["UnappliedAmt"] = 0
    if key(entity, obj["Id"]) not in company.voided:
        obj["PrivateNote"] = voided_note(obj.get("PrivateNote"))
        company.voided.add(key(entity, obj["Id"]))
    company.touch(entity, obj)
    return copy.deepcopy(obj)


def delete(company, entity: str, body) -> dict:
    obj = current(company, entity, body)
    _take_back(company, entity, obj)
    return remove(company, entity, obj["Id"])


def payments_of(company, entity: str, obj: dict) -> list[dict]:
    """The live Payments/BillPayments linked to an Invoice/Bill, for the transaction pages."""
    kind = {"Invoice": "Payment", "Bill": "BillPayment"}[entity]
    return [copy.deepcopy(company.objects[kind][link["TxnId"]]) for link in obj.get("LinkedTxn", [])
            if link.get("TxnType") == SHOWN_AS[kind] and link["TxnId"] in company.objects[kind]]

