"""What QBO entities may contain, which URL resources exist, the demo company's names, and invoice PDFs.

Field lists follow the Intuit API reference pages for Invoice, Bill, Customer, Vendor, Item and Account
(reference §4, §5, §7); an unknown top-level field is a 2010 "Request has invalid or unsupported property", as
QBO's JSON reader does.
"""

from __future__ import annotations

from emulators.qbo_country import address

EDITIONS = ("Simple Start", "Essentials", "Plus", "Advanced")
RESOURCES = {"invoice": "Invoice", "bill": "Bill", "customer": "Customer", "vendor": "Vendor", "item": "Item",
             "account": "Account", "payment": "Payment", "billpayment": "BillPayment",
             "term": "Term"}  # URL resource (lowercase, case-sensitive URIs) -> entity
READABLE = {**RESOURCES, "employee": "Employee", "taxcode": "TaxCode", "taxrate": "TaxRate",
            "companycurrency": "CompanyCurrency"}
# Not stored: computed from the company's settings (CompanyInfo and Preferences: one row each; the tax lists from
# the country, qbo_tax.py; CompanyCurrency from multicurrency, qbo_currency.py)
DERIVED = {"CompanyInfo", "Preferences", "TaxCode", "TaxRate", "CompanyCurrency"}
QUERYABLE = set(READABLE.values()) | DERIVED
STORED = QUERYABLE - DERIVED
NAME_ENTITIES = ("Customer", "Vendor", "Employee")
TRANSACTIONS = ("Invoice", "Bill", "Payment", "BillPayment")  # one shared Id sequence, as in a real company
PAYMENT_OF = {"Invoice": "Payment", "Bill": "BillPayment"}  # which payment entity settles which transaction
USD = {"value": "USD", "name": "United States Dollar"}

_COMMON = {"Id", "SyncToken", "sparse", "domain", "MetaData"}
_TXN_FIELDS = _COMMON | {"DocNumber", "TxnDate", "DepartmentRef", "CurrencyRef", "ExchangeRate", "PrivateNote",
                         "LinkedTxn", "Line", "TxnTaxDetail", "SalesTermRef", "DueDate", "TotalAmt", "HomeTotalAmt",
                         "Balance", "HomeBalance", "GlobalTaxCalculation", "TransactionLocationType", "ProjectRef",
                         "RecurDataRef", "TxnSource", "ClassRef", "CustomField", "TxnStatus"}
_NAME_FIELDS = _COMMON | {"DisplayName", "Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "CompanyName",
                          "FullyQualifiedName", "PrintOnCheckName", "Active", "PrimaryPhone", "AlternatePhone",
                          "Mobile", "Fax", "PrimaryEmailAddr", "WebAddr", "BillAddr", "ShipAddr", "OtherAddr",
                          "Notes", "Balance", "OpenBalanceDate", "CurrencyRef", "TaxIdentifier", "AcctNum",
                          "TermRef", "SalesTermRef", "V4IDPseudonym", "Source"}
ALLOWED_FIELDS = {
    "Invoice": _TXN_FIELDS | {"CustomerRef", "CustomerMemo", "BillAddr", "ShipAddr", "ShipFromAddr",
                              "FreeFormAddress", "ShipMethodRef", "ShipDate", "TrackingNum", "PrintStatus",
                              "EmailStatus", "BillEmail", "BillEmailCc", "BillEmailBcc", "DeliveryInfo",
                              "ApplyTaxAfterDiscount", "AllowIPNPayment", "AllowOnlinePayment",
                              "AllowOnlineCreditCardPayment", "AllowOnlineACHPayment", "Deposit",
                              "DepositToAccountRef", "TaxExemptionRef", "InvoiceLink", "EInvoiceStatus"},
    "Bill": _TXN_FIELDS | {"VendorRef", "APAccountRef", "VendorAddr", "IncludeInAnnualTPAR"},
    "Customer": _NAME_FIELDS | {"Taxable", "Job", "BillWithParent", "ParentRef", "Level", "PaymentMethodRef",
                                "BalanceWithJobs", "PreferredDeliveryMethod", "ResaleNum", "ARAccountRef",
                                "DefaultTaxCodeRef", "TaxExemptionReasonId", "CustomerTypeRef", "IsProject",
                                "PrimaryTaxIdentifier", "SecondaryTaxIdentifier", "BusinessNumber", "GSTIN",
                                "GSTRegistrationType", "ClientEntityId"},
    "Vendor": _NAME_FIELDS | {"Vendor1099", "CostRate", "BillRate", "APAccountRef", "VendorPaymentBankDetail",
                              "HasTPAR", "T4AEligible", "T5018Eligible", "BusinessNumber", "GSTIN",
                              "GSTRegistrationType"},
    "Item": _COMMON | {"Name", "Description", "Active", "FullyQualifiedName", "Taxable", "SalesTaxIncluded",
                       "UnitPrice", "Type", "IncomeAccountRef", "PurchaseDesc", "PurchaseTaxIncluded", "PurchaseCost",
                       "ExpenseAccountRef", "AssetAccountRef", "TrackQtyOnHand", "QtyOnHand", "InvStartDate", "Sku",
                       "SubItem", "ParentRef", "Level", "SalesTaxCodeRef", "PurchaseTaxCodeRef", "ClassRef"},
    # Payment / BillPayment: Intuit's payment and billpayment reference pages (create/read/query/delete/void)
    "Payment": _COMMON | {"CustomerRef", "TotalAmt", "TxnDate", "Line", "PrivateNote", "DepositToAccountRef",
                          "CurrencyRef", "ExchangeRate", "UnappliedAmt", "ProcessPayment", "PaymentRefNum",
                          "PaymentMethodRef", "ARAccountRef", "CreditCardPayment", "TxnSource", "ProjectRef",
                          "TransactionLocationType", "TaxExemptionRef"},
    "BillPayment": _COMMON | {"VendorRef", "PayType", "CheckPayment", "CreditCardPayment", "TotalAmt", "TxnDate",
                              "Line", "PrivateNote", "DocNumber", "CurrencyRef", "ExchangeRate", "APAccountRef",
                              "DepartmentRef", "ProcessBillPayment", "TransactionLocationType"},
    "Term": _COMMON | {"Name", "Active", "Type", "DiscountPercent", "DueDays", "DiscountDays", "DayOfMonthDue",
                       "DueNextMonthDays", "DiscountDayOfMonth"},   # Finance.xsd Term (qbo_terms.py)
    "Account": _COMMON | {"Name", "AcctNum", "Description", "Active", "SubAccount", "ParentRef", "FullyQualifiedName",
                          "Classification", "AccountType", "AccountSubType", "CurrentBalance",
                          "CurrentBalanceWithSubAccounts", "CurrencyRef", "TaxCodeRef"},
}
STRING_FIELDS = ("DisplayName", "Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "CompanyName",
                 "PrintOnCheckName", "Name", "PrivateNote", "TxnDate", "DueDate", "AccountType", "AccountSubType",
                 "Type", "Description", "PayType", "GlobalTaxCalculation")
