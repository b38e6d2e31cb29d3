"""Intuit's real variations, per company: requestid handling, duplicate-DocNumber checks, custom transaction numbers.

The emulator's defaults are the kind company (today's behaviour); real companies differ (reference §2 "requestid",
§4/§5 DocNumber, §6 "Duplicate-DocNumber vs. company preference"). Each setting is a constructor keyword of
`QboEmulator`, changes at run time with `QboEmulator.set_behaviour(**settings)` or `POST /__emulator__/behaviour`
(JSON object with any of the keys), and is read back with `QboEmulator.behaviour()` / `GET /__emulator__/behaviour`:

    requestid_mode              "replay" (default): a repeated requestid gets the first answer again, nothing re-runs
                                "ignore": a repeated requestid is performed again (a repeat creates again;
                                          intuit/QuickBooks-V3-DotNET-SDK#352)
                                "reject": a repeated requestid performs nothing and is refused with 6000 Business
                                          Validation Error: HTTP 400 + Fault for a single request; for a batch, HTTP 200
                                          with that Fault on every item (ruckus/quickbooks-ruby#344)
    invoice_duplicates          "refuse" (default): 6140 for an Invoice DocNumber already used | "allow"
    bill_duplicates             "company" (default): 6140 for a Bill DocNumber any Bill already has
                                "per_vendor": 6140 only if a Bill of the same VendorRef has it | "allow"
    docnumber_match             "exact" (default) | "case_insensitive" (the duplicate check folds case; unconfirmed at
                                Intuit, so both are modelled). Queries stay exact either way (qbo_query.py).
    custom_txn_numbers_invoice  True (default): the DocNumber sent is used (none sent: the next number, as before)
                                False: QuickBooks numbers the invoice itself; a DocNumber sent is ignored
    custom_txn_numbers_bill     True (default): the DocNumber sent is used (none sent: none)
                                False: QuickBooks numbers the bill itself (from 1001); a DocNumber sent is ignored

The company's profile (qbo_country.py, qbo_tax.py, qbo_terms.py, qbo_currency.py; reference §12):

    country                     "US" (default) | "GB" | "CA" | "AU": CompanyInfo.Country and addresses, the home
                                currency, the TaxCode/TaxRate lists and the tax rules on lines
    multicurrency               False (default) | True: Preferences.CurrencyPrefs.MultiCurrencyEnabled; customers
                                and vendors may have a foreign CurrencyRef, transactions follow it
    automated_sales_tax         False (default) | True: US only, TaxPrefs.UsingSalesTax and PartnerTaxEnabled; a US
                                sales line without TaxCodeRef becomes TAX instead of NON
    default_terms               None (default) | a Term Id such as "3": Preferences.SalesFormsPrefs.DefaultTerms,
                                the DueDate of an Invoice that names no terms (nor does its customer)

Changing `country` moves the lists and accounts still in the old home currency to the new one (a test convenience:
a real company's country never changes); `multicurrency` cannot be turned on in Simple Start (Intuit's
multicurrency page), and the emulator lets it be turned off again (QuickBooks does not).

`include=allowduplicatedocnum` lets a duplicate through in every mode. Every requestid's first answer is kept
whatever the mode, so switching to "replay" later replays it. The two custom-number settings show in
`GET /v3/company/{realm}/preferences` (and `SELECT * FROM Preferences`) as SalesFormsPrefs.CustomTxnNumbers,
VendorAndPurchasesPrefs.UseCustomTxnNumbers and the OtherPrefs NameValue "VendorAndPurchasesPrefs.UseCustomTxnNumbers"
(Intuit's bill page names the latter); the profile shows in TaxPrefs, CurrencyPrefs and SalesFormsPrefs.DefaultTerms.
Nothing here is random.
"""

from __future__ import annotations

from emulators.qbo_country import COUNTRIES, HOME_CURRENCY
from emulators.qbo_faults import QboFault, business_fault, parse_json_body

