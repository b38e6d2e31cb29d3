"""The admin card's words and the row views, as pure functions of what the page read (issue 14), table-driven;
and the receivables' SQL aggregates on each database backend."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from quickbooks import status as view
from quickbooks.audit import AuditStore
from quickbooks.rules.counts import RunCounts
from quickbooks.rules.directions import Direction, DirectionMap
from quickbooks.rules.plan import Failure
from quickbooks.rules.statuses import RunStatus
from quickbooks.runs import RunRecord
from quickbooks.status_rows import not_syncing
from tracker import db

INV, BILL = Direction.INVOICE, Direction.BILL


@pytest.mark.parametrize("seconds, shown", [(0, "0 s"), (59, "59 s"), (60, "1 min"), (61, "2 min"), (240, "4 min"),
                                            (3600, "1 h 0 min"), (3900, "1 h 5 min"), (-5, "0 s")])
def test_in_words(seconds, shown):
    assert view.in_words(seconds) == shown


@pytest.mark.parametrize("every, leader, held, expected", [
    (None, "host:1", {}, None),                        # not scheduled
    (600, None, {}, None),                             # no scheduler runs
    (600, "host:1", {}, 1200.0),                       # the grid anchored at the epoch
    (600, "host:1", {"qb_sync_invoices": 1500.0}, 1500.0),   # this process's APScheduler knows better
    (600, "host:1", {"other": 1500.0}, 1200.0),
])
def test_next_run_at(every, leader, held, expected):
    assert view.next_run_at("qb_sync_invoices", every, leader, 1000.0, held) == expected


def _status(direction=INV, **values):
    return view.DirectionStatus(direction, **values)


@pytest.mark.parametrize("status, enabled, scheduled, next_at, sentence", [
    (_status(BILL, skipped=9), False, False, None,
     "Bills are off: 9 row(s) wait; turn on QB_SYNC_MODE=dual and QB_ENABLE_BILLS=true"),
    (_status(BILL), False, False, None, "Bills are off: no row asks for one"),
    (_status(pending=33, known_at=1.0), True, True, 1240.0, "Invoices: next run in 4 min; 33 row(s) wait."),
    (_status(), True, True, 1240.0, "Invoices: next run in 4 min; rows ready are not counted yet."),
    (_status(pending=2, known_at=1.0), True, False, None, "Invoices: runs only on \"Sync now\" or from cron"),
    (_status(pending=2, known_at=1.0), True, True, None, "Invoices: no scheduler is running"),
    (_status(failed=3, known_at=1.0), True, True, 1100.0, "0 row(s) wait, 3 failed row(s) need a fix or a retry."),
], ids=["bills-off-waiting", "bills-off-none", "next-run", "never-counted", "unscheduled", "no-leader", "failed"])
def test_direction_sentence(status, enabled, scheduled, next_at, sentence):
    assert sentence in view.direction_sentence(status, enabled, scheduled, next_at, 1000.0)


@pytest.mark.parametrize("status, shown", [
    (_status(), "pending: not counted yet (press \"Preview next run\")"),
    (_status(pending=33, known_at=5.0, known_from="preview"), "pending: 33 (as of t5, preview)"),
    (_status(pending=0, known_at=7.0, known_from="last run"), "pending: 0 (as of t7, last run)"),
])
def test_pending_has_its_age(status, shown):
    assert view.pending_text(status, at=lambda t: f"t{t:g}") == shown


def _run(run_id=1, status=RunStatus.OK, counts=None, done=0, total=0, error=None, failures=(), trigger="manual",
         started=100.0, directions=(INV,)):
    return RunRecord(run_id, trigger, directions, status, started, started + 1, total, done,
                     RunCounts.from_json(counts or {}), error, tuple(failures))


@pytest.mark.parametrize("run, value, label, colour", [
    (None, 0, "No run yet", "secondary"),
    (_run(status=RunStatus.RUNNING), 0, "Run #1: reading the sheet ...", "info"),
    (_run(status=RunStatus.RUNNING, done=30, total=120), 25, "Run #1: 30 of 120 rows", "info"),
    (_run(counts={"invoice": {"synced": 2, "failed": 1}}), 100, "Run #1 ok: 2 synced, 1 failed", "success"),
    (_run(), 100, "Run #1 ok: nothing to send", "success"),
    (_run(status=RunStatus.PARTIAL, counts={"invoice": {"pending": 4}}, error="invoices: unreachable"), 100,
     "Run #1 partial: 4 pending (invoices: unreachable)", "warning"),
    (_run(status=RunStatus.FAILED, error="QuickBooks is not connected"), 100,
     "Run #1 failed: nothing to send (QuickBooks is not connected)", "danger"),
], ids=["none", "starting", "running", "ok", "ok-empty", "partial", "failed"])
def test_outcome_text(run, value, label, colour):
    assert view.outcome_text(run) == (value, label, colour)


@pytest.mark.parametrize("typed, shown", [("9224.43", "$9,224.43"), ("$2,000.50", "$2,000.50"), ("1500", "$1,500.00"),
                                          ("-12.5", "-$12.50"), ("", ""), (None, ""), ("tbd", "tbd")])
def test_money(typed, shown):
    assert view.money(typed) == shown


def _failed(key="F-1", run_id=1, started=100.0):
    return _run(run_id, failures=[Failure(INV, key, (12,), "Customer 'X' is not in QuickBooks", "X", "10")],
                started=started)


@pytest.mark.parametrize("runs, since", [
    ([_failed(run_id=3, started=300.0), _failed(run_id=2, started=200.0), _failed(run_id=1, started=100.0)], 100.0),
    ([_failed(run_id=3, started=300.0), _run(2, started=200.0), _failed(run_id=1, started=100.0)], 300.0),
    ([_failed(run_id=3, started=300.0), _run(2, RunStatus.FAILED, started=200.0), _failed(run_id=1)], 100.0),
    ([_run(2, started=200.0)], None),
], ids=["three-runs", "fixed-in-between", "a-failed-run-counts-nothing", "not-failing"])
def test_failing_since(runs, since):
    assert view.failing_since(runs, INV, "F-1") == since


@pytest.mark.parametrize("sheet_id, gid, row, link", [
    ("abc", 0, 12, "https://docs.google.com/spreadsheets/d/abc/edit#gid=0&range=A12"),
    ("abc", None, 12, ""), ("", 5, 12, "")])
def test_sheet_row_link(sheet_id, gid, row, link):
    assert view.sheet_row_link(sheet_id, gid, row) == link


def test_failed_rows_show_money_since_and_row_numbers():
    rows = view.failed_rows([_failed(run_id=2, started=200.0), _failed(run_id=1, started=100.0)])
    assert rows[0]["amount"] == "$10.00" and rows[0]["row_numbers"] == [12] and rows[0]["client"] == "X"
    assert rows[0]["since"] == "1970-01-01 00:01 UTC"




def _rec(row, status="submitted", inv_from="ACD", **cells):
    return {"_row": row, "invoice": f"N-{row}", "status": status, "inv_from": inv_from, "to_client": "Globex",
            "inv_dollars": "100", **cells}


@pytest.mark.parametrize("record, created, reason", [
    (_rec(2, "draft"), set(), "draft"),
    (_rec(3, "paid"), set(), "already paid"),
    (_rec(4, "estimate"), set(), "not ready"),
    (_rec(5, ""), set(), "not ready"),
    (_rec(6), {"N-6"}, "waiting for writeback"),
    (_rec(7, qb_invoice_id="77", qb_sync_status="changed", qb_error="inv_dollars changed"), set(),
     "changed after sync"),
    (_rec(8, qb_invoice_id="78", qb_sync_status="voided"), set(), "voided"),
    (_rec(9, inv_from="Accelebrate"), set(), "Bills off"),
    (_rec(10), set(), None),                                     # ready: pending (or failed), shown elsewhere
    (_rec(11, "paid", qb_invoice_id="81", qb_sync_status="synced"), set(), None),   # synced, nothing wrong
    (_rec(12, inv_from="Somebody"), set(), None),               # unknown inv_from: a failed row
], ids=["draft", "paid", "not-ready", "blank-status", "writeback", "changed", "voided", "bills-off", "ready",
        "synced", "unknown-inv-from"])
def test_rows_not_syncing_and_why(record, created, reason):
    directions = _directions()
    rows = not_syncing([record], directions, frozenset({"submitted", "pending"}), False, {INV: created})
    assert [r["reason"] for r in rows] == ([reason] if reason else [])
    if rows:
        assert rows[0]["row"] == record["_row"] and rows[0]["amount"] == "$100.00" and rows[0]["detail"]


def _directions() -> DirectionMap:
    return DirectionMap(frozenset({"acd"}), frozenset({"accelebrate"}))


@pytest.fixture
def audit(database_url):
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    yield AuditStore(engine, "sheet-1", "inv_tbl")
    engine.dispose()


def _add(audit, key, party, balance, total="100.00", due="2026-03-01", qb_state="open", state="created"):
    with audit.engine.begin() as connection:
        connection.execute(insert(AuditStore.table(INV)).values(
            sheet=audit.sheet, worksheet=audit.worksheet, row_key=key, state=state, attempts=1, created_at=1.0,
            updated_at=float(len(key)), qb_id=key, qb_url=f"https://qb/{key}", party_name=party, amount=total,
            qb_state=qb_state, qb_total=total, qb_balance=balance, qb_due_date=due))


TODAY = "2026-03-01"
# key, client, balance, due date -> its aging bucket
AGING_ROWS = [("A", "Globex", "100.00", "2026-03-01", "not due"), ("B", "Globex", "50.50", None, "not due"),
              ("C", "Initech", "10", "2026-02-28", "0–30"), ("D", "Initech", "20", "2026-01-30", "0–30"),
              ("E", "Globex", "30", "2026-01-29", "31–60"), ("F", "Hooli", "40", "2025-12-31", "31–60"),
              ("G", "Hooli", "60", "2025-12-30", "61–90"), ("H", "Hooli", "70", "2025-12-01", "61–90"),
              ("I", "Globex", "90", "2025-11-30", "90+"), ("J", "Globex", "5", "2020-01-01", "90+")]


def test_receivables_by_sql_aggregates(audit):
    for key, party, balance, due, _bucket in AGING_ROWS:
        _add(audit, key, party, balance, due=due)
    _add(audit, "PAID", "Globex", "0", due="2020-01-01")                    # paid: in nothing
    _add(audit, "VOID", "Globex", "100", due="2020-01-01", qb_state="voided")
    _add(audit, "FAIL", "Globex", "100", due="2020-01-01", state="failed")
    aging = audit.aging(INV, view.aging_edges(TODAY))
    expected = {}
    for _key, _party, balance, _due, bucket in AGING_ROWS:
        n, total = expected.get(bucket, (0, 0.0))
        expected[bucket] = (n + 1, total + float(balance))
    assert {b: (n, float(total)) for b, (n, total) in aging.items()} == expected
    assert [(p, n, float(t)) for p, n, t in audit.open_by_party(INV)] == [
        ("Globex", 5, 275.5), ("Hooli", 3, 170.0), ("Initech", 2, 30.0)]
    assert [a.row_key for a in audit.overdue(INV, TODAY)] == ["J", "I", "H", "G", "F", "E", "D", "C"]
    page, total = audit.created_page(INV, 0, 3)
    assert total == 12 and len(page) == 3


def test_receivables_view(tracker_app, point_app):
    settings = point_app(inv_worksheet="receivables_view")   # its own audit rows, invisible to other tests
    sync = tracker_app.server.extensions["sync"]
    audit = AuditStore(sync.engine, settings.sheet_label, settings.inv_worksheet)
    for key, party, balance, due, _bucket in AGING_ROWS:
        _add(audit, key, party, balance, due=due)
    owed = view.receivables(sync, TODAY)
    assert owed["total"] == "$475.50" and owed["clients"][0] == {"client": "Globex", "count": 5, "balance": "$275.50"}
    assert owed["overdue"][0] == {"invoice": "J", "client": "Globex", "due": "2020-01-01", "days": 2251,
                                  "balance": "$5.00", "total": "$100.00", "link": "https://qb/J"}
    rows, total = view.created_invoices(sync, 0, 4)
    assert total == 10 and len(rows) == 4 and rows[0]["amount"] == "$100.00" and rows[0]["pdf_name"].endswith(".pdf")
