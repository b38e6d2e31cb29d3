"""Currencies: the home currency (from the country), customer/vendor currencies, and a transaction's currency,
exchange rate and home-currency amounts (behaviour `multicurrency`, off by default). Reference §12.

Sources: Intuit "Manage multiple currencies" page (ExchangeRate is "the number of home currency units it takes to
equal one foreign currency unit"; HomeTotalAmt; a name list object or account has one currency; multicurrency cannot
be turned off once on, nor in Simple Start); Intuit's invoice page (CurrencyRef "must be defined if multicurrency is
enabled"); Finance.xsd via intuit/QuickBooks-V3-DotNET-SDK Fms.cs (Customer.CurrencyRef: "the currency code for all
the business transactions created for or received from the customer"); a real multicurrency sandbox answer
(hotgluexyz/target-quickbooks-v2 invoice_cad_with_taxes_create_test vcr.yaml: CurrencyRef {"value": "CAD", "name":
"Canadian Dollar"}, ExchangeRate 1, HomeTotalAmt, HomeBalance; `select * from Currency` answers CompanyCurrency rows
{Code, Name, Active}, the home currency not among them).

    multicurrency off   CurrencyRef absent: the home currency. Another currency: 6000 (below). ExchangeRate is
                        left as sent; no HomeTotalAmt/HomeBalance (as a US company without multicurrency answers).
    multicurrency on    CurrencyRef absent: the customer's/vendor's currency (Intuit says "must be defined"; real
                        answers and intuit/quickbooks-online-mcp-server#75 show it defaults). A CurrencyRef other
                        than the party's: 6000. Home currency: ExchangeRate 1. Foreign: the ExchangeRate sent (a
                        positive number, else 2010), else the day's rate, which the emulator takes from the fixed
                        table CURRENCIES (**our simplification**: real QuickBooks downloads market rates).
                        HomeTotalAmt = TotalAmt x rate, HomeBalance = Balance x rate, rounded to cents.

The mismatch error text is QuickBooks Online's (Connex "QuickBooks Online Error Messages": "The transaction needs
to be in the same currency as the A/R and A/P accounts you use."; Expensify's help quotes the same text); the code
6000 and the "Business Validation Error: " prefix are **our choice** (how QBO words its other business rules). An
unknown currency code (e.g. "eur", "XYZ") is 2500 Invalid Reference Id on CurrencyRef (**our choice**).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from emulators.qbo_country import HOME_CURRENCY
from emulators.qbo_faults import INVALID_REF, INVALID_REF_DETAIL, business_fault, error, invalid_property

# Code -> (Name as QBO spells it, US dollars per unit for the emulator's fixed "day's rate")
CURRENCIES = {"USD": ("United States Dollar", "1"), "EUR": ("Euro", "1.08"),
              "GBP": ("British Pound Sterling", "1.27"), "CAD": ("Canadian Dollar", "0.73"),
              "AUD": ("Australian Dollar", "0.66"), "HKD": ("Hong Kong Dollar", "0.128"),
              "CHF": ("Swiss Franc", "1.12"), "JPY": ("Japanese Yen", "0.0067")}
MISMATCH = "The transaction needs to be in the same currency as the A/R and A/P accounts you use."
PARTY_REF = {"Invoice": ("CustomerRef", "Customer"), "Bill": ("VendorRef", "Vendor"),
             "Payment": ("CustomerRef", "Customer"), "BillPayment": ("VendorRef", "Vendor")}


def ref(code: str) -> dict:
    return {"value": code, "name": CURRENCIES[code][0]}


def home(company) -> str:
    return HOME_CURRENCY[company.behaviour.country]


def exchange_rate(code: str, home_code: str) -> float:
    """Home units per unit of `code` from the fixed table (6 decimals)."""
    rate = Decimal(CURRENCIES[code][1]) / Decimal(CURRENCIES[home_code][1])
    return float(rate.quantize(Decimal("0.000001"), ROUND_HALF_UP))


def _code(value, element: str, errors: list) -> str | None:
    code = value.get("value") if isinstance(value, dict) else None
    if not isinstance(code, str) or code not in CURRENCIES:
        errors.append(error("2500", INVALID_REF, INVALID_REF_DETAIL, element))
        return None
    return code


def party_currency(company, entity: str, object_id) -> str:
    """The currency of a customer or vendor (its CurrencyRef), else the home currency."""
    party = company.objects.get(entity, {}).get(str(object_id)) if object_id is not None else None
    value = (party or {}).get("CurrencyRef", {})
    return value.get("value") if isinstance(value, dict) and value.get("value") in CURRENCIES else home(company)


def name_currency(company, obj: dict, errors: list) -> None:
    """A Customer/Vendor/Employee being created: CurrencyRef defaults to home; a foreign one needs multicurrency."""
    if obj.get("CurrencyRef") is None:
        obj["CurrencyRef"] = ref(home(company))
        return
    code = _code(obj["CurrencyRef"], "CurrencyRef", errors)
    if code is None:
        return
    if code != home(company) and not company.behaviour.multicurrency:
        errors.append(business_fault(MISMATCH).errors[0])
        return
    obj["CurrencyRef"] = ref(code)


def transaction_currency(company, entity: str, obj: dict, errors: list) -> None:
    """Check and fill CurrencyRef and ExchangeRate of an Invoice/Bill (module docstring). Business rules only run on
    a body with no other error."""
    party_key, party_entity = PARTY_REF[entity]
    party = obj.get(party_key)
    party_code = party_currency(company, party_entity, party.get("value") if isinstance(party, dict) else None)
    sent = obj.get("CurrencyRef")
    code = party_code if sent is None else _code(sent, "CurrencyRef", errors)
    rate = obj.get("ExchangeRate")
    mc = company.behaviour.multicurrency
    if mc and rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate <= 0):
        errors.append(invalid_property(f"ExchangeRate: expected a positive number, got {rate!r}", "ExchangeRate"))
    if code is None or errors:
        return
    home_code = home(company)
    if code != (party_code if mc else home_code):
        errors.append(business_fault(MISMATCH).errors[0])
        return
    obj["CurrencyRef"] = ref(code)
    if mc:
        obj["ExchangeRate"] = 1 if code == home_code else (rate if rate is not None else exchange_rate(code, home_code))


def sync_home(obj: dict) -> None:
    """HomeTotalAmt/HomeBalance follow TotalAmt/Balance at the transaction's ExchangeRate (multicurrency only)."""
    rate = obj.get("ExchangeRate")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or \
            "HomeTotalAmt" not in obj and "HomeBalance" not in obj:
        return
    rate = Decimal(str(obj["ExchangeRate"]))
    for home_key, key in (("HomeTotalAmt", "TotalAmt"), ("HomeBalance", "Balance")):
        obj[home_key] = float((Decimal(str(obj.get(key, 0))) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP))


