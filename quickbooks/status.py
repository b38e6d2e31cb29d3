"""One read model of the sync's state, for the admin page and `quickbooks_sync.py status` alike.

Everything is read from the database (never from process memory), so every gunicorn worker, every tab and the
CLI agree: the connection, counts per direction, the last runs, failed rows, the invoices created.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quickbooks.rules.directions import Direction
from quickbooks.rules.statuses import AuditState, RunStatus
from quickbooks.rules.values import shown_utc
from quickbooks.runs import RunRecord

if TYPE_CHECKING:
    from quickbooks.connection import QuickBooks
    from quickbooks.sync import SyncService

COUNT_NAMES = ("pending", "synced", "failed", "skipped", "awaiting writeback")
# After creation: what QuickBooks last said of the created transactions (audit), and rows edited since (last run)
LIFE_COUNT_NAMES = ("paid", "partly paid", "open", "overdue", "changed", "voided", "deleted")


@dataclass(frozen=True)
class ConnectionView:
    environment: str
    connected: bool
    company: str = ""
    realm_id: str = ""
    access_expires: str = ""
    refresh_expires: str = ""
    problem: str | None = None
    reconnect_soon: bool = False
    numbers: str = ""              # whether QuickBooks takes the sheet's numbers, in words
    numbers_off: bool = False      # a direction QuickBooks numbers itself: that direction cannot sync


@dataclass(frozen=True)
class DirectionStatus:
    """What the page's card and the CLI say about one direction."""

    direction: Direction
    pending: int = 0              # left by the last run for a later one
    synced: int = 0               # created in QuickBooks, per the audit
    failed: int = 0
    skipped: int = 0
    awaiting_writeback: int = 0   # results kept because their row could not be found
    sending: int = 0              # intents whose answer is unknown (looked up on the next run)
    last_run: str = "never"
    last_success: str = "never"
    # LIFE_COUNT_NAMES: of the created transactions, as QuickBooks was last read (quickbooks/pull.py)
    paid: int = 0                 # balance 0
    partly_paid: int = 0          # 0 < balance < total
    open: int = 0                 # nothing paid yet
    overdue: int = 0              # open or partly paid, its due date passed
    changed: int = 0              # rows edited after sync, flagged by the newest completed run
    voided: int = 0
    deleted: int = 0

    def count(self, name: str) -> int:
        """A count by its name in COUNT_NAMES or LIFE_COUNT_NAMES."""
        return getattr(self, name.replace(" ", "_"))


def connection_view(qb: QuickBooks, now: float | None = None) -> ConnectionView:
    now = now or time.time()
    info = qb.store.info()
    if info is None:
        return ConnectionView(qb.environment_label, False)
    return ConnectionView(qb.environment_label, True, info.company_name, info.realm_id,
                          shown_utc(info.access_expires_at), shown_utc(info.refresh_expires_at),
                          info.needs_reconnect(now), info.reconnect_soon(now), *_numbers(info.custom_numbers))


def _numbers(custom: dict[str, bool] | None) -> tuple[str, bool]:
    if custom is None:
        return "Custom transaction numbers: not read yet (read before the first sync).", False
    shown = ", ".join(f"{d.label.lower()} {'on' if custom.get(d.value, True) else 'OFF'}" for d in Direction)
    off = not all(custom.get(d.value, True) for d in Direction)
    note = (" A direction with custom numbers off cannot sync: QuickBooks would number it itself. Duplicate numbers "
            "may or may not be refused (it depends on the company); the sync looks every number up itself.")
    return f"Custom transaction numbers: {shown}." + (note if off else ""), off


def _completed(runs: list[RunRecord]) -> list[RunRecord]:
    """Runs that went through the whole sheet (a failed run stopped before counting anything)."""
    return [r for r in runs if r.status in (RunStatus.OK, RunStatus.PARTIAL)]


def last_run_of(runs: list[RunRecord], direction: Direction) -> RunRecord | None:
    """The newest completed run that synced `direction`: its counts and failures are the direction's state."""
    return next((r for r in _completed(runs) if direction in r.directions), None)


def today_of(sync: SyncService) -> str:
    """The date overdue is judged by, as the run dates its work (UTC, from the sync's clock)."""
    return dt.datetime.fromtimestamp(sync.clock(), dt.timezone.utc).date().isoformat()


