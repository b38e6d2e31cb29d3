"""Tax on transaction lines, per the company's country (qbo_country.py). Reference §12.

US companies (Intuit's invoice and bill samples; the IPP error table, code 6100):
  * a line's TaxCodeRef is TAX or NON; absent, NON, as before (with automated sales tax on, TAX: Intuit blog
    2018-03-28 "Automated Sales Tax in the QuickBooks Online API - Update": a line without TaxCodeRef is treated as
    TAX and its taxability comes from the item);
  * anything else, e.g. a numeric TaxCode Id, is 6100 "Invalid Line TaxCode in the request", Detail "Valid line
    TaxCodes for US should be TAX or NON. Supplied value: 8", one per line (a real answer quoted on StackOverflow,
    2015, element Line.SalesItemLineDetail.TaxCodeRef);
  * no sales tax is computed (**simplified**: the automated sales tax engine works from addresses); TxnTaxDetail
    stays as sent, or {"TotalTax": 0} on an Invoice, as before.

Other countries ("global" companies):
  * every line that counts toward the total (SalesItemLineDetail with an ItemRef, AccountBasedExpenseLineDetail,
    ItemBasedExpenseLineDetail) carries a TaxCodeRef; without one the whole transaction is refused with 6000
    "Business Validation Error: Make sure all your transactions have a VAT rate before you save." (GB; "GST/HST" in
    CA, "GST" in AU), element "" (intuit/quickbooks-online-mcp-server#94, ruckus/quickbooks-ruby#351,
    activepieces#8539), unless GlobalTaxCalculation is NotApplicable (**our choice**);
  * a TaxCodeRef that is not an active TaxCode of this company (an Id of another country's list, TAX/NON, an
    inactive code) is 2500 Invalid Reference Id on Line.<detail>.TaxCodeRef (**our choice**; the code QBO uses
    for an unknown reference);
  * GlobalTaxCalculation TaxExcluded (the default when absent, as a real CA answer shows), TaxInclusive or
    NotApplicable (Finance.xsd GlobalTaxCalculationEnum); anything else is 2170 Invalid Enumeration;
  * the server computes TxnTaxDetail (what is sent is replaced; **simplified**: QBO honours an explicit tax amount):
    per TaxRate of each line's code (SalesTaxRateList on an Invoice, PurchaseTaxRateList on a Bill) one TaxLine
    {"Amount", "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value"}, "PercentBased": true,
    "TaxPercent", "NetAmountTaxable"}}, ordered by rate Id; an Invoice's discount lines lower each line's taxable
    amount in proportion; TotalAmt = the lines + TotalTax. This reproduces the real CA answer above exactly (lines
    50 HST ON + 70 Exempt, discount 10: NetAmountTaxable 45.83 and 64.17, TotalTax 5.96, TotalAmt 115.96);
  * Line.Amount is always the net amount: "By default QuickBooks assumes all prices exclude tax"; TaxInclusive
    changes how the form shows amounts (ruckus/quickbooks-ruby#346), so TaxExcluded and TaxInclusive give the same
    totals here (TaxInclusiveAmt on lines is not modelled); NotApplicable computes no tax.
Line TaxCodeRefs are answered as {"value": Id} (the real CA answer drops the name sent).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from emulators.qbo_country import CODES, RATES, US_PSEUDO_CODES, missing_tax_detail
from emulators.qbo_faults import (INVALID_REF, INVALID_REF_DETAIL, business_fault, error, invalid_property,
                                  required_error)
from emulators.qbo_lines import money

TAXED_DETAILS = ("SalesItemLineDetail", "AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
US_DEFAULTED = ("SalesItemLineDetail", "AccountBasedExpenseLineDetail")  # as the emulator always filled them
GLOBAL_TAX_CALCULATION = ("TaxExcluded", "TaxInclusive", "NotApplicable")
CENT = Decimal("0.01")


def _meta(company) -> dict:
    return company._meta(company.created_at)


def tax_codes(company) -> list[dict]:
    """`select * from TaxCode`: this country's codes (Intuit's shape, qbo_country.py)."""
    country, meta = company.behaviour.country, _meta(company)
    rows = [{"Id": code, "MetaData": meta, "Name": code, "Description": code, "Taxable": code == "TAX",
             "TaxGroup": False} for code in US_PSEUDO_CODES] if country == "US" else []
    rates = RATES[country]
    for code_id, (name, description, active, sales, purchase) in CODES[country].items():
        rows.append({"Name": name, "Description": description, "Active": active, "Hidden": False, "Taxable": True,
                     "TaxGroup": True, "SalesTaxRateList": {"TaxRateDetail": _details(sales, rates)},
                     "PurchaseTaxRateList": {"TaxRateDetail": _details(purchase, rates)},
                     "domain": "QBO", "sparse": False, "Id": code_id, "SyncToken": "0", "MetaData": meta})
    return rows


def _details(rate_ids, rates) -> list[dict]:
    return [{"TaxRateRef": {"value": rate_id, "name": rates[rate_id][0]}, "TaxTypeApplicable": "TaxOnAmount",
             "TaxOrder": 0} for rate_id in rate_ids]


def tax_rates(company) -> list[dict]:
    """`select * from TaxRate` (shape after ruckus/quickbooks-ruby spec/fixtures/tax_rate.xml)."""
    meta = _meta(company)
    return [{"Name": name, "Description": description, "Active": active, "RateValue": rate,
             "AgencyRef": {"value": "1"}, "SpecialTaxType": "NONE", "DisplayType": "ReadOnly", "domain": "QBO",
             "sparse": False, "Id": rate_id, "SyncToken": "0", "MetaData": meta}
            for rate_id, (name, description, rate, active) in RATES[company.behaviour.country].items()]


def _taxed_lines(obj: dict):
    """(line, detail type, detail, counts toward the total) for each line a tax code belongs on."""
    for line in obj.get("Line", []):
        detail_type = line.get("DetailType")
        detail = line.get(detail_type)
        if detail_type in TAXED_DETAILS and isinstance(detail, dict):
            yield line, detail_type, detail, detail_type != "SalesItemLineDetail" or "ItemRef" in detail


def _ref_value(ref, element: str, errors: list) -> str | None:
    if not isinstance(ref, dict):
        errors.append(invalid_property(f"{element}: expected an object {{\"value\": ...}}", element))
        return None
    if ref.get("value") in (None, ""):
        errors.append(required_error("TaxCodeRef", element))
        return None
    return str(ref["value"])


def check_lines(company, entity: str, obj: dict, errors: list) -> bool:
    """Validate (and default, in the US) each line's TaxCodeRef; returns True when a counted line lacks a code in a
    non-US company (the 6000 comes later, once the body is otherwise valid)."""
    country, missing = company.behaviour.country, False
    gtc = obj.get("GlobalTaxCalculation")
    if country != "US" and gtc is not None and gtc not in GLOBAL_TAX_CALCULATION:
        errors.append(error("2170", "Invalid Enumeration", f"Invalid Enumeration : {gtc}", "GlobalTaxCalculation"))
    for _line, detail_type, detail, counted in _taxed_lines(obj):
        element = f"Line.{detail_type}.TaxCodeRef"
        if "TaxCodeRef" not in detail or detail["TaxCodeRef"] is None:
            if country == "US" and detail_type in US_DEFAULTED:
                automated = company.behaviour.automated_sales_tax and detail_type == "SalesItemLineDetail"
                detail["TaxCodeRef"] = {"value": "TAX" if automated else "NON"}
            missing |= country != "US" and counted
            continue
        value = _ref_value(detail["TaxCodeRef"], element, errors)
        if value is None:
            continue
        if country == "US" and value not in US_PSEUDO_CODES:
            errors.append(error("6100", "Invalid Line TaxCode in the request",
                                f"Valid line TaxCodes for US should be TAX or NON. Supplied value: {value}", element))
        elif country != "US" and not (value in CODES[country] and CODES[country][value][2]):
            errors.append(error("2500", INVALID_REF, INVALID_REF_DETAIL, element))
        else:
            detail["TaxCodeRef"] = {"value": value}
    return missing and gtc != "NotApplicable"


def missing_fault(company) -> dict:
    return business_fault(missing_tax_detail(company.behaviour.country)).errors[0]


def apply(company, entity: str, obj: dict, net_total: Decimal) -> Decimal:
    """Fill GlobalTaxCalculation and TxnTaxDetail of a valid non-US transaction; returns TotalTax (0 in the US)."""
    if company.behaviour.country == "US":
        return Decimal(0)
    gtc = obj.get("GlobalTaxCalculation") or "TaxExcluded"
    obj["GlobalTaxCalculation"] = gtc
    if gtc == "NotApplicable":
        obj["TxnTaxDetail"] = {"TotalTax": 0}
        return Decimal(0)
    country = company.behaviour.country
    side = 3 if entity == "Invoice" else 4   # sales / purchase rate Ids in CODES
    factor = _discount_factor(obj) if entity == "Invoice" else Decimal(1)
    taxable: dict[str, Decimal] = {}
    for line, _type, detail, counted in _taxed_lines(obj):
        amount = line.get("Amount")
        if not counted or not isinstance(amount, (int, float)) or "TaxCodeRef" not in detail:
            continue
        for rate_id in CODES[country][detail["TaxCodeRef"]["value"]][side]:
            taxable[rate_id] = taxable.get(rate_id, Decimal(0)) + Decimal(str(amount)) * factor
    tax_lines, total_tax = [], Decimal(0)
    for rate_id in sorted(taxable, key=int):
        net = taxable[rate_id].quantize(CENT, ROUND_HALF_UP)
        percent = Decimal(str(RATES[country][rate_id][2]))
        tax = (net * percent / 100).quantize(CENT, ROUND_HALF_UP)
        total_tax += tax
        tax_lines.append({"Amount": money(tax), "DetailType": "TaxLineDetail",
                          "TaxLineDetail": {"TaxRateRef": {"value": rate_id}, "PercentBased": True,
                                            "TaxPercent": float(percent) if percent % 1 else int(percent),
                                            "NetAmountTaxable": money(net)}})
    obj["TxnTaxDetail"] = {"TotalTax": money(total_tax), "TaxLine": tax_lines}
    return total_tax


def _discount_factor(obj: dict) -> Decimal:
    """(lines - discounts) / lines: how much of each line's amount is taxable after the Invoice's discount lines."""
    gross = sum((Decimal(str(line["Amount"])) for line, _t, _d, counted in _taxed_lines(obj)
                 if counted and isinstance(line.get("Amount"), (int, float))), Decimal(0))
    discount = sum((Decimal(str(line["Amount"])) for line in obj.get("Line", [])
                    if line.get("DetailType") == "DiscountLineDetail" and isinstance(line.get("Amount"), (int, float))),
                   Decimal(0))
    return (gross - discount) / gross if gross else Decimal(1)
