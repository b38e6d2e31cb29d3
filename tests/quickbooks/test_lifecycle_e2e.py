"""After the invoice exists, end to end on both sheet backends against the emulator acting as a QuickBooks user:
payments, partial payments, a payment deleted, voids, deletions, edits under both policies, and Bills paid from
the sheet. Outcomes are asserted in the sheet, in QuickBooks and in the audit."""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

import acd
from spreadsheet.base import CellUpdate
from tests.builders import sheet_row, table
from tests.quickbooks.conftest import read_sheet, settings_with_rows
from tracker import db

ROWS = table(
    sheet_row("ACD-1", inv_dollars="1500"),
    sheet_row("ACD-2", status=" Pending ", to_client="O'Brien & Sons", inv_dollars="$2,345.67"),
    sheet_row("ACC-1", status="pending", inv_from="Accelebrate", to_client="ACD", inv_dollars="800.50"),
)


@pytest.fixture(params=["local", "google"])
def sheet_settings(request, make_settings):
    return settings_with_rows(request, make_settings, ROWS)


sheet = read_sheet


def edit(settings, key: str, **values: str) -> None:
    """Change cells of the row holding `key`, as a person would."""
    worksheet = acd.open_sheet(settings).worksheet("inv_tbl")
    rows = worksheet.read_all()
    number = next(n for n, r in enumerate(rows, 1) if r[0] == key)
    worksheet.write_cells([CellUpdate(number, rows[0].index(name) + 1, value) for name, value in values.items()])


def synced(service, qbo_emulator, entity: str = "Invoice") -> dict[str, str]:
    report = service.run("cli")
    assert report.ok, report.error
    return {o["DocNumber"]: o["Id"] for o in qbo_emulator.created(entity)}


def test_a_payment_flows_back_and_a_deleted_payment_undoes_it(make_service, sheet_settings, qbo_emulator):
    service = make_service()
    ids = synced(service, qbo_emulator)
    first = sheet(sheet_settings)
    assert first["ACD-1"]["qb_balance"] == "1500.00" and first["ACD-1"]["qb_paid_date"] == ""

    payment = qbo_emulator.pay_invoice(ids["ACD-1"], txn_date="2026-11-20")
    qbo_emulator.pay_invoice(ids["ACD-2"], amount=100, txn_date="2026-11-21")
    qbo_emulator.reset_stats()
    report = service.run("cli")
    assert report.ok and report.counts.of("invoice").marked_paid == 1
    stats = qbo_emulator.stats()
    assert stats.get("cdc") == 1 and stats.get("query", 0) == 0 and stats.get("batch", 0) == 0
    after = sheet(sheet_settings)
    assert (after["ACD-1"]["status"], after["ACD-1"]["Inv_paid_date"]) == ("paid", "2026-11-20")
    assert (after["ACD-1"]["qb_balance"], after["ACD-1"]["qb_paid_date"]) == ("0.00", "2026-11-20")
    assert after["ACD-1"]["qb_sync_status"] == "synced"
    # a partial payment shows in the qb_* columns only
    assert (after["ACD-2"]["status"], after["ACD-2"]["qb_balance"]) == (" Pending ", "2245.67")
    assert after["ACD-2"]["qb_paid_date"] == ""

    qbo_emulator.delete_payment(payment["Id"])
    assert service.run("cli").ok
    back = sheet(sheet_settings)
    assert (back["ACD-1"]["status"], back["ACD-1"]["Inv_paid_date"]) == ("submitted", "")
    assert (back["ACD-1"]["qb_balance"], back["ACD-1"]["qb_paid_date"]) == ("1500.00", "")


def test_a_status_a_person_typed_is_never_undone(make_service, sheet_settings, qbo_emulator):
    service = make_service()
    ids = synced(service, qbo_emulator)
    payment = qbo_emulator.pay_invoice(ids["ACD-1"], txn_date="2026-11-20")
    assert service.run("cli").ok
    edit(sheet_settings, "ACD-1", status="disputed")
    qbo_emulator.delete_payment(payment["Id"])
    assert service.run("cli").ok
    assert sheet(sheet_settings)["ACD-1"]["status"] == "disputed"