CHOICES = {
    "requestid_mode": ("replay", "ignore", "reject"),
    "invoice_duplicates": ("refuse", "allow"),
    "bill_duplicates": ("company", "per_vendor", "allow"),
    "docnumber_match": ("exact", "case_insensitive"),
    "custom_txn_numbers_invoice": (True, False),
    "custom_txn_numbers_bill": (True, False),
    "country": COUNTRIES,
    "multicurrency": (False, True),
    "automated_sales_tax": (False, True),
    "default_terms": (None,),   # or any Term Id (a string of digits; the company checks that the term exists)
}
DEFAULTS = {key: values[0] for key, values in CHOICES.items()}
PREFERENCE_KEYS = ("custom_txn_numbers_invoice", "custom_txn_numbers_bill", "country", "multicurrency",
                   "automated_sales_tax", "default_terms")
REPEAT_DETAIL = ("An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try "
                 "again.  If the problem persists, contact customer support.")  # ruckus/quickbooks-ruby#344


def _shown(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class Behaviour:
    """The current settings (attributes named as in CHOICES); `update` checks every value before changing any."""

    def __init__(self, **settings):
        self.__dict__.update(DEFAULTS)
        self.update(**settings)

    def update(self, **settings) -> set[str]:
        """Apply settings; returns the keys whose value changed. ValueError names the allowed keys or values."""
        for key, value in settings.items():
            if key not in CHOICES:
                raise ValueError(f"unknown behaviour {key!r}; known: {', '.join(CHOICES)}")
            allowed = CHOICES[key]
            if key == "default_terms" and isinstance(value, str) and value.isdigit():
                continue
            if not any(type(value) is type(choice) and value == choice for choice in allowed):
                shown = "null or a Term Id such as \"3\"" if key == "default_terms" else \
                    ", ".join(_shown(c) for c in allowed)
                raise ValueError(f"{key} must be one of {shown}; got {value!r}")
        changed = {key for key, value in settings.items() if getattr(self, key) != value}
        self.__dict__.update(settings)
        return changed

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in CHOICES}

    def custom_numbers(self, entity: str) -> bool:
        return self.custom_txn_numbers_bill if entity == "Bill" else self.custom_txn_numbers_invoice

    def duplicate_of(self, entity: str, obj: dict, existing) -> dict | None:
        """The first object in `existing` whose DocNumber clashes with `obj`'s under the entity's policy, or None."""
        policy = {"Invoice": self.invoice_duplicates, "Bill": self.bill_duplicates}.get(entity, "refuse")
        if policy == "allow":
            return None
        fold = str.casefold if self.docnumber_match == "case_insensitive" else str
        wanted = fold(obj["DocNumber"])
        vendor = _ref_value(obj.get("VendorRef"))
        for other in existing:
            number = other.get("DocNumber")
            if isinstance(number, str) and fold(number) == wanted:
                if policy != "per_vendor" or (vendor is not None and _ref_value(other.get("VendorRef")) == vendor):
                    return other
        return None


def _ref_value(ref) -> str | None:
    return str(ref["value"]) if isinstance(ref, dict) and ref.get("value") is not None else None


def legacy_settings(honour_requestid: bool | None, duplicate_docnumber_check: bool | None) -> dict:
    """The old boolean switches: honour_requestid=False is "ignore"; duplicate_docnumber_check=False allows both."""
    settings = {}
    if honour_requestid is not None:
        settings["requestid_mode"] = "replay" if honour_requestid else "ignore"
    if duplicate_docnumber_check is not None:
        settings["invoice_duplicates"], settings["bill_duplicates"] = \
            ("refuse", "company") if duplicate_docnumber_check else ("allow", "allow")
    return settings