def home_amounts(company, obj: dict) -> None:
    """At create/update of a transaction in a multicurrency company: add HomeTotalAmt and HomeBalance."""
    if company.behaviour.multicurrency and "ExchangeRate" in obj:
        obj.update({"HomeTotalAmt": 0, "HomeBalance": 0})
        sync_home(obj)


def company_currencies(company, meta: dict) -> list[dict]:
    """`select * from CompanyCurrency` (or `Currency`): the foreign currencies, when multicurrency is on."""
    if not company.behaviour.multicurrency:
        return []
    home_code = home(company)
    return [{"Code": code, "Name": name, "Active": True, "domain": "QBO", "sparse": False, "Id": str(number),
             "SyncToken": "0", "MetaData": meta}
            for number, (code, (name, _)) in enumerate(CURRENCIES.items(), start=1) if code != home_code]


def rehome(company, old_code: str, new_code: str) -> None:
    """The country (so the home currency) changed: lists and accounts in the old home currency take the new one."""
    for entity in ("Account", "Customer", "Vendor", "Employee"):
        for obj in company.objects.get(entity, {}).values():
            if isinstance(obj.get("CurrencyRef"), dict) and obj["CurrencyRef"].get("value") == old_code:
                obj["CurrencyRef"] = ref(new_code)
