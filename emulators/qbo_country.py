"""The company's country (behaviour `country`: US, GB, CA, AU): home currency, address and tax setup. Pure data.

A US company taxes lines with the pseudo codes `TAX`/`NON`; every other country ("global" companies) puts a real
`TaxCode` Id on each line (reference §12). The tax codes and rates below are what `select * from TaxCode` /
`TaxRate` answer for each country; each list says where its names come from. Names marked *guess* were not found
in any source (the client must look codes up by name and never assume these Ids).

  * CA: a real Canadian (Ontario) sandbox answer of 2025-10 (hotgluexyz/target-quickbooks-v2 __smoke-tests__/
    invoice_cad_with_taxes_create_test/fixtures/vcr.yaml): Exempt 2, Zero-rated 3, GST/HST Adjustment 4,
    HST ON 5 (HST ON 13 %), Out of Scope 6, with their rate names. GST and the inactive HST NS are *guesses*.
  * GB: "20.0% S" (Id 3; rates SS-20.0 / SP-20.0) from a real 2016 UK export (Zynk docs, "Exporting Tax Codes From
    QuickBooks Online"); "Exempt" as Id 17 from intuit/quickbooks-online-mcp-server#94. 0.0% Z, 5.0% R, No VAT and
    the inactive 17.5% S (the old standard rate) are *guesses* after the same naming pattern.
  * AU: "GST on non-capital" and "Input tax" appear in a real 2013 AU answer (a StackOverflow copy of an Intuit
    fault thread); GST, GST free, Out of scope and the inactive "Wine Equalisation Tax" are *guesses*.
  * US: TAX and NON as `select * from TaxCode` listed them in ruckus/quickbooks-ruby spec/fixtures/tax_codes.xml
    (2013, no domain/SyncToken); numeric codes exist (Intuit's invoice sample has TxnTaxCodeRef 2, TaxRateRef 3 at
    8 %) but lines may only carry TAX or NON (6100). "California" and the inactive "Alameda County Tax" are names
    after those samples; their rates are *guesses*.

The missing-tax-code messages are real for GB (intuit/quickbooks-online-mcp-server#94: "Make sure all your
transactions have a VAT rate before you save.") and CA (ruckus/quickbooks-ruby#351, activepieces#8539: "... have a
GST/HST rate ..."); the AU wording ("a GST rate") is a *guess* after them.
"""

from __future__ import annotations

COUNTRIES = ("US", "GB", "CA", "AU")
HOME_CURRENCY = {"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD"}
TAX_WORD = {"GB": "VAT", "CA": "GST/HST", "AU": "GST"}  # "Make sure all your transactions have a <word> rate ..."

ADDRESS = {  # CompanyInfo.CompanyAddr / LegalAddr (the US one is the emulator's old demo address)
    "US": {"Line1": "123 Sierra Way", "City": "San Pablo", "CountrySubDivisionCode": "CA", "PostalCode": "87999"},
    "GB": {"Line1": "1 Poultry", "City": "London", "PostalCode": "EC2R 8EJ"},
    "CA": {"Line1": "100 King St W", "City": "Toronto", "CountrySubDivisionCode": "ON", "PostalCode": "M5X 1A9"},
    "AU": {"Line1": "1 Martin Place", "City": "Sydney", "CountrySubDivisionCode": "NSW", "PostalCode": "2000"},
}

