"""bench_sync.py, after the batched sync: what reading QuickBooks' changes back costs on the same synced rows.

Each cycle is one `service.run("cli")`, counted on both emulators: QuickBooks requests by kind (cdc, query, batch,
and "other", i.e. every other API request: per-row reads, creates, updates) and Sheets requests (read, write,
metadata), the wall time, and how the run read the changes (quickbooks/pull.py's mode, from its log line).

Cycles: idle right after the creates; idle once QuickBooks' and the sync's clocks moved `LATER_SECONDS` on (more
than pull.OVERLAP_SECONDS, so the mark this run stores lies past the creates: with 1,000 rows or more, CDC answers
its 1,000-object cap until then and the run reads by Id); idle again (the steady state); `PAID` payments (half the
rows if fewer) recorded as a QuickBooks user would (`pay_invoice` with a txn_date), then one cycle; as many more, the
CDC mark deleted (table qb_marks), one cycle (the query-by-Id fallback). After each payment cycle the sheet must
show those rows (and the ones paid before) with status `paid` and qb_balance `0.00`, and no other row paid; a
mismatch, a failed run, or a request count other than the expected one is a problem (bench_sync.py then exits
non-zero). A cycle that writes reads the sheet twice: quickbooks/writeback.py reads it afresh before its one write.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import delete

from quickbooks.pull import OVERLAP_SECONDS
from tracker.db import qb_marks

LATER_SECONDS = OVERLAP_SECONDS + 60
PAID = 100
PAY_DATE = "2026-11-20"
QB_KINDS = ("cdc", "query", "batch")


class ShiftedClock:
    """time.time() plus an offset the bench moves on, shared by the QuickBooks emulator and the sync service."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


class _PullLog(logging.Handler):
    """The mode of the 'QuickBooks changes read (<mode>)' line (quickbooks/run.py), and why it is not CDC
    (quickbooks/pull.py's lines)."""
    LOGGERS = ("quickbooks.run", "quickbooks.pull")

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.mode, self.why = "-", ""

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("QuickBooks changes read") and record.args:
            self.mode = str(record.args[0])
        elif record.name == "quickbooks.pull":
            self.why = record.getMessage().split(":")[0]


@dataclass
class Cycle:
    label: str
    qb: dict[str, int]           # cdc, query, batch, other, token
    sheets: dict[str, int]       # read, write, metadata
    wall: float
    mode: str = "-"
    why: str = ""                # pull.py's reason for reading by Id instead of CDC, if it logged one
    paid_ok: str = ""            # "100/100": rows paid this cycle that the sheet shows paid, balance 0.00
    problems: list[str] = field(default_factory=list)

    @property
    def qb_total(self) -> int:
        return sum(v for k, v in self.qb.items() if k != "token")

    @property
    def sheets_total(self) -> int:
        return sum(self.sheets.values())