def repeated_request(op: str | None, data: bytes, now: str) -> tuple[int, dict]:
    """requestid_mode "reject": (status, body) for a request whose requestid was seen before. Performs nothing."""
    problem = business_fault(REPEAT_DETAIL)
    if op == "batch":
        try:
            body = parse_json_body(data)
        except QboFault as bad:
            return bad.status, bad.body(now)
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if isinstance(items, list):
            return 200, {"BatchItemResponse": [{"bId": item.get("bId"), "Fault": problem.fault}
                                               for item in items if isinstance(item, dict)], "time": now}
    return problem.status, problem.body(now)


def preferences(behaviour: Behaviour, company_name: str, sync_token: int, meta: dict) -> dict:
    """`GET preferences`: Intuit's Preferences object (field names after real sandbox answers), trimmed."""
    invoice_custom, bill_custom = behaviour.custom_txn_numbers_invoice, behaviour.custom_txn_numbers_bill
    other = [("SalesFormsPrefs.DefaultItem", "1"), ("Language", "en"),
             ("DateFormat", "Month Date Year separated by a slash"), ("DateFormatMnemonic", "MMDDYYYY_SEP_SLASH"),
             ("NumberFormat", "US Number Format"), ("NumberFormatMnemonic", "US_NB"), ("Vendor1099Enabled", "false"),
             ("VendorAndPurchasesPrefs.UseCustomTxnNumbers", _shown(bill_custom)),
             ("WarnDuplicateCheckNumber", "true"),
             ("WarnDuplicateBillNumber", _shown(behaviour.bill_duplicates != "allow")),
             ("WarnDuplicateJournalNumber", "false"), ("SignoutInactiveMinutes", "180")]
    message = "We appreciate your business. Please find your invoice details here. Feel free to contact us if you " \
              f"have any questions.\r\n\r\nHave a great day!\r\n{company_name}"
    return {
        "AccountingInfoPrefs": {"TrackDepartments": False, "DepartmentTerminology": "Location",
                                "ClassTrackingPerTxn": False, "ClassTrackingPerTxnLine": False,
                                "CustomerTerminology": "Customers", "FirstMonthOfFiscalYear": "January",
                                "TaxYearMonth": "January", "UseAccountNumbers": False},
        "ProductAndServicesPrefs": {"ForSales": True, "ForPurchase": True, "QuantityWithPriceAndRate": True,
                                    "QuantityOnHand": False},
        "SalesFormsPrefs": {"CustomField": [], "CustomTxnNumbers": invoice_custom, "AllowDeposit": False,
                            "AllowDiscount": True, "AllowEstimates": True, "AllowServiceDate": False,
                            "AllowShipping": False, "AutoApplyCredit": True, "AutoApplyPayments": True,
                            "ETransactionEnabledStatus": "NotApplicable", "ETransactionAttachPDF": False,
                            "ETransactionPaymentEnabled": False, "EmailCopyToCompany": False,
                            "IPNSupportEnabled": False, "UsingPriceLevels": False, "UsingProgressInvoicing": False,
                            **({"DefaultTerms": {"value": behaviour.default_terms}}
                               if behaviour.default_terms is not None else {})},
        "EmailMessagesPrefs": {"InvoiceMessage": {"Subject": f"Invoice [Invoice No.] from {company_name}",
                                                  "Message": message}},
        "VendorAndPurchasesPrefs": {"UseCustomTxnNumbers": bill_custom, "BillableExpenseTracking": True,
                                    "TrackingByCustomer": True, "POCustomField": []},
        # ruckus/quickbooks-ruby spec/fixtures/preferences.xml; Intuit's sample: HomeCurrency is {"value": ...}
        "TaxPrefs": {"UsingSalesTax": behaviour.country != "US" or behaviour.automated_sales_tax,
                     "PartnerTaxEnabled": behaviour.country == "US" and behaviour.automated_sales_tax},
        "CurrencyPrefs": {"MultiCurrencyEnabled": behaviour.multicurrency,
                          "HomeCurrency": {"value": HOME_CURRENCY[behaviour.country]}},
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {"NameValue": [{"Name": name, "Value": value} for name, value in other]},
        "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": str(sync_token), "MetaData": meta,
    }
