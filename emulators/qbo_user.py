"""What a person does in the QuickBooks web app after an invoice or bill exists: record a payment, void, delete.

Mixed into `QboEmulator` so tests (and the transaction pages, qbo_pages.py) can act as a QuickBooks user would,
without an access token. Each action is one write through the same code as the API (qbo_payments.py,
qbo_lifecycle.py), taken under the emulator's lock with the object's current SyncToken, so it bumps SyncTokens,
moves balances and shows in CDC exactly as an API write does. Payments recorded here are not "created through the
API" (not in `created()`). Failures raise `QboFault` (its `.errors` hold Intuit-shaped errors with their codes).

    emu.pay_invoice(invoice_id, amount=None, txn_date=None) -> Payment      (amount: the open balance)
    emu.pay_bill(bill_id, amount=None, txn_date=None, pay_type="Check", account_id=None) -> BillPayment
                                                     (account: Checking "35" for a Check, Mastercard "41" otherwise)
    emu.void_invoice(id) | emu.delete_invoice(id) | emu.delete_bill(id) -> the answer the API gives
    emu.void_payment(id) | emu.delete_payment(id) | emu.void_bill_payment(id) | emu.delete_bill_payment(id)
    emu.update_invoice(id, **fields) | emu.update_bill(id, **fields) -> sparse update of those fields
    emu.read(entity, id) -> the object (610 QboFault if deleted or unknown)

The same actions are POSTs of the control API: /__emulator__/pay_invoice {"invoice_id": "130", "amount": 50}, ...
(qbo_control.py).
"""

from __future__ import annotations

from decimal import Decimal

from emulators import qbo_lifecycle, qbo_payments

USER_ACTIONS = ("pay_invoice", "pay_bill", "void_invoice", "delete_invoice", "delete_bill", "void_payment",
                "delete_payment", "void_bill_payment", "delete_bill_payment", "update_invoice", "update_bill")
PAY_FROM = {"Check": ("CheckPayment", "BankAccountRef", "35"),
            "CreditCard": ("CreditCardPayment", "CCAccountRef", "41")}


class UserActions:
    """Needs `self.company` and `self._lock` (QboEmulator)."""

    def read(self, entity: str, object_id: str) -> dict:
        with self._lock:
            return self.company.read(entity, str(object_id))

    def pay_invoice(self, invoice_id: str, amount=None, txn_date: str | None = None) -> dict:
        with self._lock:
            invoice = self.company.read("Invoice", str(invoice_id))
            body = _payment_body(invoice, "Invoice", amount, txn_date)
            body["CustomerRef"] = {"value": invoice["CustomerRef"]["value"]}
            return qbo_payments.create(self.company, "Payment", body, log=False)

    def pay_bill(self, bill_id: str, amount=None, txn_date: str | None = None, pay_type: str = "Check",
                 account_id: str | None = None) -> dict:
        holder, ref_name, default_account = PAY_FROM[pay_type]
        with self._lock:
            bill = self.company.read("Bill", str(bill_id))
            body = _payment_body(bill, "Bill", amount, txn_date)
            body.update({"VendorRef": {"value": bill["VendorRef"]["value"]}, "PayType": pay_type,
                         holder: {ref_name: {"value": str(account_id or default_account)}}})
            return qbo_payments.create(self.company, "BillPayment", body, log=False)

    def void_invoice(self, invoice_id: str) -> dict:
        return self._as_user("Invoice", invoice_id, qbo_lifecycle.void)

    def delete_invoice(self, invoice_id: str) -> dict:
        return self._as_user("Invoice", invoice_id, qbo_lifecycle.delete)

    def delete_bill(self, bill_id: str) -> dict:
        return self._as_user("Bill", bill_id, qbo_lifecycle.delete)

    def void_payment(self, payment_id: str) -> dict:
        return self._as_user("Payment", payment_id, qbo_payments.void, sparse=True)

    def delete_payment(self, payment_id: str) -> dict:
        return self._as_user("Payment", payment_id, qbo_payments.delete)

    def void_bill_payment(self, bill_payment_id: str) -> dict:
        return self._as_user("BillPayment", bill_payment_id, qbo_payments.void, sparse=True)

    def delete_bill_payment(self, bill_payment_id: str) -> dict:
        return self._as_user("BillPayment", bill_payment_id, qbo_payments.delete)

    def update_invoice(self, invoice_id: str, **fields) -> dict:
        return self._as_user("Invoice", invoice_id, _sparse_update, sparse=True, **fields)

    def update_bill(self, bill_id: str, **fields) -> dict:
        return self._as_user("Bill", bill_id, _sparse_update, sparse=True, **fields)

    def _as_user(self, entity: str, object_id: str, action, **fields) -> dict:
        """`action(company, entity, body)` with a body naming the object at its current SyncToken."""
        with self._lock:
            current = self.company.read(entity, str(object_id))
            body = {**fields, "Id": current["Id"], "SyncToken": current["SyncToken"]}
            return action(self.company, entity, body)


def _payment_body(target: dict, entity: str, amount, txn_date: str | None) -> dict:
    value = float(Decimal(str(target["Balance"])) if amount is None else Decimal(str(amount)))
    body = {"TotalAmt": value, "Line": [{"Amount": value, "LinkedTxn": [{"TxnId": target["Id"], "TxnType": entity}]}]}
    if txn_date is not None:
        body["TxnDate"] = txn_date
    return body


def _sparse_update(company, entity: str, body: dict) -> dict:
    return qbo_lifecycle.update(company, entity, body, set())