# TaxRate: Id -> (Name, Description, RateValue %, Active)
RATES = {
    "US": {"3": ("California", "Sales Tax", 8, True), "16": ("Alameda County", "Sales Tax", 9.25, False)},
    "CA": {"1": ("GST EP", "GST exempt purchases", 0, True), "2": ("GST ES", "GST exempt sales", 0, True),
           "3": ("GST/HST (ITC) ZR", "Zero-rated purchases", 0, True),
           "4": ("GST/HST ZR", "Zero-rated sales", 0, True),
           "5": ("GST (ITC)", "GST purchases", 5, True), "6": ("GST", "GST sales", 5, True),
           "11": ("HST (ITC) ON", "HST Ontario purchases", 13, True), "12": ("HST ON", "HST Ontario sales", 13, True),
           "13": ("NOTAXP", "No tax purchases", 0, True), "14": ("NOTAXS", "No tax sales", 0, True),
           "15": ("HST (ITC) NS", "HST Nova Scotia purchases", 15, False),
           "16": ("HST NS", "HST Nova Scotia sales", 15, False)},
    "GB": {"3": ("SP-20.0", "Standard purchases", 20, True), "4": ("SS-20.0", "Standard sales", 20, True),
           "5": ("ZP-0.0", "Zero-rated purchases", 0, True), "6": ("ZS-0.0", "Zero-rated sales", 0, True),
           "7": ("RP-5.0", "Reduced purchases", 5, True), "8": ("RS-5.0", "Reduced sales", 5, True),
           "9": ("NOTAXP", "No VAT purchases", 0, True), "10": ("NOTAXS", "No VAT sales", 0, True),
           "11": ("SP-17.5", "Old standard purchases", 17.5, False),
           "12": ("SS-17.5", "Old standard sales", 17.5, False),
           "18": ("EP-0.0", "Exempt purchases", 0, True), "19": ("ES-0.0", "Exempt sales", 0, True)},
    "AU": {"2": ("GST on non-capital", "GST on non-capital purchases", 10, True),
           "4": ("GST (purchases)", "GST purchases", 10, True), "5": ("GST (sales)", "GST sales", 10, True),
           "6": ("GST free (purchases)", "GST free purchases", 0, True),
           "7": ("GST free (sales)", "GST free sales", 0, True),
           "8": ("ITP", "Input taxed purchases", 0, True), "9": ("ITS", "Input taxed sales", 0, True),
           "10": ("NOTAXP", "Out of scope purchases", 0, True), "11": ("NOTAXS", "Out of scope sales", 0, True),
           "12": ("WET", "Wine equalisation tax", 29, False)},
}

# TaxCode: Id -> (Name, Description, Active, sales rate Ids, purchase rate Ids)
CODES = {
    "US": {"2": ("California", "California", True, ("3",), ()),
           "7": ("Alameda County Tax", "Alameda County Tax", False, ("16",), ())},
    "CA": {"2": ("Exempt", "Tax-exempt", True, ("2",), ("1",)),
           "3": ("Zero-rated", "Zero-rated", True, ("4",), ("3",)),
           "4": ("GST/HST Adjustment", "Tax adjustment", True, (), ()),
           "5": ("HST ON", "Harmonized federal and provincial tax (Ontario)", True, ("12",), ("11",)),
           "6": ("Out of Scope", "Out of scope", True, ("14",), ("13",)),
           "7": ("GST", "Goods and services tax", True, ("6",), ("5",)),
           "8": ("HST NS", "Harmonized federal and provincial tax (Nova Scotia)", False, ("16",), ("15",))},
    "GB": {"3": ("20.0% S", "Standard", True, ("4",), ("3",)),
           "5": ("0.0% Z", "Zero-rated", True, ("6",), ("5",)),
           "7": ("5.0% R", "Reduced", True, ("8",), ("7",)),
           "9": ("No VAT", "No VAT", True, ("10",), ("9",)),
           "11": ("17.5% S", "Standard (old rate)", False, ("12",), ("11",)),
           "17": ("Exempt", "Exempt", True, ("19",), ("18",))},
    "AU": {"2": ("GST on non-capital", "GST on non-capital purchases", True, (), ("2",)),
           "4": ("GST", "Goods and services tax", True, ("5",), ("4",)),
           "5": ("GST free", "GST free", True, ("7",), ("6",)),
           "6": ("Input tax", "Input taxed", True, ("9",), ("8",)),
           "8": ("Out of scope", "Out of scope", True, ("11",), ("10",)),
           "9": ("Wine Equalisation Tax", "Wine equalisation tax", False, ("12",), ("12",))},
}
US_PSEUDO_CODES = ("TAX", "NON")


def address(country: str, address_id: str) -> dict:
    return {"Id": address_id, **ADDRESS[country], "Country": country}


def missing_tax_detail(country: str) -> str:
    """The Detail after "Business Validation Error: " of the 6000 for a line without a tax code."""
    return f"Make sure all your transactions have a {TAX_WORD[country]} rate before you save."
