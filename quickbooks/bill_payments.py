"""Paid Bills get paid (QB_AUTO_MARK_BILL_PAID): a synced Bill the sheet marks `paid` becomes one BillPayment.

The rules of creates hold (DESIGN, "Exactly once"): an intent (`sending`, with its requestid) is committed before
the BillPayment is sent, the answer is recorded right after, and an intent whose answer never came is settled by
reading the Bill before anything is sent again: a Bill QuickBooks now shows paid adopts the BillPayment linked to
it, a Bill still open for the whole amount is proven unpaid and paid again, anything else fails the row with what
it found. A Bill paid in QuickBooks by someone else is never paid twice: the plan leaves it alone
(quickbooks/rules/plan.py `_bill_to_pay`), as it does a Bill whose BillPayment is created and not yet read back.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from decimal import Decimal
from typing import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from quickbooks.audit import AuditStore
from quickbooks.errors import ApiFault, FatalAPIError, OutcomeUnknown
from quickbooks.rules.directions import Direction
from quickbooks.rules.lifecycle import linked_payment_ids
from quickbooks.rules.plan import BillToPay, Failure, Plan
from quickbooks.rules.statuses import AuditState
from quickbooks.wire.client import MAX_BATCH_ITEMS, QboClient, quote_literal
from tracker import failpoints
from tracker.db import qb_bill_payment_audit as table

_NAMESPACE = uuid.UUID("0c5d7a52-63a4-4b8e-9f0e-b111fa7e0001")


class BillPayments:
    """The BillPayment audit of one worksheet: one row per Bill key."""

    def __init__(self, engine: Engine, audit: AuditStore, clock: Callable[[], float] = time.time):
        self.engine, self.sheet, self.worksheet, self.clock = engine, audit.sheet, audit.worksheet, clock

    def _where(self, keys=None):
        clauses = [table.c.sheet == self.sheet, table.c.worksheet == self.worksheet]
        return clauses + ([table.c.row_key.in_(list(keys))] if keys is not None else [])

    def states(self) -> dict[str, AuditState]:
        with self.engine.connect() as connection:
            return {k: AuditState(s) for k, s in connection.execute(
                select(table.c.row_key, table.c.state).where(*self._where()))}

    def sending(self) -> list:
        with self.engine.connect() as connection:
            return connection.execute(select(table).where(*self._where(), table.c.state == AuditState.SENDING.value)
                                      ).all()

    def record_intent(self, key: str, bill_id: str, body: dict) -> str:
        """Commit `sending` before the send; returns this attempt's requestid."""
        now = self.clock()
        with self.engine.begin() as connection:
            old = connection.execute(select(table.c.attempts).where(*self._where([key]))).scalar()
            attempts = (old or 0) + 1
            request_id = str(uuid.uuid5(_NAMESPACE, f"{self.sheet}|{self.worksheet}|{key}|{bill_id}|{attempts}"))
            values = {"bill_id": bill_id, "state": AuditState.SENDING.value, "request_id": request_id,
                      "payload_json": json.dumps(body, sort_keys=True), "error": None, "attempts": attempts,
                      "updated_at": now}
            connection.execute(update(table).where(*self._where([key])).values(**values) if old is not None else
                               insert(table).values(sheet=self.sheet, worksheet=self.worksheet, row_key=key,
                                                    created_at=now, **values))
        return request_id

    def record(self, key: str, state: AuditState, qb_id: str | None = None, error: str | None = None) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(table).where(*self._where([key])).values(
                state=state.value, qb_id=qb_id, error=error, updated_at=self.clock()))