def test_without_pull_paid_status_only_the_qb_columns_follow(make_service, sheet_settings, qbo_emulator):
    service = make_service(pull_paid_status=False)
    ids = synced(service, qbo_emulator)
    qbo_emulator.pay_invoice(ids["ACD-1"], txn_date="2026-11-20")
    assert service.run("cli").ok
    row = sheet(sheet_settings)["ACD-1"]
    assert (row["status"], row["Inv_paid_date"], row["qb_paid_date"]) == ("submitted", "", "2026-11-20")


@pytest.mark.parametrize("act, shown", [("void_invoice", "voided"), ("delete_invoice", "deleted")])
def test_voided_and_deleted_show_and_are_never_created_again(make_service, sheet_settings, qbo_emulator, act, shown):
    service = make_service()
    ids = synced(service, qbo_emulator)
    getattr(qbo_emulator, act)(ids["ACD-1"])
    qbo_emulator.reset_stats()
    assert service.run("cli").ok
    assert service.run("cli").ok
    row = sheet(sheet_settings)["ACD-1"]
    assert row["qb_sync_status"] == shown
    assert f"{shown.capitalize()} in QuickBooks on " in row["qb_error"] and "reset --row ACD-1" in row["qb_error"]
    assert qbo_emulator.stats().get("batch", 0) == 0 and qbo_emulator.stats().get("create", 0) == 0


def test_an_edit_is_flagged_with_what_differs_and_clears_when_changed_back(make_service, sheet_settings,
                                                                        qbo_emulator):
    service = make_service()
    synced(service, qbo_emulator)
    edit(sheet_settings, "ACD-1", inv_dollars="9,999.99", notes="new note")
    report = service.run("cli")
    assert report.ok and report.counts.of("invoice").changed == 1
    row = sheet(sheet_settings)["ACD-1"]
    assert row["qb_sync_status"] == "changed"
    assert "the amount: QuickBooks has $1,500.00, the sheet $9,999.99" in row["qb_error"]
    assert "allow updates (QB_ON_EDIT=update)" in row["qb_error"]
    edit(sheet_settings, "ACD-1", inv_dollars="$1,500.00", notes="")
    assert service.run("cli").ok
    row = sheet(sheet_settings)["ACD-1"]
    assert (row["qb_sync_status"], row["qb_error"]) == ("synced", "")


def test_marking_a_row_paid_is_not_an_edit(make_service, sheet_settings, qbo_emulator):
    service = make_service()
    synced(service, qbo_emulator)
    edit(sheet_settings, "ACD-1", status="paid", Inv_paid_date="2026-11-30")
    assert service.run("cli").ok
    assert sheet(sheet_settings)["ACD-1"]["qb_sync_status"] == "synced"


def test_with_updates_an_open_invoice_is_updated_and_a_paid_one_flagged(make_service, sheet_settings, qbo_emulator,
                                                                        engine):
    service = make_service(on_edit="update")
    ids = synced(service, qbo_emulator)
    qbo_emulator.pay_invoice(ids["ACD-2"], amount=100)
    assert service.run("cli").ok   # the partial payment is read back
    edit(sheet_settings, "ACD-1", inv_dollars="9999.99")
    edit(sheet_settings, "ACD-2", inv_dollars="3000")
    report = service.run("cli")
    assert report.ok and report.counts.of("invoice").updated == 1 and report.counts.of("invoice").changed == 1
    assert qbo_emulator.read("Invoice", ids["ACD-1"])["TotalAmt"] == 9999.99
    after = sheet(sheet_settings)
    assert (after["ACD-1"]["qb_sync_status"], after["ACD-1"]["qb_balance"]) == ("synced", "9999.99")
    assert after["ACD-2"]["qb_sync_status"] == "changed" and "partly paid in QuickBooks" in after["ACD-2"]["qb_error"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(db.qb_audit_versions)).scalar() == 1
    assert service.run("cli").ok and sheet(sheet_settings)["ACD-1"]["qb_sync_status"] == "synced"  # no 2nd update


