"""Kill the sync (SIGKILL) where the life after creation can die: before the Change Data Capture mark is kept,
and around a BillPayment (intent committed and nothing sent; sent and nothing recorded). Afterwards every paid
row shows its payment, and every Bill the sheet marks paid has exactly one BillPayment, whatever the company does
with a repeated requestid."""

from __future__ import annotations

import signal

import pytest

import acd
from spreadsheet.base import CellUpdate
from tests.reliability.conftest import DUAL_MODE, REQUESTID_MODES, make_world, ready_rows

ROWS = 40   # 32 invoices, 8 bills
PAY_BILLS = {**DUAL_MODE, "QB_AUTO_MARK_BILL_PAID": "true", "QB_BILL_PAYMENT_ACCOUNT": "Checking"}


def _mark_paid(world, keys: list[str]) -> None:
    worksheet = acd.open_sheet(world.settings).worksheet(world.settings.inv_worksheet)
    rows = worksheet.read_all()
    status = rows[0].index("status") + 1
    worksheet.write_cells([CellUpdate(n, status, "paid") for n, r in enumerate(rows, 1) if r[0] in keys])


def _bill_payments(qbo) -> dict[str, int]:
    """Bill Id -> how many BillPayments QuickBooks holds for it."""
    counts: dict[str, int] = {}
    for payment in qbo.company.query("select * from BillPayment").get("BillPayment", []):
        for line in payment["Line"]:
            for link in line["LinkedTxn"]:
                counts[link["TxnId"]] = counts.get(link["TxnId"], 0) + 1
    return counts


@pytest.mark.parametrize("requestid", REQUESTID_MODES)
@pytest.mark.parametrize("failpoint", ["after_payment_intent:1", "after_payment_send:1"])
def test_a_kill_around_a_bill_payment_never_pays_twice(tmp_path, qbo, failpoint, requestid):
    qbo.set_behaviour(requestid_mode=requestid)
    world = make_world(tmp_path, qbo, ready_rows(ROWS, bill_every=5), **PAY_BILLS)
    world.run_until_quiet()
    bills = {b["DocNumber"]: b["Id"] for b in qbo.created("Bill")}
    _mark_paid(world, list(bills))
    killed = world.cli("run-once", failpoint=failpoint)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    service = world.service()
    for _ in range(3):
        assert service.run("cli").ok
    assert _bill_payments(qbo) == {bill_id: 1 for bill_id in bills.values()}
    sheet = world.sheet()
    assert {k: sheet[k]["qb_bill_balance"] for k in bills} == {k: "0.00" for k in bills}


def test_a_kill_before_the_change_mark_is_kept_loses_no_payment(tmp_path, qbo):
    world = make_world(tmp_path, qbo, ready_rows(ROWS))
    world.run_until_quiet()
    invoices = {i["DocNumber"]: i["Id"] for i in qbo.created("Invoice")}
    paid = sorted(invoices)[:5]
    for key in paid:
        qbo.pay_invoice(invoices[key], txn_date="2026-11-20")
    killed = world.cli("run-once", failpoint="before_cdc_mark:1")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert world.service().run("cli").ok
    sheet = world.sheet()
    assert {k: (sheet[k]["status"], sheet[k]["qb_paid_date"]) for k in paid} == {
        k: ("paid", "2026-11-20") for k in paid}
    assert all(sheet[k]["status"] != "paid" for k in invoices if k not in paid)