def direction_summary(sync: SyncService, runs: list[RunRecord],
                      today: str | None = None) -> dict[Direction, DirectionStatus]:
    """The one definition of each count, shared by the admin page and `status`:

    synced and sending come from the audit (every transaction the sync created, every unanswered intent);
    pending, failed, changed and awaiting writeback from the newest completed run of the direction (every run
    counts every failed or changed row again, so this is the sheet's state as of that run); skipped from the newest
    completed run of any direction (Bills are skipped by invoice runs while they are off); paid, partly paid, open,
    overdue (before `today`, YYYY-MM-DD; default today_of(sync)), voided and deleted from the audit, as QuickBooks
    was last read back.
    """
    latest = next(iter(_completed(runs)), None)
    today, audit = today or today_of(sync), sync.audit()
    summary = {}
    for direction in Direction:
        states, remote = audit.state_counts(direction), audit.remote_counts(direction, today)
        mine = last_run_of(runs, direction)
        counts = mine.counts.of(direction) if mine else None
        last = next((r for r in runs if r.status.finished and direction in r.directions), None)
        last_ok = next((r for r in runs if r.status is RunStatus.OK and direction in r.directions), None)
        summary[direction] = DirectionStatus(
            direction, pending=counts.pending if counts else 0, synced=states[AuditState.CREATED],
            failed=counts.failed if counts else 0, skipped=latest.counts.of(direction).skipped if latest else 0,
            awaiting_writeback=mine.counts.writeback.awaiting if mine else 0, sending=states[AuditState.SENDING],
            last_run=_describe(last), last_success=shown_utc(last_ok.finished_at) if last_ok else "never",
            changed=counts.changed if counts else 0, **remote)
    return summary


def _describe(run: RunRecord | None) -> str:
    if run is None:
        return "never"
    return f"{shown_utc(run.started_at)}: {run.status}" + (f" ({run.error})" if run.error else "")


def failed_rows(runs: list[RunRecord], limit: int = 100) -> list[dict]:
    """Every row the newest completed run of each direction failed, with its reason (the count's own rows)."""
    rows = []
    for direction in Direction:
        run = last_run_of(runs, direction)
        for failure in (f for f in (run.failures if run else ()) if f.direction is direction):
            rows.append({"direction": direction.value, "invoice": failure.key or "(blank)",
                         "rows": ", ".join(map(str, failure.rows)), "client": failure.party, "amount": failure.amount,
                         "error": failure.message, "when": shown_utc(run.started_at)})
    return rows[:limit]


def recent_invoices(sync: SyncService, limit: int = 10) -> list[dict]:
    """The newest invoices the sync created, for their PDFs (the sheet keeps only the link)."""
    return [{"invoice": a.row_key, "client": a.party_name or "", "amount": a.amount or "", "qb_id": a.qb_id,
             "link": a.qb_url or "", "when": shown_utc(a.updated_at)}
            for a in sync.audit().latest(Direction.INVOICE, AuditState.CREATED, limit) if a.qb_id]


def progress_of(runs: list[RunRecord]) -> RunRecord | None:
    """The newest real run (not a refused 'busy' attempt), running or finished."""
    return next((r for r in runs if r.status is not RunStatus.BUSY), None)


def history(runs: list[RunRecord]) -> list[dict]:
    """Rows synced and failed per finished run, oldest first, for the chart."""
    return [{"run": f"#{run.id}", "synced": run.counts.total("synced"), "failed": run.counts.total("failed"),
             "status": run.status.value} for run in reversed([r for r in runs if r.status.finished])]


def report_lines(sync: SyncService, now: float | None = None) -> tuple[list[str], bool]:
    """`quickbooks_sync.py status`: the same facts as the admin page, as text; and whether all is well."""
    now = now or time.time()
    runs = sync.runs.recent(30)
    lines = []
    for s in direction_summary(sync, runs).values():
        lines += [f"{s.direction.label}: " + ", ".join(f"{s.count(name)} {name}" for name in COUNT_NAMES)
                  + f"; last run {s.last_run}",
                  "  after creation: " + ", ".join(f"{s.count(name)} {name}" for name in LIFE_COUNT_NAMES)]
    lines += [f"run {r.id} {shown_utc(r.started_at, seconds=False)} {r.trigger} "
              f"[{','.join(d.value for d in r.directions)}] {r.status}" + (f": {r.error}" if r.error else "")
              for r in runs[:5]]
    conn, info = connection_view(sync.qb, now), sync.qb.store.info()
    if not conn.connected or info is None:
        lines.append(f"QuickBooks ({conn.environment}): not connected. Run `python quickbooks_sync.py auth`.")
        return lines, False
    lines += [f"QuickBooks ({conn.environment}): company {conn.company or '?'} (realm {conn.realm_id})",
              f"  connected {shown_utc(info.connected_at, False)}, tokens refreshed {shown_utc(info.refreshed_at, False)}",
              f"  access token valid until {conn.access_expires}; refresh token until {conn.refresh_expires}",
              f"  {conn.numbers}"]
    if conn.problem:
        lines.append(f"  RECONNECT NEEDED: {conn.problem}")
    elif conn.reconnect_soon:
        lines.append("  The refresh token ends within a week: connect again soon.")
    return lines, conn.problem is None