def test_a_stale_sync_token_is_read_again_once(make_service, sheet_settings, qbo_emulator):
    service = make_service(on_edit="update")
    ids = synced(service, qbo_emulator)
    qbo_emulator.update_invoice(ids["ACD-1"], PrivateNote="edited in QuickBooks")   # our SyncToken is now stale
    edit(sheet_settings, "ACD-1", task_descr="Python training, 4 days")
    assert service.run("cli").ok
    assert "4 days" in qbo_emulator.read("Invoice", ids["ACD-1"])["Line"][0]["Description"]
    assert sheet(sheet_settings)["ACD-1"]["qb_sync_status"] == "synced"


def test_a_lost_change_answer_skips_nothing(make_service, sheet_settings, qbo_emulator):
    service = make_service()
    ids = synced(service, qbo_emulator)
    assert service.run("cli").ok                  # the mark now stands
    qbo_emulator.pay_invoice(ids["ACD-1"], txn_date="2026-11-20")
    qbo_emulator.inject("503", count=10, match="cdc")
    report = service.run("cli")
    assert not report.ok and "reading changes in QuickBooks" in report.error
    assert sheet(sheet_settings)["ACD-1"]["status"] == "submitted"
    qbo_emulator.clear_faults()
    assert service.run("cli").ok
    assert sheet(sheet_settings)["ACD-1"]["status"] == "paid"


BILLS = dict(sync_mode="dual", enable_bills=True, default_expense_account="7", auto_mark_bill_paid=True,
             bill_payment_account="Checking")


def test_a_bill_the_sheet_marks_paid_is_paid_once(make_service, sheet_settings, qbo_emulator, engine):
    service = make_service(**BILLS)
    bills = synced(service, qbo_emulator, "Bill")
    edit(sheet_settings, "ACC-1", status="paid", Inv_paid_date="2026-11-25")
    report = service.run("cli")
    assert report.ok and report.counts.of("bill").bills_paid == 1
    payments = qbo_emulator.company.query("select * from BillPayment").get("BillPayment", [])
    assert len(payments) == 1 and payments[0]["TxnDate"] == "2026-11-25"
    assert payments[0]["Line"][0]["LinkedTxn"][0]["TxnId"] == bills["ACC-1"]
    assert service.run("cli").ok and service.run("cli").ok
    assert len(qbo_emulator.company.query("select * from BillPayment").get("BillPayment", [])) == 1
    row = sheet(sheet_settings)["ACC-1"]
    assert (row["qb_bill_balance"], row["qb_bill_paid_date"]) == ("0.00", "2026-11-25")


def test_a_bill_already_paid_in_quickbooks_is_left_alone(make_service, sheet_settings, qbo_emulator):
    service = make_service(**BILLS)
    bills = synced(service, qbo_emulator, "Bill")
    qbo_emulator.pay_bill(bills["ACC-1"], txn_date="2026-11-24")
    edit(sheet_settings, "ACC-1", status="paid")
    assert service.run("cli").ok and service.run("cli").ok
    assert len(qbo_emulator.company.query("select * from BillPayment").get("BillPayment", [])) == 1


@pytest.mark.parametrize("paid_date, message", [("soon", "Inv_paid_date 'soon' is not a date"),
                                                ("2099-01-01", "is in the future")])
def test_a_bad_paid_date_pays_nothing_and_says_why(make_service, sheet_settings, qbo_emulator, paid_date, message):
    service = make_service(**BILLS)
    synced(service, qbo_emulator, "Bill")
    edit(sheet_settings, "ACC-1", status="paid", Inv_paid_date=paid_date)
    report = service.run("cli")
    assert any(f.key == "ACC-1" and message in f.message for f in report.failures)
    assert qbo_emulator.company.query("select * from BillPayment").get("BillPayment", []) == []
    assert message in sheet(sheet_settings)["ACC-1"]["qb_bill_error"]
