"""After creation, per direction: paid, partly paid, open, overdue, changed, voided and deleted (issue 12, item 6).

The audit's counts are one SQL query over the stored read-back (balances are decimal text, compared as numbers);
`changed` comes from the newest completed run; `quickbooks_sync.py status` prints them all per direction.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import insert

from quickbooks import cli
from quickbooks import status as view
from quickbooks.audit import AuditStore
from quickbooks.rules.counts import RunCounts
from quickbooks.rules.directions import Direction
from quickbooks.rules.statuses import RunStatus
from quickbooks.sync import SyncService
from tests.builders import FakeClock

INV, BILL = Direction.INVOICE, Direction.BILL
TODAY = "2025-10-09"   # FakeClock's start, in UTC
KINDS = ("paid", "partly_paid", "open", "overdue", "voided", "deleted")
_keys = itertools.count(1)


def add_row(engine, direction: Direction = INV, state: str = "created", qb_state: str | None = "open",
            total: str | None = "100.00", balance: str | None = "100.00", due: str | None = "2025-12-31",
            sheet: str = "sheet-1", worksheet: str = "inv_tbl") -> None:
    """One audit row as a run and a read-back leave it, written straight into the table."""
    with engine.begin() as connection:
        connection.execute(insert(AuditStore.table(direction)).values(
            sheet=sheet, worksheet=worksheet, row_key=f"K-{next(_keys)}", state=state, attempts=1,
            created_at=1.0, updated_at=1.0, qb_id=str(next(_keys)), qb_state=qb_state, qb_total=total,
            qb_balance=balance, qb_due_date=due))


def counted(**ones: int) -> dict[str, int]:
    return {**dict.fromkeys(KINDS, 0), **ones}


# one created row -> the counts it falls in
ROWS = [
    pytest.param({}, counted(open=1), id="nothing-paid-not-due"),
    pytest.param({"due": "2025-10-08"}, counted(open=1, overdue=1), id="nothing-paid-due-yesterday"),
    pytest.param({"due": TODAY}, counted(open=1), id="due-today-is-not-overdue"),
    pytest.param({"due": None}, counted(open=1), id="no-due-date"),
    pytest.param({"balance": "0"}, counted(paid=1), id="paid"),
    pytest.param({"balance": "0.00", "due": "2025-01-01"}, counted(paid=1), id="paid-late-is-not-overdue"),
    pytest.param({"balance": "40.5"}, counted(partly_paid=1), id="partly-paid"),
    pytest.param({"balance": "40.50", "due": "2025-09-30"}, counted(partly_paid=1, overdue=1), id="partly-overdue"),
    pytest.param({"total": "1500.00", "balance": "1500"}, counted(open=1), id="same-amount-other-text"),
    pytest.param({"total": "9.50", "balance": "10.00"}, counted(), id="balance-text-compared-as-number"),
    pytest.param({"total": "0", "balance": "0"}, counted(open=1), id="zero-total-is-not-paid"),
    pytest.param({"qb_state": "voided", "total": "0", "balance": "0"}, counted(voided=1), id="voided"),
    pytest.param({"qb_state": "deleted", "total": None, "balance": None, "due": "2025-01-01"}, counted(deleted=1),
                 id="deleted"),
    pytest.param({"qb_state": None, "total": None, "balance": None}, counted(), id="never-read-back"),
    pytest.param({"state": "sending"}, counted(), id="intent-only"),
    pytest.param({"state": "failed", "qb_state": None}, counted(), id="failed"),
    pytest.param({"worksheet": "inv_tbl_2026", "due": "2025-01-01"}, counted(), id="other-worksheet"),
    pytest.param({"sheet": "sheet-2"}, counted(), id="other-sheet"),
]


@pytest.mark.parametrize("row, expected", ROWS)
def test_each_row_counts_where_it_belongs(engine, row, expected):
    add_row(engine, **row)
    store = AuditStore(engine, "sheet-1", "inv_tbl")
    assert store.remote_counts(INV, TODAY) == expected
    assert store.remote_counts(BILL, TODAY) == counted(), "a direction counts only its own table"


def test_counts_add_up_over_many_rows_per_direction(engine):
    for row, n in (({}, 30), ({"balance": "0"}, 20), ({"balance": "25"}, 10), ({"due": "2025-01-01"}, 5),
                   ({"qb_state": "voided"}, 3), ({"qb_state": "deleted"}, 2)):
        for _ in range(n):
            add_row(engine, **row)
    for _ in range(4):
        add_row(engine, BILL, balance="0")
    store = AuditStore(engine, "sheet-1", "inv_tbl")
    assert store.remote_counts(INV, TODAY) == counted(paid=20, partly_paid=10, open=35, overdue=5, voided=3,
                                                      deleted=2)
    assert store.remote_counts(BILL, TODAY) == counted(paid=4)
    assert store.remote_counts(INV, "2026-01-01") == counted(paid=20, partly_paid=10, open=35, overdue=45,
                                                             voided=3, deleted=2), "every balance due by then"


@pytest.fixture
def service(quickbooks, make_settings, engine) -> SyncService:
    return SyncService(make_settings(), quickbooks, engine, clock=FakeClock())


def test_status_prints_the_counts_after_creation_per_direction(service, engine, capsys):
    sheet, worksheet = service.settings.sheet_label, service.settings.inv_worksheet
    for row in ({"balance": "0"}, {"balance": "0"}, {"balance": "60"}, {"due": "2025-10-01"}, {},
                {"qb_state": "voided"}):
        add_row(engine, sheet=sheet, worksheet=worksheet, **row)
    add_row(engine, BILL, sheet=sheet, worksheet=worksheet, qb_state="deleted")
    run_id = service.runs.start("cli", [INV, BILL])
    service.runs.finish(run_id, RunStatus.OK, RunCounts.from_json({"invoice": {"changed": 3}, "bill": {"changed": 1}}))

    assert cli._status(service, None) == cli.EXIT_PROBLEMS   # not connected; the counts print all the same
    out = capsys.readouterr().out.splitlines()

    invoices = out.index(next(line for line in out if line.startswith("Invoices:")))
    assert out[invoices + 1] == ("  after creation: 2 paid, 1 partly paid, 2 open, 1 overdue, 3 changed, "
                                 "1 voided, 0 deleted")
    bills = out.index(next(line for line in out if line.startswith("Bills:")))
    assert out[bills + 1] == ("  after creation: 0 paid, 0 partly paid, 0 open, 0 overdue, 1 changed, "
                              "0 voided, 1 deleted")


def test_changed_comes_from_the_newest_completed_run_of_the_direction(service):
    for status, changed in ((RunStatus.OK, 5), (RunStatus.PARTIAL, 2), (RunStatus.FAILED, 0)):
        run_id = service.runs.start("cli", [INV])
        service.runs.finish(run_id, status, RunCounts.from_json({"invoice": {"changed": changed}}))
    summary = view.direction_summary(service, service.runs.recent(30))
    assert summary[INV].changed == 2, "a failed run counted nothing: the partial run before it stands"
    assert summary[BILL].changed == 0