class BillPayer:
    """Creates the BillPayments of one run, in batches, after settling intents left by an earlier one."""

    def __init__(self, client: QboClient, store: BillPayments, account_setting: str, audit: AuditStore):
        self.client, self.store, self.account_setting, self.audit = client, store, account_setting, audit

    def pay(self, plan: Plan, bills: list[BillToPay], errors: list[str]) -> None:
        counts = plan.counts.of(Direction.BILL)
        try:
            counts.bills_paid += self._settle()
            if not bills:
                return
            account = self._bank_account()
        except FatalAPIError as exc:
            errors.append(f"paying Bills: {exc}")
            return
        if account is None:
            errors.append(f"paying Bills: QB_BILL_PAYMENT_ACCOUNT '{self.account_setting}' is not an active bank "
                          "account in QuickBooks (Accounting > Chart of accounts, type Bank): no Bill was paid")
            return
        full = self.audit.load_keys(Direction.BILL, [b.audit.row_key for b in bills])   # with the Bills' bodies
        bills = [dataclasses.replace(b, audit=full[b.audit.row_key]) for b in bills]
        for start in range(0, len(bills), MAX_BATCH_ITEMS):
            counts.bills_paid += self._pay_chunk(plan, bills[start:start + MAX_BATCH_ITEMS], account, errors)

    def _bank_account(self) -> dict | None:
        wanted = self.account_setting.strip()
        accounts = self.client.query_all("Account", "AccountType = 'Bank'")
        return next((a for a in accounts if a.get("Active", True) and (
            str(a.get("Id")) == wanted or str(a.get("Name", "")).casefold() == wanted.casefold())), None)

    def _pay_chunk(self, plan: Plan, chunk: list[BillToPay], account: dict, errors: list[str]) -> int:
        items, by_bid = [], {}
        for n, bill in enumerate(chunk):
            body = _payment_body(bill, account)
            request_id = self.store.record_intent(bill.audit.row_key, bill.audit.qb_id, body)
            items.append({"bId": str(n), "operation": "create", "BillPayment": body})
            by_bid[str(n)] = (bill, request_id)
        failpoints.hit("after_payment_intent")
        try:
            answers = self.client.batch(items, "BillPayment", request_id=by_bid["0"][1])
            failpoints.hit("after_payment_send")
        except OutcomeUnknown as exc:
            errors.append(f"paying Bills: {exc}; the next run checks each Bill before paying again")
            return 0
        except FatalAPIError as exc:
            errors.append(f"paying Bills: {exc}")
            return 0
        paid = 0
        for bid, (bill, _) in by_bid.items():
            answer = answers[bid]
            if answer.obj is not None:
                self.store.record(bill.audit.row_key, AuditState.CREATED, str(answer.obj.get("Id")))
                paid += 1
            elif isinstance(answer.error, ApiFault) and answer.error.outcome_unknown:
                continue   # maybe paid: settled by reading the Bill on the next run
            else:
                message = f"Not paid in QuickBooks: {answer.error}"
                self.store.record(bill.audit.row_key, AuditState.FAILED, error=message)
                plan.failures.append(Failure.of_rows(Direction.BILL, [bill.row], bill.audit.row_key, message))
                plan.counts.of(Direction.BILL).failed += 1
        return paid

    def _settle(self) -> int:
        """Intents whose answer never came: read each Bill; adopt, resend later, or fail with what was found."""
        intents = self.store.sending()
        if not intents:
            return 0
        literals = ", ".join(quote_literal(str(i.bill_id)) for i in intents)
        bills = {str(b["Id"]): b for b in self.client.query_all("Bill", f"Id IN ({literals})")}
        adopted = 0
        for intent in intents:
            bill = bills.get(str(intent.bill_id))
            intended = _money(json.loads(intent.payload_json or "{}").get("TotalAmt"))
            balance, links = _money((bill or {}).get("Balance")), linked_payment_ids(bill or {})
            if balance == 0 and links:
                self.store.record(intent.row_key, AuditState.CREATED, links[-1])
                adopted += 1
            elif balance is not None and balance == intended:
                self.store.record(intent.row_key, AuditState.FAILED, error="not paid: the answer was lost and "
                                  "the Bill is still open; paid again on this run")
            else:
                self.store.record(intent.row_key, AuditState.FAILED, error=(
                    "Not paid in QuickBooks: a payment whose answer was lost could not be confirmed (the Bill is "
                    "deleted or partly paid now); check the Bill in QuickBooks"))
        return adopted


def _money(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except ArithmeticError:
        return None


def _payment_body(bill: BillToPay, account: dict) -> dict:
    """A BillPayment by check from the bank account, for the Bill's whole open balance."""
    amount = float(bill.audit.qb_balance or 0)
    vendor = (bill.audit.payload or {}).get("VendorRef") or {}
    return {"VendorRef": {"value": vendor.get("value")}, "PayType": "Check",
            "CheckPayment": {"BankAccountRef": {"value": str(account["Id"])}}, "TotalAmt": amount,
            "TxnDate": bill.paid_on.isoformat(),
            "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": bill.audit.qb_id, "TxnType": "Bill"}]}]}