def cycle(service, qbo, sheets, label: str) -> Cycle:
    """One sync run with nothing staged by the bench; counted from zero."""
    handler, loggers = _PullLog(), [logging.getLogger(name) for name in _PullLog.LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    qbo.reset_stats()
    sheets.reset_stats()
    try:
        started = time.perf_counter()
        report = service.run("cli")
        wall = time.perf_counter() - started
    finally:
        for logger, level in zip(loggers, levels):
            logger.removeHandler(handler)
            logger.setLevel(level)
    q, s = qbo.stats(), sheets.stats()
    kinds = {k: q.get(k, 0) for k in QB_KINDS}
    kinds.update(other=q["api_requests"] - sum(kinds.values()), token=q.get("token", 0))
    result = Cycle(label, kinds, {k: s.get(k, 0) for k in ("read", "write", "metadata")}, wall, handler.mode,
                   handler.why)
    if not report.ok:
        result.problems.append(f"{label}: the run failed: {report.error}")
    return result


def expect(c: Cycle, **wanted) -> None:
    """Counts as `qb_<kind>`/`sheets_<kind>`: an int is exact, a (low, high) pair a range."""
    for name, want in wanted.items():
        side, kind = name.split("_", 1)
        got = (c.qb if side == "qb" else c.sheets)[kind]
        low, high = want if isinstance(want, tuple) else (want, want)
        if not low <= got <= high:
            c.problems.append(f"{c.label}: {side} {kind} requests {got}, expected "
                              f"{want if isinstance(want, int) else f'{low} to {high}'}")


def _check_paid(c: Cycle, sheets, spreadsheet: str, now: set[str], paid: set[str]) -> None:
    """`now`: the rows paid just before this cycle; `paid`: every row paid so far (`now` included)."""
    rows = sheets.values(spreadsheet, "inv_tbl")   # the emulator's own store: no request counted
    head = rows[0]
    at = {name: head.index(name) for name in ("invoice", "status", "qb_balance")}
    shown = {r[at["invoice"]]: (r[at["status"]], r[at["qb_balance"]]) for r in rows[1:]}
    c.paid_ok = f"{sum(shown.get(key) == ('paid', '0.00') for key in now)}/{len(now)}"
    bad = sorted(k for k in paid if shown.get(k) != ("paid", "0.00"))
    others = sorted(k for k, (status, _) in shown.items() if status == "paid" and k not in paid)
    if bad:
        c.problems.append(f"{c.label}: {len(bad)} paid row(s) not shown as status paid, qb_balance 0.00, "
                          f"e.g. {bad[0]}: {shown.get(bad[0])}")
    if others:
        c.problems.append(f"{c.label}: {len(others)} row(s) never paid show status paid, e.g. {others[0]}")


def after_sync(service, qbo, sheets, engine, clock: ShiftedClock, spreadsheet: str) -> list[Cycle]:
    """The cycles after the idle run that followed the creates (module docstring)."""
    clock.offset += LATER_SECONDS
    later = cycle(service, qbo, sheets, f"idle, {LATER_SECONDS // 60} min later")
    idle = cycle(service, qbo, sheets, "idle")
    expect(idle, qb_cdc=1, qb_query=0, qb_batch=0, qb_other=0, sheets_read=1, sheets_write=0, sheets_metadata=0)

    invoices = sorted(qbo.created("Invoice"), key=lambda o: o["DocNumber"])
    n = min(PAID, len(invoices) // 2)   # fewer on a small --rows: two disjoint sets of payments
    paid: set[str] = set()
    cycles = [later, idle]
    for label, chunk, drop_mark in ((f"{n} payments", invoices[:n], False),
                                    (f"{n} payments, CDC mark removed", invoices[n:2 * n], True)):
        for invoice in chunk:
            qbo.pay_invoice(invoice["Id"], txn_date=PAY_DATE)
        now = {invoice["DocNumber"] for invoice in chunk}
        paid |= now
        removed = 0
        if drop_mark:
            with engine.begin() as connection:
                removed = connection.execute(delete(qb_marks).where(qb_marks.c.name.like("cdc:%"))).rowcount
        c = cycle(service, qbo, sheets, label)
        if drop_mark:
            expect(c, qb_cdc=0, qb_query=(1, 10 ** 6), qb_batch=0, qb_other=0, sheets_read=2, sheets_write=1)
            if removed != 1:
                c.problems.append(f"{label}: {removed} CDC mark(s) deleted, expected 1")
        else:
            expect(c, qb_cdc=(0, 1), qb_query=0, qb_batch=0, qb_other=0, sheets_read=2, sheets_write=1)
        _check_paid(c, sheets, spreadsheet, now, paid)
        cycles.append(c)
    return cycles


def table(cycles: list[Cycle]) -> list[str]:
    lines = [f"{'':<34} {'':>5} {'QuickBooks requests':^22} | {'Sheets':^15} |",
             f"{'cycle':<34} {'pull':>5} {'cdc':>4} {'query':>5} {'batch':>5} {'other':>5} | "
             f"{'read':>4} {'write':>5} {'meta':>4} | {'wall s':>6} {'paid rows':>9}"]
    for c in cycles:
        q, s = c.qb, c.sheets
        lines.append(f"{c.label:<34} {c.mode:>5} {q['cdc']:>4} {q['query']:>5} {q['batch']:>5} {q['other']:>5} | "
                     f"{s['read']:>4} {s['write']:>5} {s['metadata']:>4} | {c.wall:>6.2f} {c.paid_ok:>9}")
    lines.extend(f"  {c.label}: {c.why}" for c in cycles if c.why)
    return lines
