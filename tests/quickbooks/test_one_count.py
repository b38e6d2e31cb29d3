"""One count everywhere, and no reused number left silent: on a sheet with every kind of row, the admin card, the
failed-rows table, the preview and `quickbooks_sync.py status` show the same figures, and a ready row whose number
already belongs to another row's QuickBooks invoice fails naming that row and the transaction."""

from __future__ import annotations

import dataclasses
import re

import pytest

import acd
from quickbooks import status as view
from quickbooks.rules.directions import Direction
from quickbooks.sync import SyncService
from spreadsheet.base import CellUpdate
from spreadsheet.local import LocalWorkbook
from tests.builders import sheet_row, table

INV, BILL = Direction.INVOICE, Direction.BILL

ROWS = table(
    sheet_row("OK-1"),                                                        # synced
    sheet_row("OK-2", to_client="Initech", inv_dollars="250"),               # synced
    sheet_row("BAD-1", to_client="Nobody Inc"),                              # failed: customer unknown
    sheet_row("BAD-2", inv_dollars="12,34"),                                 # failed: ambiguous amount
    sheet_row("DUP-1"), sheet_row("DUP-1", inv_dollars="99"),                # one synced, the copy failed
    sheet_row("", inv_dollars="10"),                                         # failed: blank number
    sheet_row("ODD-1", inv_from="Acme Brokers"),                             # failed: inv_from unknown
    sheet_row("ACC-1", inv_from="Accelebrate", to_client="ACD"),            # Bill, skipped (Bills off)
    sheet_row("DRAFT-1", status="draft"),                                    # not ready: nothing
)
FAILED, SKIPPED = 5, 1


@pytest.fixture
def service(connected, make_settings, engine, tmp_path) -> SyncService:
    settings = make_settings()
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": ROWS})
    connected.settings = dataclasses.replace(connected.settings, customers_file=tmp_path / "none.json")
    return SyncService(settings, connected, engine)


def _views(service: SyncService) -> dict[str, tuple[int, int]]:
    """(failed, skipped) as each view shows them."""
    runs = service.runs.recent(30)
    card = view.direction_summary(service, runs)
    table_rows = view.failed_rows(runs)
    preview = service.run("manual", dry_run=True)
    lines, _ = view.report_lines(service)
    printed = {d: re.search(r"(\d+) failed, (\d+) skipped", next(l for l in lines if l.startswith(d.label)))
               for d in Direction}
    return {
        "admin card": (card[INV].failed + card[BILL].failed, card[INV].skipped + card[BILL].skipped),
        "failed-rows table": (len(table_rows), card[BILL].skipped),
        "preview": (len(preview.failures), preview.counts.total("skipped")),
        "status": (sum(int(m[1]) for m in printed.values()), sum(int(m[2]) for m in printed.values())),
    }


def test_the_four_views_agree_after_each_run(service):
    for _ in range(2):   # the second run keeps the failures of the first without sending them again
        report = service.run("cli")
        assert report.ok, report.error
        assert report.counts.total("failed") == FAILED and report.counts.total("skipped") == SKIPPED
        assert _views(service) == dict.fromkeys(("admin card", "failed-rows table", "preview", "status"),
                                                (FAILED, SKIPPED))
    keys = {r["invoice"] for r in view.failed_rows(service.runs.recent(30))}
    assert keys == {"BAD-1", "BAD-2", "DUP-1", "(blank)", "ODD-1"}


def test_a_reused_invoice_number_fails_naming_the_other_row_and_the_transaction(service, qbo_emulator):
    assert service.run("cli").ok
    worksheet = acd.open_sheet(service.settings).worksheet("inv_tbl")
    rows = worksheet.read_all()
    reused_row = sheet_row("OK-1", header=rows[0], to_client="Initech", inv_dollars="9,999.99")
    worksheet.write_cells([CellUpdate(len(rows) + 1, col, value) for col, value in enumerate(reused_row, 1) if value])

    report = service.run("cli")

    invoice_id = next(i["Id"] for i in qbo_emulator.created("Invoice") if i["DocNumber"] == "OK-1")
    reused = next(f for f in report.failures if f.key == "OK-1")
    assert f"Invoice number 'OK-1' is already used by row 2: QuickBooks invoice Id {invoice_id}" in reused.message
    assert reused.rows == (len(rows) + 1,)
    cells = {tuple(r[:1] + [r[8]]): dict(zip(rows[0], r)) for r in worksheet.read_all()[1:]}
    assert cells[("OK-1", "9,999.99")]["qb_sync_status"] == "failed"
    assert cells[("OK-1", "1500")]["qb_sync_status"] == "synced", "the synced row keeps its id"
    assert qbo_emulator.docnumber_counts("Invoice")["OK-1"] == 1
    assert any(r["invoice"] == "OK-1" for r in view.failed_rows(service.runs.recent(30)))
