"""Transaction lines (reference §4 Invoice, §5 Bill): line validation, server-filled line fields and the total.

Pure apart from the `ref` callable the company passes in to resolve ItemRef/AccountRef. Errors are collected into
the caller's list (one Fault for the whole object). A SalesItemLineDetail without ItemRef is a documentation line:
its Amount is not totalled; an Invoice gets the server's SubTotalLineDetail line appended. Tax codes on lines
(TaxCodeRef, and its US default NON) are qbo_tax.py's.
"""

from __future__ import annotations

from decimal import Decimal

from emulators.qbo_faults import error, invalid_property, length_error, required_error
from emulators.qbo_schema import LINE_FIELDS, LINE_TYPES


def money(value) -> float:
    return float(round(Decimal(str(value)), 2))


def transaction_lines(entity: str, obj: dict, errors: list, ref) -> Decimal:
    """Check and fill `obj["Line"]` in place; returns the total. `ref(ref, entity, element, errors, name_key)`
    resolves a reference (Company._ref)."""
    lines = obj.get("Line")
    if not isinstance(lines, list) or not lines:
        errors.append(required_error("Line"))
        obj["Line"] = []
        return Decimal(0)
    total, kept = Decimal(0), []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            errors.append(invalid_property("Line", "Line"))
            continue
        for key in line:
            if key not in LINE_FIELDS:
                errors.append(invalid_property(f"Unrecognized field \"{key}\" (class com.intuit.schema.finance."
                                                f"v3.Line), not marked as ignorable", f"Line.{key}"))
        detail_type = line.get("DetailType")
        if detail_type is None:
            errors.append(required_error("DetailType", "Line.DetailType"))
            continue
        if detail_type not in LINE_TYPES[entity]:
            errors.append(error("2170", "Invalid Enumeration", f"Invalid Enumeration : {detail_type}",
                                "Line.DetailType"))
            continue
        if detail_type == "SubTotalLineDetail":
            continue  # the server computes its own subtotal line
        if not isinstance(line.get(detail_type, {}), dict):
            errors.append(invalid_property(f"{detail_type}: expected an object", f"Line.{detail_type}"))
            continue
        length_error(line.get("Description"), 4000, "Line.Description", errors)
        amount = line.get("Amount")
        if detail_type != "DescriptionOnly":
            if amount is None:
                errors.append(required_error("Amount", "Line.Amount"))
            elif isinstance(amount, bool) or not isinstance(amount, (int, float)):
                errors.append(invalid_property(f"Amount: expected a JSON number, got {amount!r}", "Line.Amount"))
                amount = None
            elif abs(amount) >= 1e10:
                errors.append(invalid_property(f"Amount {amount} exceeds 15 digits in 10.5 format",
                                                "Line.Amount"))
                amount = None
        counted = _line_detail(detail_type, line, amount, errors, ref)
        line.update({"Id": str(number), "LineNum": number})
        if counted and amount is not None:
            total += -Decimal(str(amount)) if detail_type == "DiscountLineDetail" else Decimal(str(amount))
        kept.append(line)
    if entity == "Invoice":
        kept.append({"Amount": money(total), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    obj["Line"] = kept
    return total


def _line_detail(detail_type: str, line: dict, amount, errors: list, ref) -> bool:
    """Fill one line's detail; True if its Amount counts toward the total."""
    detail = line.setdefault(detail_type, {}) if detail_type != "DescriptionOnly" else {}
    if detail_type == "SalesItemLineDetail":
        if "ItemRef" not in detail:
            return False  # a documentation line (reference §4)
        detail["ItemRef"] = ref(detail["ItemRef"], "Item", "Line.SalesItemLineDetail.ItemRef", errors, "Name")
        qty, price = detail.get("Qty"), detail.get("UnitPrice")
        if isinstance(amount, (int, float)) and isinstance(qty, (int, float)) and isinstance(price, (int, float)) \
                and abs(Decimal(str(qty)) * Decimal(str(price)) - Decimal(str(amount))) >= Decimal("0.01"):
            errors.append(error("6070", "Amount is not equal to UnitPrice * Qty",
                                f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}", "Line.Amount"))
    elif detail_type == "AccountBasedExpenseLineDetail":
        if "AccountRef" not in detail:
            errors.append(required_error("AccountRef", "Line.AccountBasedExpenseLineDetail.AccountRef"))
        else:
            detail["AccountRef"] = ref(detail["AccountRef"], "Account", "Line.AccountBasedExpenseLineDetail.AccountRef",
                                       errors, "Name")
        detail.setdefault("BillableStatus", "NotBillable")
    elif detail_type == "ItemBasedExpenseLineDetail":
        detail["ItemRef"] = ref(detail.get("ItemRef"), "Item", "Line.ItemBasedExpenseLineDetail.ItemRef", errors,
                                "Name")
        detail.setdefault("BillableStatus", "NotBillable")
    return detail_type != "DescriptionOnly"
