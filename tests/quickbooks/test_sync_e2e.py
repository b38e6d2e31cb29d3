"""The sync end to end, on both sheet backends, against the QuickBooks emulator: outcomes in the sheet,
in QuickBooks and in the audit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

import acd
from tracker import db
from tracker.leases import try_acquire
from quickbooks.rules.directions import Direction
from quickbooks.sync import SYNC_LEASE, SyncService
from sankey_helpers import SOURCE_HEADERS
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table
from tests.quickbooks.conftest import read_sheet, settings_with_rows

ROWS = table(
    sheet_row("ACD-1"),
    sheet_row("ACD-2", status=" Pending ", to_client="O'Brien & Sons", inv_dollars="$2,345.67",
              notes='=HYPERLINK("http://x","y")'),
    sheet_row("ACD-3", status="draft", inv_dollars="99"),
    sheet_row("ACC-1", status="pending", inv_from="Accelebrate", to_client="ACD", inv_dollars="800.50"),
    sheet_row("ACD-5", status="pending", to_client="Unknown Client", inv_dollars="10"),
    sheet_row("ACD-6", status="paid", to_client="Initech", inv_dollars="700"),
)


@pytest.fixture(params=["local", "google"])
def sheet_settings(request, make_settings):
    return settings_with_rows(request, make_settings, ROWS)


sheet = read_sheet


def test_invoice_only_run_creates_writes_back_and_a_second_run_does_nothing(make_service, sheet_settings,
                                                                             qbo_emulator, engine):
    service = make_service()
    report = service.run("cli")
    assert report.status == "ok", report.error
    created = {i["DocNumber"]: i for i in qbo_emulator.created("Invoice")}
    assert sorted(created) == ["ACD-1", "ACD-2"]
    assert qbo_emulator.created("Bill") == []

    after = sheet(sheet_settings)
    realm = qbo_emulator.realm_id
    for key in ("ACD-1", "ACD-2"):
        assert after[key]["qb_invoice_id"] == created[key]["Id"]
        assert after[key]["qb_invoice_url"] == (f"https://app.qbo.intuit.com/app/invoice?txnId={created[key]['Id']}"
                                                f"&companyId={realm}")
        assert after[key]["qb_sync_status"] == "synced" and after[key]["qb_error"] == ""
        assert after[key]["qb_synced_at"].endswith("Z")
    assert after["ACD-2"]["notes"] == '=HYPERLINK("http://x","y")'
    assert after["ACC-1"]["qb_sync_status"] == "skipped" and "Essentials or Plus" in after["ACC-1"]["qb_error"]
    assert after["ACD-5"]["qb_sync_status"] == "failed"
    assert "Customer 'Unknown Client' is not in QuickBooks" in after["ACD-5"]["qb_error"]
    assert after["ACD-3"]["qb_sync_status"] == after["ACD-6"]["qb_sync_status"] == ""

    with engine.connect() as connection:
        audit = {r.row_key: r for r in connection.execute(select(db.qb_invoice_audit))}
    assert audit["ACD-1"].state == "created" and audit["ACD-1"].qb_id == created["ACD-1"]["Id"]
    assert json.loads(audit["ACD-1"].response_json)["DocNumber"] == "ACD-1"
    assert audit["ACD-5"].state == "failed"

    assert [p for p in service.run("cli", dry_run=True).planned if p["action"] == "write"] == []   # nothing changes
    qbo_emulator.reset_stats()
    second = service.run("cli")
    assert second.status == "ok"
    assert sorted(i["DocNumber"] for i in qbo_emulator.created("Invoice")) == ["ACD-1", "ACD-2"]
    assert qbo_emulator.stats().get("batch", 0) == 0 and qbo_emulator.stats().get("query", 0) == 0
    assert sheet(sheet_settings) == after


def test_dual_mode_creates_bills_into_the_bill_columns(make_service, sheet_settings, qbo_emulator):
    report = make_service(sync_mode="dual", enable_bills=True, default_expense_account="7").run("cli")
    assert report.status == "ok", report.error
    bills = qbo_emulator.created("Bill")
    assert [b["DocNumber"] for b in bills] == ["ACC-1"]
    after = sheet(sheet_settings)["ACC-1"]
    assert after["qb_bill_id"] == bills[0]["Id"] and after["qb_bill_status"] == "synced"
    assert after["qb_bill_url"].startswith("https://app.qbo.intuit.com/app/bill?txnId=")
    assert after["qb_sync_status"] == ""


def test_simple_start_stops_the_bill_direction_with_one_message(make_service, sheet_settings, qbo_emulator):
    qbo_emulator.set_edition("Simple Start")
    report = make_service(sync_mode="dual", enable_bills=True, default_expense_account="7").run("cli")
    assert report.status == "partial"
    assert "Essentials or Plus" in report.error
    assert qbo_emulator.created("Bill") == []
    assert sheet(sheet_settings)["ACC-1"]["qb_bill_status"] == "", "no per-row error for an edition problem"
    assert len(qbo_emulator.created("Invoice")) == 2


def test_dry_run_changes_nothing(make_service, sheet_settings, qbo_emulator, engine):
    before = sheet(sheet_settings)
    report = make_service().run("cli", dry_run=True)
    assert report.status == "ok"
    creates = {p["key"]: p for p in report.planned if p["action"] == "create"}
    assert sorted(creates) == ["ACD-1", "ACD-2"]
    assert creates["ACD-2"]["payload"]["Line"][0]["Amount"] == 2345.67
    assert any(p["action"] == "error" and p["key"] == "ACD-5" for p in report.planned)
    assert sheet(sheet_settings) == before
    assert qbo_emulator.created("Invoice") == []
    with engine.connect() as connection:
        assert connection.execute(select(db.qb_invoice_audit)).all() == []
        assert connection.execute(select(db.sync_runs)).all() == []


def test_backfill_also_takes_paid_rows(make_service, qbo_emulator):
    make_service().run("cli", backfill=True)
    assert "ACD-6" in {i["DocNumber"] for i in qbo_emulator.created("Invoice")}


def test_limit_caps_the_creates(make_service, qbo_emulator):
    report = make_service().run("cli", limit=1)
    assert len(qbo_emulator.created("Invoice")) == 1
    assert report.counts.of(Direction.INVOICE).pending == 1


def test_a_second_concurrent_run_is_refused(make_service, qbo_emulator, engine):
    assert try_acquire(engine, SYNC_LEASE, "another-process", ttl=60)
    report = make_service().run("manual")
    assert report.status == "busy" and "already running" in report.error
    assert qbo_emulator.created("Invoice") == []


def test_missing_qb_columns_stop_before_writing(make_settings, make_service, qbo_emulator):
    settings = make_settings(local_sheet_path=make_settings().local_sheet_path.with_name("bare.xlsx"))
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": [r[:len(SOURCE_HEADERS)] for r in ROWS]})
    service = make_service()
    service.settings = settings
    report = service.run("cli")
    assert report.status == "failed"
    assert "run `python quickbooks_sync.py migrate`" in report.error
    assert qbo_emulator.created("Invoice") == []


def test_a_lost_answer_is_settled_in_the_same_run(make_service, sheet_settings, qbo_emulator):
    qbo_emulator.inject("drop_after_commit", count=1, match="batch")
    report = make_service().run("cli")
    assert report.status == "ok", report.error
    assert report.counts.of(Direction.INVOICE).synced == 2
    assert sorted(qbo_emulator.docnumber_counts("Invoice").values()) == [1, 1]
    assert sheet(sheet_settings)["ACD-1"]["qb_sync_status"] == "synced"


def test_rows_moved_during_the_run_get_their_own_results(make_service, sheet_settings, qbo_emulator):
    ws = acd.open_sheet(sheet_settings).worksheet("inv_tbl")

    def person_inserts_rows_above(done, total):
        if done == total and total:
            from spreadsheet import CellUpdate

            rows = ws.read_all()
            shifted = [rows[0], sheet_row("NEW-1", status="draft", to_client="Initech", inv_dollars="5"), *rows[1:]]
            ws.write_cells([CellUpdate(r, c, v) for r, line in enumerate(shifted, 1) for c, v in enumerate(line, 1)])

    make_service().run("cli", progress=person_inserts_rows_above)
    after = sheet(sheet_settings)
    created = {i["DocNumber"]: i["Id"] for i in qbo_emulator.created("Invoice")}
    assert after["ACD-1"]["qb_invoice_id"] == created["ACD-1"]
    assert after["ACD-2"]["qb_invoice_id"] == created["ACD-2"]
    assert after["NEW-1"]["qb_invoice_id"] == ""


def test_reset_refuses_when_quickbooks_has_the_number(make_service, sheet_settings, qbo_emulator):
    service = make_service()
    service.run("cli")
    assert service.reset_row("ACD-1", Direction.INVOICE).startswith("Refused")
    assert service.reset_row("ACD-5", Direction.INVOICE).startswith("Reset ACD-5")
    assert sheet(sheet_settings)["ACD-5"]["qb_sync_status"] == ""
    assert service.reset_row("ACD-99", Direction.INVOICE).startswith("Refused: invoice number 'ACD-99' is neither")


def test_a_forced_reset_never_makes_a_second_invoice_even_where_numbers_may_repeat(make_service, sheet_settings,
                                                                                 qbo_emulator):
    qbo_emulator.set_behaviour(invoice_duplicates="allow")
    service = make_service()
    service.run("cli")
    message = service.reset_row("ACD-1", Direction.INVOICE, force=True)
    assert "the next run looks it up first" in message
    assert sheet(sheet_settings)["ACD-1"]["qb_invoice_id"] == ""
    assert service.run("cli").ok
    assert qbo_emulator.docnumber_counts("Invoice")["ACD-1"] == 1
    assert sheet(sheet_settings)["ACD-1"]["qb_sync_status"] == "synced"


def test_an_interrupted_intent_is_not_adopted_when_quickbooks_holds_another_transaction(make_service, sheet_settings,
                                                                                      qbo_emulator, connected):
    """A run died after its intent; meanwhile someone typed invoice ACD-1 by hand for another customer."""
    service = make_service()
    report = service.run("cli", dry_run=True)
    payload = next(p["payload"] for p in report.planned if p.get("key") == "ACD-1")
    service.audit().record_intents(Direction.INVOICE, [{
        "row_key": "ACD-1", "request_id": "r" * 36, "payload_hash": "h", "payload_json": json.dumps(payload),
        "row_fingerprint": None, "doc_number": "ACD-1", "party_name": "Globex LLC", "amount": "1500.00"}])
    initech = connected.client.query("SELECT * FROM Customer WHERE DisplayName = 'Initech'")["Customer"][0]["Id"]
    connected.client.create("Invoice", {"DocNumber": "ACD-1", "CustomerRef": {"value": initech}, "Line": [
        {"Amount": 99.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})

    service.run("cli")
    after = sheet(sheet_settings)["ACD-1"]
    assert after["qb_sync_status"] == "failed" and after["qb_invoice_id"] == ""
    assert "already used in QuickBooks" in after["qb_error"]
    assert qbo_emulator.docnumber_counts("Invoice")["ACD-1"] == 1


def test_grouped_rows_become_one_invoice_with_several_lines(make_service, sheet_settings, qbo_emulator):
    ws = acd.open_sheet(sheet_settings).worksheet("inv_tbl")
    rows = ws.read_all()
    from spreadsheet import CellUpdate

    second_line = sheet_row("ACD-1", inv_dollars="250.50", task_descr="Follow-up day")
    ws.write_cells([CellUpdate(len(rows) + 1, c + 1, v) for c, v in enumerate(second_line)])
    report = make_service(group_by_invoice=True).run("cli")
    assert report.status == "ok", report.error
    invoice = next(i for i in qbo_emulator.created("Invoice") if i["DocNumber"] == "ACD-1")
    assert [line["Amount"] for line in invoice["Line"] if line.get("DetailType") == "SalesItemLineDetail"] == [
        1500.0, 250.5]
    holders = [r for r in ws.read_all()[1:] if r[0] == "ACD-1"]
    header = ws.read_all()[0]
    assert [dict(zip(header, r))["qb_invoice_id"] for r in holders] == [invoice["Id"], invoice["Id"]]


def test_without_grouping_the_second_row_names_the_first(make_service, sheet_settings, qbo_emulator):
    ws = acd.open_sheet(sheet_settings).worksheet("inv_tbl")
    from spreadsheet import CellUpdate

    extra = sheet_row("ACD-1", inv_dollars="250.50", task_descr="Follow-up day")
    ws.write_cells([CellUpdate(len(ws.read_all()) + 1, c + 1, v) for c, v in enumerate(extra)])
    make_service().run("cli")
    header, *rows = ws.read_all()
    holders = [dict(zip(header, r)) for r in rows if r[0] == "ACD-1"]
    assert holders[0]["qb_sync_status"] == "synced"
    assert holders[1]["qb_sync_status"] == "failed" and "is also on row 2" in holders[1]["qb_error"]
    assert qbo_emulator.docnumber_counts("Invoice")["ACD-1"] == 1


def test_a_company_that_numbers_invoices_itself_is_refused_with_a_plain_message(make_service, sheet_settings,
                                                                                 qbo_emulator):
    qbo_emulator.set_behaviour(custom_txn_numbers_invoice=False)
    service = make_service()
    report = service.run("cli")
    assert report.status == "partial"
    assert "custom transaction numbers are off" in report.error and "Account and settings > Sales" in report.error
    assert qbo_emulator.created("Invoice") == []
    assert report.counts.of(Direction.INVOICE).pending == 3   # ACD-1, ACD-2, ACD-5: none mapped or sent
    assert service.qb.store.info().custom_numbers == {"bill": True, "invoice": False}
    assert sheet(sheet_settings)["ACD-1"]["qb_sync_status"] == ""


def test_a_number_with_a_line_break_left_sending_stops_nothing(make_service, sheet_settings, qbo_emulator):
    """An intent left `sending` (by a version that still sent such numbers) whose number a query cannot hold
    used to raise on every run and in `reset`: now that row fails with a message, the others still sync."""
    ws = acd.open_sheet(sheet_settings).worksheet("inv_tbl")
    from spreadsheet import CellUpdate

    ws.write_cells([CellUpdate(2, 1, "ACD-1\n2")])
    service = make_service()
    service.audit().record_intents(Direction.INVOICE, [{"row_key": "ACD-1\n2", "payload_hash": "h",
                                                        "doc_number": "ACD-1\n2", "amount": "1500.00"}])
    report = service.run("cli")
    assert report.ok, report.error
    assert sorted(qbo_emulator.docnumber_counts("Invoice")) == ["ACD-2"]
    failure = next(f for f in report.failures if f.key == "ACD-1\n2")
    assert "cannot be looked up in QuickBooks" in failure.message
    assert service.reset_row("ACD-1\n2", Direction.INVOICE).startswith("Reset")


def test_a_moved_workbook_stops_the_run_naming_the_path_and_creates_nothing(make_settings, qbo_emulator, connected,
                                                                             engine, tmp_path):
    # the workbook was synced once, then moved away (or LOCAL_SHEET_PATH mistyped); QB_ENV=local is demo mode
    settings = make_settings(local_sheet_path=tmp_path / "data" / "real.xlsx")
    service = SyncService(settings, connected, engine)
    report = service.run("manual")
    assert report.status == "failed"
    assert f"{settings.local_sheet_path} does not exist: check LOCAL_SHEET_PATH" in report.error
    assert not settings.local_sheet_path.exists(), "no demo workbook appears in its place"
    assert qbo_emulator.created("Invoice") == [] and qbo_emulator.created("Bill") == []
