"""One read model of the sync's state, for the admin page and `quickbooks_sync.py status` alike.

Everything is read from the database (never from process memory), so every gunicorn worker, every tab and the
CLI agree: the connection, counts per direction, the last runs, failed rows, the invoices created.
"""

from __future__ import annotations

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

    def count(self, name: str) -> int:
        """A count by its name in COUNT_NAMES."""
        return getattr(self, name.replace(" ", "_"))


def connection_view(qb: QuickBooks, now: float | None = None) -> ConnectionView:
    now = now or time.time()
    info = qb.store.info()
    if info is None:
        return ConnectionView(qb.environment_label, False)
    return ConnectionView(qb.environment_label, True, info.company_name, info.realm_id,
                          shown_utc(info.access_expires_at), shown_utc(info.refresh_expires_at),
                          info.needs_reconnect(now), info.reconnect_soon(now))


def direction_summary(sync: SyncService, runs: list[RunRecord]) -> dict[Direction, DirectionStatus]:
    """Counts per direction: synced/failed/sending from the audit, pending/skipped/awaiting from the last run."""
    finished = [r for r in runs if r.status.finished]
    latest = finished[0] if finished else None   # any run counts rows of both directions (e.g. skipped Bills)
    summary = {}
    for direction in Direction:
        states = sync.audit().state_counts(direction)
        mine = [r for r in finished if direction in r.directions]
        last = mine[0] if mine else None
        last_ok = next((r for r in mine if r.status is RunStatus.OK), None)
        counts = latest.counts.of(direction) if latest else None
        # Rows failed without reaching the audit (blank number, unknown inv_from, duplicates) in the last run.
        local_failures = max((counts.failed if counts else 0) - states[AuditState.FAILED], 0)
        summary[direction] = DirectionStatus(
            direction, pending=counts.pending if counts else 0, synced=states[AuditState.CREATED],
            failed=states[AuditState.FAILED] + local_failures, skipped=counts.skipped if counts else 0,
            awaiting_writeback=latest.counts.writeback.awaiting if latest else 0, sending=states[AuditState.SENDING],
            last_run=_describe(last), last_success=shown_utc(last_ok.finished_at) if last_ok else "never")
    return summary


def _describe(run: RunRecord | None) -> str:
    if run is None:
        return "never"
    return f"{shown_utc(run.started_at)}: {run.status}" + (f" ({run.error})" if run.error else "")


def failed_rows(sync: SyncService, limit: int = 100) -> list[dict]:
    rows = []
    for direction in Direction:
        for audit in sync.audit().latest(direction, AuditState.FAILED, limit):
            rows.append({"direction": direction.value, "invoice": audit.row_key, "client": audit.party_name or "",
                         "amount": audit.amount or "", "error": audit.error or "", "when": shown_utc(audit.updated_at),
                         "link": audit.qb_url or ""})
    return sorted(rows, key=lambda r: r["when"], reverse=True)[:limit]


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
    lines = [f"{s.direction.label}: " + ", ".join(f"{s.count(name)} {name}" for name in COUNT_NAMES)
             + f"; last run {s.last_run}" for s in direction_summary(sync, runs).values()]
    lines += [f"run {r.id} {shown_utc(r.started_at, seconds=False)} {r.trigger} "
              f"[{','.join(d.value for d in r.directions)}] {r.status}" + (f": {r.error}" if r.error else "")
              for r in runs[:5]]
    conn, info = connection_view(sync.qb, now), sync.qb.store.info()
    if not conn.connected or info is None:
        lines.append(f"QuickBooks ({conn.environment}): not connected. Run `python quickbooks_sync.py auth`.")
        return lines, False
    lines += [f"QuickBooks ({conn.environment}): company {conn.company or '?'} (realm {conn.realm_id})",
              f"  connected {shown_utc(info.connected_at, False)}, tokens refreshed {shown_utc(info.refreshed_at, False)}",
              f"  access token valid until {conn.access_expires}; refresh token until {conn.refresh_expires}"]
    if conn.problem:
        lines.append(f"  RECONNECT NEEDED: {conn.problem}")
    elif conn.reconnect_soon:
        lines.append("  The refresh token ends within a week: connect again soon.")
    return lines, conn.problem is None
