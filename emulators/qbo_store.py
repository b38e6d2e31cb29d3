"""One QuickBooks Online company in memory: entities, server-filled fields and QBO's validation rules.

Not thread-safe on its own: `QboEmulator` calls it under its lock. Objects handed out are deep copies.
Validation collects every problem into one Fault (reference §6: "Error is an array; several errors possible").

Choices where the reference is silent or conflicting (**unconfirmed**, see the report):
  * DocNumber > 21 chars, Description/PrivateNote > 4000, CustomerMemo > 1000, name lengths: code 2050 "String length
    is either shorter or longer than supported by specification".
  * Dates: `YYYY-MM-DD`; `YYYY-MM-DDTHH:MM:SS` is accepted and cut to the date (real sandbox did, reference §10);
    anything else (e.g. `03/15/2026`) is 2010.
  * `Amount` given as a JSON string is 2010 (real QBO's JSON reader may coerce it; we are strict on purpose).
  * `:`/tab/newline in a name is 2040 "Invalid Character"; duplicate names (case-insensitive, trimmed, inactive ones
    included) across Customer/Vendor/Employee are 6240.
  * Duplicate DocNumber is checked per entity type only (Invoice vs Invoice, Bill vs Bill); how (refuse/allow, per
    vendor, exact or case-insensitive) and whether QuickBooks numbers transactions itself are per-company settings in
    `self.behaviour` (qbo_behaviour.py; defaults: refuse both, exact text, custom numbers on).
  * Bill create on "Simple Start" is 5020 "You do not have permission to access this feature" (HTTP 400,
    ValidationFault): clearly not retryable, and not a 401 that would send a client into a token refresh.
  * Invoice without DocNumber gets the next number from 1001 (even with custom numbers on, where Intuit's page says it
    stays empty: kept as it always was); Bills get none unless custom_txn_numbers_bill is off.
  * Lines (validation, SubTotalLineDetail, the total) are checked in qbo_lines.py; tax codes on lines and the tax
    in qbo_tax.py, terms and DueDate in qbo_terms.py, currencies in qbo_currency.py (the country's data:
    qbo_country.py). TaxCode, TaxRate and CompanyCurrency are not stored: they follow from the company's settings
    (DERIVED_ROWS), as CompanyInfo and Preferences do.

After the invoice exists: payments (qbo_payments.py), updates, voids and deletes (qbo_lifecycle.py) and CDC
(qbo_cdc.py) work on this company through `touch`, `deleted` (tombstones, keyed entity then Id), `voided`
("Entity:Id" keys) and `change_order` ("Entity:Id" -> the sequence number of its latest change).
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import date
from decimal import Decimal

from emulators import qbo_currency, qbo_query, qbo_tax, qbo_terms
from emulators.qbo_behaviour import PREFERENCE_KEYS, Behaviour, preferences
from emulators.qbo_country import HOME_CURRENCY
from emulators.qbo_lines import money, transaction_lines
from emulators.qbo_schema import (ALLOWED_FIELDS, CLASSIFICATION, DEMO_CURRENCIES, DEMO_CUSTOMERS, DEMO_VENDORS,
                                  EDITIONS, NAME_ENTITIES, OBJECT_FIELDS, QUERYABLE, STORED, STRING_FIELDS,
                                  TRANSACTIONS, company_info)
from emulators.qbo_faults import (DUPLICATE_DOC, DUPLICATE_NAME, DUPLICATE_NAME_DETAIL, INVALID_REF, INVALID_REF_DETAIL,
                                  OBJECT_NOT_FOUND, UNSUPPORTED, QboFault, company_date, deleted_fault, error, fault,
                                  invalid_property, iso_time, length_error, required_error)

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?)?$")


class Company:
    """Entities of one realm, keyed by entity name then Id (insertion order = creation order)."""

    def __init__(self, realm_id: str, company_name: str, edition: str, clock, *, behaviour: Behaviour | None = None,
                 seed: bool = True):
        self.realm_id, self.company_name, self.clock = realm_id, company_name, clock
        self.set_edition(edition)
        self.behaviour = behaviour or Behaviour()
        self.objects: dict[str, dict[str, dict]] = {name: {} for name in STORED}
        self.created_log: list[tuple[str, str]] = []
        self.deleted: dict[str, dict[str, dict]] = {}
        self.voided: set[str] = set()
        self.change_order: dict[str, int] = {}
        self._sequences = {"name": 0, "txn": 100, "Item": 0, "Account": 100, "Term": 0}
        self._next_doc_number = self._next_bill_number = 1001
        self.created_at = self._prefs_changed_at = clock()
        self._prefs_sync_token = 0
        if seed:
            self._seed()

    # ------------------------------------------------------------------------------------------ setup
    def set_edition(self, edition: str) -> None:
        match = next((e for e in EDITIONS if e.lower() == str(edition).strip().lower()), None)
        if match is None:
            raise ValueError(f"edition must be one of {', '.join(EDITIONS)}; got {edition!r}")
        self.edition = match

    def configure(self, **settings) -> dict:
        """Change behaviour settings (qbo_behaviour.CHOICES); a change the Preferences show updates them. A new
        country moves the lists in the old home currency to the new one (qbo_currency.rehome)."""
        Behaviour(**{**self.behaviour.as_dict(), **settings})   # every value checked before anything changes
        if settings.get("default_terms") is not None and \
                not self.objects["Term"].get(settings["default_terms"], {}).get("Active", False):
            raise ValueError(f"default_terms must be the Id of an active Term; got {settings['default_terms']!r}")
        if settings.get("multicurrency") is True and self.edition == "Simple Start":
            raise ValueError("multicurrency is not available in QuickBooks Online Simple Start")
        old_home = HOME_CURRENCY[self.behaviour.country]
        self.restore_behaviour(settings)
        if HOME_CURRENCY[self.behaviour.country] != old_home:
            qbo_currency.rehome(self, old_home, HOME_CURRENCY[self.behaviour.country])
        return self.behaviour.as_dict()

    def restore_behaviour(self, settings: dict) -> None:
        """Set behaviour values as they are (a state file's: its objects already match them)."""
        if set(self.behaviour.update(**settings)) & set(PREFERENCE_KEYS):
            self._prefs_sync_token += 1
            self._prefs_changed_at = self.clock()

    def _seed(self) -> None:
        self.seed_accounts()
        qbo_terms.seed(self)
        self._store("Item", self._item({"Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": "1"}}),
                    "1")
        for name in DEMO_CUSTOMERS:
            foreign = DEMO_CURRENCIES.get(name) if self.behaviour.multicurrency else None
            self.add_customer(name, **({"CurrencyRef": {"value": foreign}} if foreign else {}))
        self.add_customer("Cyberdyne Systems", active=False)
        for name in DEMO_VENDORS:
            self.add_vendor(name)
        self._store("Employee", self._name_entity("Employee", {"DisplayName": "Emily Platt", "GivenName": "Emily",
                                                               "FamilyName": "Platt"}))

    def seed_accounts(self) -> None:
        """The demo chart of accounts, by fixed Ids; an account already there (by Id) is kept as it is, so a demo
        state file saved before an account was seeded gains it at load."""
        for account_id, name, account_type, sub_type in (
                ("1", "Services", "Income", "ServiceFeeIncome"),
                ("7", "Contract labor", "Expense", "OtherMiscellaneousServiceCost"),
                ("33", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
                ("84", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
                ("35", "Checking", "Bank", "Checking"),  # a BillPayment's CheckPayment.BankAccountRef
                ("4", "Undeposited Funds", "Other Current Asset", "UndepositedFunds"),  # a Payment's default
                ("41", "Mastercard", "Credit Card", "CreditCard")):  # CreditCardPayment.CCAccountRef
            if account_id not in self.objects["Account"]:
                self._store("Account", self._account({"Name": name, "AccountType": account_type,
                                                       "AccountSubType": sub_type}), account_id)

    def add_customer(self, name: str, active: bool = True, **fields) -> dict:
        """Add a customer directly (test setup; no validation beyond duplicates, not in `created()`)."""
        return self._add_name("Customer", name, active, fields)

    def add_vendor(self, name: str, active: bool = True, **fields) -> dict:
        return self._add_name("Vendor", name, active, fields)

    def add_term(self, name: str, active: bool = True, **fields) -> dict:
        """Add a Term directly (test setup): DueDays=30, or DayOfMonthDue=15 (and DueNextMonthDays)."""
        errors: list = []
        obj = qbo_terms.build(self, {"Name": name, **fields, "Active": active}, errors)
        if errors:
            raise ValueError(str(QboFault(errors)))
        return copy.deepcopy(self._store("Term", obj))

    def _add_name(self, entity: str, name: str, active: bool, fields: dict) -> dict:
        """CurrencyRef ({"value": "EUR"}, multicurrency only) and SalesTermRef/TermRef are checked as the API does;
        a problem is a ValueError."""
        if self._name_taken(name):
            raise ValueError(f"{name!r} is already used by a customer, vendor or employee")
        errors: list = []
        obj = {"DisplayName": name, **copy.deepcopy(fields), "Active": active}
        qbo_currency.name_currency(self, obj, errors)
        qbo_terms.party_terms(self, entity, obj, errors)
        if errors:
            raise ValueError(str(QboFault(errors)))
        return copy.deepcopy(self._store(entity, self._name_entity(entity, obj)))

    # ------------------------------------------------------------------------------------- inspection
    def created(self, entity: str) -> list[dict]:
        return [copy.deepcopy(self.objects[e][i]) for e, i in self.created_log if e == entity and i in self.objects[e]]

    def docnumber_counts(self, entity: str) -> dict[str, int]:
        return dict(Counter(o["DocNumber"] for o in self.objects.get(entity, {}).values() if o.get("DocNumber")))

    def read(self, entity: str, object_id: str) -> dict:
        if entity in DERIVED_ROWS:
            obj = next((row for row in DERIVED_ROWS[entity](self) if row.get("Id") == object_id), None)
        else:
            obj = self.objects.get(entity, {}).get(object_id)
        if obj is None and object_id in self.deleted.get(entity, {}):
            raise deleted_fault()
        if obj is None:
            raise fault("610", OBJECT_NOT_FOUND, "Object Not Found : Something you're trying to use has been made "
                                                 "inactive. Check the fields with accounts, customers, items, vendors "
                                                 "or employees.")
        return copy.deepcopy(obj)

    def query(self, text: str) -> dict:
        """Run a SELECT; QboFault 4000/4001 if QBO would refuse it."""
        try:
            parsed = qbo_query.parse(text)
            if parsed.entity == "Currency":   # answered as CompanyCurrency rows (a real sandbox answer, 2025)
                parsed.entity = "CompanyCurrency"
            entity = qbo_query.validate(parsed, QUERYABLE)
        except qbo_query.QueryError as exc:
            raise fault(exc.code, exc.message, exc.detail) from None
        single = {"CompanyInfo": self.company_info, "Preferences": self.preferences}.get(entity)
        rows = [single()] if single else DERIVED_ROWS[entity](self) if entity in DERIVED_ROWS else \
            list(self.objects[entity].values())
        return qbo_query.run(parsed, entity, copy.deepcopy(rows))

    def company_info(self) -> dict:
        return company_info(self.company_name, self.edition, company_date(self.created_at), self._meta(),
                            self.behaviour.country)

    def preferences(self) -> dict:
        meta = {"CreateTime": self._meta(self.created_at)["CreateTime"],
                "LastUpdatedTime": self._meta(self._prefs_changed_at)["LastUpdatedTime"]}
        return preferences(self.behaviour, self.company_name, self._prefs_sync_token, meta)

    # -------------------------------------------------------------------------------------------- create
    def create(self, entity: str, body, include: set[str]) -> dict:
        """Validate and store a new object; returns the server's copy. Raises QboFault."""
        if not isinstance(body, dict):
            raise QboFault([invalid_property(f"Cannot deserialize {entity} from {type(body).__name__}")])
        self.check_edition(entity)
        if "Id" in body:
            raise fault("500", UNSUPPORTED, f"Operation update {entity} is not supported by the emulator")
        self.check_body(entity, body)
        errors: list = []
        body = copy.deepcopy(body)
        if entity in ("Invoice", "Bill"):
            obj = self._invoice(body, errors, include) if entity == "Invoice" else self._bill(body, errors, include)
        elif entity in NAME_ENTITIES:
            obj = self._customer(body, errors, entity)
        elif entity == "Term":
            obj = qbo_terms.build(self, body, errors)
        else:
            obj = self._item(body, errors) if entity == "Item" else self._account(body, errors)
        if errors:
            raise QboFault(errors)
        stored = self._store(entity, obj)
        self.created_log.append((entity, stored["Id"]))
        return copy.deepcopy(stored)

    def check_edition(self, entity: str) -> None:
        if entity in ("Bill", "BillPayment") and self.edition == "Simple Start":
            raise fault("5020", "You do not have permission to access this feature",
                        f"Feature Not Supported: {entity} is not available in QuickBooks Online Simple Start. "
                        "Upgrade to Essentials, Plus or Advanced.")

    def check_body(self, entity: str, body) -> None:
        """Unknown top-level fields and wrongly typed ones: 2010, as QBO's JSON reader answers (all at once)."""
        if not isinstance(body, dict):
            raise QboFault([invalid_property(f"Cannot deserialize {entity} from {type(body).__name__}")])
        errors = [invalid_property(f"Unrecognized field \"{key}\" (class com.intuit.schema.finance.v3.{entity}), "
                                    f"not marked as ignorable", key)
                  for key in body if key not in ALLOWED_FIELDS[entity]]
        errors += [invalid_property(f"{key}: expected {'a string' if kind is str else 'an object'}, got "
                                     f"{type(body[key]).__name__}", key)
                   for key, kind in [*((k, str) for k in STRING_FIELDS), *((k, dict) for k in OBJECT_FIELDS)]
                   if body.get(key) is not None and not isinstance(body[key], kind)]
        if errors:
            raise QboFault(errors)

    def _store(self, entity: str, obj: dict, object_id: str | None = None) -> dict:
        kind = "name" if entity in NAME_ENTITIES else "txn" if entity in TRANSACTIONS else entity
        if object_id is None:
            self._sequences[kind] += 1
            object_id = str(self._sequences[kind])
        obj = {"Id": object_id, **obj}
        self.objects[entity][object_id] = obj
        self.note_change(entity, object_id)
        return obj

    def note_change(self, entity: str, object_id: str) -> None:
        """Remember the order of changes: CDC answers oldest first, and many happen within one clock second."""
        self._sequences["change"] = self._sequences.get("change", 0) + 1
        self.change_order[f"{entity}:{object_id}"] = self._sequences["change"]

    def touch(self, entity: str, obj: dict) -> None:
        """An object changed: SyncToken + 1, MetaData.LastUpdatedTime = now, and a place in the CDC order."""
        obj["SyncToken"] = str(int(obj.get("SyncToken", "0")) + 1)
        obj["MetaData"] = {**obj.get("MetaData", {}), "LastUpdatedTime": self._meta()["LastUpdatedTime"]}
        qbo_currency.sync_home(obj)
        self.note_change(entity, obj["Id"])

    def _meta(self, epoch: float | None = None) -> dict:
        text = iso_time(self.clock() if epoch is None else epoch)
        stamp = text[:19] + text[-6:]  # MetaData times carry no milliseconds
        return {"CreateTime": stamp, "LastUpdatedTime": stamp}

    def _server_fields(self, obj: dict) -> dict:
        for key in ("Id", "SyncToken", "MetaData", "domain", "sparse", "TotalAmt", "Balance", "HomeBalance",
                    "HomeTotalAmt"):
            obj.pop(key, None)
        obj.update({"SyncToken": "0", "domain": "QBO", "sparse": False, "MetaData": self._meta()})
        return obj

    def _ref(self, ref, entity: str, element: str, errors: list, name_key: str = "DisplayName") -> dict | None:
        """Check a {"value": Id} reference to an active object and give it its `name`."""
        if not isinstance(ref, dict) or ref.get("value") in (None, ""):
            errors.append(required_error(element))
            return None
        value = str(ref["value"])
        target = self.objects[entity].get(value)
        if target is None or not target.get("Active", True):
            errors.append(error("2500", INVALID_REF, INVALID_REF_DETAIL, element))
            return None
        return {"value": value, "name": target.get(name_key, "")}

    def _date(self, obj: dict, key: str, errors: list) -> None:
        value = obj.get(key)
        if value is None:
            return
        match = _DATE.match(value) if isinstance(value, str) else None
        try:
            obj[key] = date(*(int(match.group(i)) for i in (1, 2, 3))).isoformat() if match else None
        except ValueError:
            obj[key] = None
        if obj[key] is None:
            errors.append(invalid_property(f"Unparseable date: \"{value}\" for {key}; expected yyyy-MM-dd", key))

    def _doc_number(self, entity: str, obj: dict, errors: list, include: set[str]) -> None:
        if not self.behaviour.custom_numbers(entity):
            obj.pop("DocNumber", None)  # QuickBooks numbers it itself (_auto_number)
        number = obj.get("DocNumber")
        if number is None:
            return
        obj["DocNumber"] = number = str(number)
        length_error(number, 21, "DocNumber", errors)
        if "allowduplicatedocnum" not in include:
            clash = self.behaviour.duplicate_of(entity, obj, self.objects[entity].values())
            if clash:
                errors.append(error("6140", DUPLICATE_DOC, f"Duplicate Document Number Error : You must specify a "
                                    f"different number. This number has already been used. DocNumber={number} is "
                                    f"assigned to TxnType={entity} with TxnId={clash['Id']}", ""))

    def _transaction(self, entity: str, obj: dict, errors: list, party: str, party_entity: str,
                     include: set[str]) -> Decimal:
        """Fields every Invoice and Bill has; returns TotalAmt (lines + tax). Terms, currency and tax rules:
        qbo_terms.py, qbo_currency.py, qbo_tax.py; their business rules (6000) only run on an otherwise valid body."""
        if party not in obj:
            errors.append(required_error(party))
        else:
            obj[party] = self._ref(obj[party], party_entity, party, errors)
        total = transaction_lines(entity, obj, errors, self._ref)
        missing_tax = qbo_tax.check_lines(self, entity, obj, errors)
        self._doc_number(entity, obj, errors, include)
        self._date(obj, "TxnDate", errors)
        self._date(obj, "DueDate", errors)
        length_error(obj.get("PrivateNote"), 4000, "PrivateNote", errors)
        obj.setdefault("TxnDate", company_date(self.clock()))
        qbo_terms.apply(self, entity, obj, errors)
        qbo_currency.transaction_currency(self, entity, obj, errors)
        if missing_tax and not errors:
            errors.append(qbo_tax.missing_fault(self))
        if not errors:
            total += qbo_tax.apply(self, entity, obj, total)
        obj.setdefault("LinkedTxn", [])
        obj.update({"TotalAmt": money(total), "Balance": money(total)})
        if not errors:
            qbo_currency.home_amounts(self, obj)
        return total

    def _invoice(self, obj: dict, errors: list, include: set[str]) -> dict:
        obj = self._server_fields(obj)
        total = self._transaction("Invoice", obj, errors, "CustomerRef", "Customer", include)
        memo = obj.get("CustomerMemo")
        if memo is not None and not isinstance(memo, dict):
            errors.append(invalid_property("CustomerMemo: expected an object {\"value\": ...}", "CustomerMemo"))
        elif memo:
            length_error(memo.get("value"), 1000, "CustomerMemo", errors)
        email = (obj.get("BillEmail") or {}).get("Address") if isinstance(obj.get("BillEmail"), dict) else None
        length_error(email, 100, "BillEmail.Address", errors)
        self._auto_number("Invoice", obj, errors)
        obj.setdefault("TxnTaxDetail", {"TotalTax": 0})
        obj.setdefault("PrintStatus", "NeedToPrint")
        obj.setdefault("EmailStatus", "NotSet")
        obj.setdefault("ApplyTaxAfterDiscount", False)
        obj.setdefault("Deposit", 0)
        if not errors and obj.get("CustomerRef"):
            self._add_balance("Customer", obj["CustomerRef"]["value"], total)
        return obj

    def _bill(self, obj: dict, errors: list, include: set[str]) -> dict:
        obj = self._server_fields(obj)
        total = self._transaction("Bill", obj, errors, "VendorRef", "Vendor", include)
        if "APAccountRef" in obj:
            obj["APAccountRef"] = self._ref(obj["APAccountRef"], "Account", "APAccountRef", errors, "Name")
        else:
            obj["APAccountRef"] = {"value": "33", "name": self.objects["Account"]["33"]["Name"]} \
                if "33" in self.objects["Account"] else None
        if not self.behaviour.custom_numbers("Bill"):
            self._auto_number("Bill", obj, errors)
        if not errors and obj.get("VendorRef"):
            self._add_balance("Vendor", obj["VendorRef"]["value"], total)
        return obj

    def _auto_number(self, entity: str, obj: dict, errors: list) -> None:
        """The next unused number of the entity's own sequence (from 1001) when none was sent."""
        if "DocNumber" in obj or errors:
            return
        name = "_next_doc_number" if entity == "Invoice" else "_next_bill_number"
        used, number = self.docnumber_counts(entity), getattr(self, name)
        while str(number) in used:
            number += 1
        obj["DocNumber"] = str(number)
        setattr(self, name, number + 1)

    def _add_balance(self, entity: str, object_id: str, amount: Decimal) -> None:
        target = self.objects[entity][object_id]
        target["Balance"] = money(Decimal(str(target.get("Balance", 0))) + amount)
        if entity == "Customer":
            target["BalanceWithJobs"] = target["Balance"]

    # --------------------------------------------------------------------------------------- name lists
    def _name_taken(self, name: str) -> bool:
        wanted = name.strip().casefold()
        return any(o.get("DisplayName", "").strip().casefold() == wanted
                   for entity in NAME_ENTITIES for o in self.objects[entity].values())

    def _name_entity(self, entity: str, obj: dict) -> dict:
        obj = self._server_fields(obj)
        obj.setdefault("Active", True)
        obj["FullyQualifiedName"] = obj["DisplayName"]
        obj.setdefault("PrintOnCheckName", obj["DisplayName"])
        obj.setdefault("Balance", 0)
        obj.setdefault("CurrencyRef", qbo_currency.ref(qbo_currency.home(self)))
        if entity == "Customer":
            obj.update({k: v for k, v in (("Taxable", False), ("Job", False), ("BillWithParent", False),
                                          ("BalanceWithJobs", 0), ("PreferredDeliveryMethod", "Print"))
                        if k not in obj})
        elif entity == "Vendor":
            obj.setdefault("Vendor1099", False)
        return obj

    def _customer(self, obj: dict, errors: list, entity: str) -> dict:
        limits = {"DisplayName": 500, "Title": 16, "GivenName": 100, "MiddleName": 100, "FamilyName": 100,
                  "Suffix": 16, "PrintOnCheckName": 110, "CompanyName": 100}
        for key, limit in limits.items():
            value = obj.get(key)
            length_error(value, limit, key, errors)
            if key != "CompanyName" and isinstance(value, str) and any(c in value for c in ":\t\n"):
                errors.append(error("2040", "Invalid Character", f"{key} cannot contain a colon (:), a tab or a "
                                                                 f"newline", key))
        if not obj.get("DisplayName"):
            parts = [obj.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
            obj["DisplayName"] = " ".join(p for p in parts if isinstance(p, str) and p.strip())
        if not obj["DisplayName"]:
            errors.append(required_error("DisplayName"))
        elif self._name_taken(obj["DisplayName"]):
            errors.append(error("6240", DUPLICATE_NAME, DUPLICATE_NAME_DETAIL, ""))
        email = (obj.get("PrimaryEmailAddr") or {}).get("Address") if isinstance(obj.get("PrimaryEmailAddr"),
                                                                                 dict) else None
        if email is not None and ("@" not in email or "." not in email):
            errors.append(invalid_property("PrimaryEmailAddr.Address: not an email address",
                                            "PrimaryEmailAddr.Address"))
        qbo_terms.party_terms(self, entity, obj, errors)
        if not errors:
            qbo_currency.name_currency(self, obj, errors)
        return self._name_entity(entity, obj)

    def _item(self, obj: dict, errors: list | None = None) -> dict:
        errors = [] if errors is None else errors
        name = obj.get("Name")
        if not name:
            errors.append(required_error("Name"))
        elif any(c in name for c in ":\t\n"):
            errors.append(error("2040", "Invalid Character", "Name cannot contain a colon (:), a tab or a newline",
                                "Name"))
        elif any(o["Name"].casefold() == name.strip().casefold() for o in self.objects["Item"].values()):
            errors.append(error("6240", DUPLICATE_NAME, "The name supplied already exists. : Another product or "
                                                        "service is already using this name.", ""))
        obj = self._server_fields(obj)
        obj.setdefault("Type", "Service")
        if obj["Type"] in ("Service", "NonInventory"):
            if "IncomeAccountRef" not in obj:
                errors.append(required_error("IncomeAccountRef"))
            else:
                obj["IncomeAccountRef"] = self._ref(obj["IncomeAccountRef"], "Account", "IncomeAccountRef", errors,
                                                    "Name")
        obj.setdefault("Active", True)
        obj.setdefault("FullyQualifiedName", name)
        obj.setdefault("Taxable", False)
        obj.setdefault("UnitPrice", 0)
        return obj

    def _account(self, obj: dict, errors: list | None = None) -> dict:
        errors = [] if errors is None else errors
        name = obj.get("Name")
        if not name:
            errors.append(required_error("Name"))
        elif any(o["Name"].casefold() == name.strip().casefold() for o in self.objects["Account"].values()):
            errors.append(error("6240", DUPLICATE_NAME, "The name supplied already exists. : Another account is "
                                                        "already using this name.", ""))
        if not obj.get("AccountType") and not obj.get("AccountSubType"):
            errors.append(required_error("AccountType"))
        obj = self._server_fields(obj)
        obj.setdefault("Active", True)
        obj.setdefault("SubAccount", False)
        obj.setdefault("FullyQualifiedName", name)
        obj.setdefault("Classification", CLASSIFICATION.get(obj.get("AccountType", ""), "Expense"))
        obj.setdefault("CurrentBalance", 0)
        obj.setdefault("CurrencyRef", qbo_currency.ref(qbo_currency.home(self)))
        return obj


DERIVED_ROWS = {"TaxCode": qbo_tax.tax_codes, "TaxRate": qbo_tax.tax_rates,
                "CompanyCurrency": lambda company: qbo_currency.company_currencies(company, company._meta(
                    company.created_at))}