OBJECT_FIELDS = ("CustomerRef", "VendorRef", "APAccountRef", "IncomeAccountRef", "ExpenseAccountRef", "CustomerMemo",
                 "BillEmail", "PrimaryEmailAddr", "CurrencyRef", "SalesTermRef", "BillAddr", "ShipAddr", "MetaData",
                 "DepositToAccountRef", "CheckPayment", "CreditCardPayment", "TermRef")
LINE_FIELDS = {"Id", "LineNum", "Description", "Amount", "DetailType", "LinkedTxn", "ProjectRef", "CustomField",
               "SalesItemLineDetail", "DescriptionLineDetail", "SubTotalLineDetail", "DiscountLineDetail",
               "GroupLineDetail", "AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail", "TxnTaxDetail"}
LINE_TYPES = {"Invoice": ("SalesItemLineDetail", "DescriptionOnly", "SubTotalLineDetail", "DiscountLineDetail"),
              "Bill": ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")}
CLASSIFICATION = {"Income": "Revenue", "Other Income": "Revenue", "Expense": "Expense", "Other Expense": "Expense",
                   "Cost of Goods Sold": "Expense", "Accounts Payable": "Liability", "Credit Card": "Liability",
                   "Other Current Liability": "Liability", "Long Term Liability": "Liability", "Bank": "Asset",
                   "Accounts Receivable": "Asset", "Other Current Asset": "Asset", "Fixed Asset": "Asset",
                   "Other Asset": "Asset", "Equity": "Equity"}
DEMO_CUSTOMERS = ("Globex LLC", "Initech", "O'Brien & Sons", "Zoë Café Ltd", "Acme Corp", "Umbrella Corp",
                  "Wayne Enterprises", "Northwind Traders", "Tyrell Corp", "Soylent Co", "Müller & Söhne GmbH")
DEMO_VENDORS = ("Accelebrate", "BHanalytics")
# In a company created with multicurrency on, these demo customers keep their own currency (issue 15: a customer
# kept in euros); without multicurrency every name is in the home currency.
DEMO_CURRENCIES = {"Müller & Söhne GmbH": "EUR"}


def _pdf_text(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def invoice_pdf(invoice: dict, company_name: str) -> bytes:
    """A small but valid one-page PDF (what `GET invoice/{id}/pdf` returns), with a correct xref table."""
    lines = [company_name, f"Invoice {invoice.get('DocNumber', '')}  (Id {invoice['Id']})",
             f"Bill to: {invoice.get('CustomerRef', {}).get('name', '')}",
             f"Date: {invoice.get('TxnDate', '')}   Due: {invoice.get('DueDate', '')}"]
    lines += [f"{line.get('Description', '')}  {line.get('Amount', '')}" for line in invoice.get("Line", [])
              if line.get("DetailType") != "SubTotalLineDetail"]
    lines.append(f"Total: {invoice.get('TotalAmt', 0):.2f} {invoice.get('CurrencyRef', {}).get('value', 'USD')}")
    stream = "BT /F1 12 Tf 72 740 Td 16 TL " + " ".join(f"({_pdf_text(t)}) '" for t in lines) + " ET"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               "/Resources << /Font << /F1 5 0 R >> >> >>",
               f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def company_info(company_name: str, edition: str, start_date: str, meta: dict, country: str = "US") -> dict:
    """`GET companyinfo/{realmId}`: the edition shows as NameValue OfferingSku (reference §8); Country is the
    company's country code, CompanyAddr/LegalAddr its addresses (ruckus/quickbooks-ruby spec/fixtures/
    company_info.xml; reference §12)."""
    name_values = [("NeoEnabled", "true"), ("IndustryType", "Training and education"), ("CompanyType", "Other"),
                   ("SubscriptionStatus", "PAID"), ("OfferingSku", f"QuickBooks Online {edition}"),
                   ("PayrollFeature", "false"), ("AccountantFeature", "false"), ("IsQbdtMigrated", "false")]
    return {"CompanyName": company_name, "LegalName": company_name,
            "CompanyAddr": address(country, "1"), "LegalAddr": address(country, "2"),
            "Country": country, "Email": {"Address": "noreply@quickbooks.com"}, "SupportedLanguages": "en",
            "FiscalYearStartMonth": "January", "CompanyStartDate": start_date,
            "NameValue": [{"Name": n, "Value": v} for n, v in name_values],
            "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "1", "MetaData": meta}
