"""What the admin page shows, read from the database (never from process memory, so every gunicorn
worker and every tab agrees): connection, counts per direction, last runs, failed rows, run history."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from quickbooks.audit import CREATED, FAILED
from quickbooks.rules.directions import Direction
from quickbooks.runs import BUSY, OK, RUNNING, RunRecord
from quickbooks.sync import SyncService


def when(timestamp: float | None) -> str:
    if not timestamp:
        return "never"
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


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


def connection_view(sync: SyncService, now: float | None = None) -> ConnectionView:
    now = now or time.time()
    qb = sync.qb
    info = qb.store.info()
    if info is None:
        return ConnectionView(qb.environment_label, False)
    return ConnectionView(qb.environment_label, True, info.company_name, info.realm_id, when(info.access_expires_at),
                          when(info.refresh_expires_at), info.needs_reconnect(now), info.reconnect_soon(now))


def direction_summary(sync: SyncService, runs: list[RunRecord]) -> dict[Direction, dict]:
    """Counts per direction: synced/failed from the audit, pending/skipped/awaiting from the last run."""
    summary = {}
    finished = [r for r in runs if r.status not in (RUNNING, BUSY)]
    latest = finished[0] if finished else None   # any run counts rows of both directions (e.g. skipped Bills)
    for direction in Direction:
        states = sync.audit().state_counts(direction)
        mine = [r for r in finished if direction.value in r.directions.split(",")]
        last = mine[0] if mine else None
        last_ok = next((r for r in mine if r.status == OK), None)
        counts = latest.counts.get(direction.value, {}) if latest else {}
        awaiting = latest.counts.get("writeback", {}).get("awaiting", 0) if latest else 0
        summary[direction] = {
            "synced": states.get("created", 0), "failed": states.get("failed", 0) + _local_failures(counts, states),
            "sending": states.get("sending", 0), "pending": counts.get("pending", 0),
            "skipped": counts.get("skipped", 0), "awaiting writeback": awaiting,
            "last_run": f"{when(last.started_at)}: {last.status}" + (f" ({last.error})" if last and last.error else "")
            if last else "never", "last_success": when(last_ok.finished_at) if last_ok else "never"}
    return summary


def _local_failures(counts: dict, states: dict) -> int:
    """Rows failed without reaching the audit (blank number, unknown inv_from, duplicates) in the last run."""
    return max(counts.get("failed", 0) - states.get("failed", 0), 0)


def failed_rows(sync: SyncService, limit: int = 100) -> list[dict]:
    rows = []
    for direction in Direction:
        for audit in sync.audit().latest(direction, FAILED, limit):
            rows.append({"direction": direction.value, "invoice": audit.row_key, "client": audit.party_name or "",
                         "amount": audit.amount or "", "error": audit.error or "", "when": when(audit.updated_at),
                         "link": audit.qb_url or ""})
    return sorted(rows, key=lambda r: r["when"], reverse=True)[:limit]


def recent_invoices(sync: SyncService, limit: int = 10) -> list[dict]:
    """The newest invoices the sync created, for their PDFs (DESIGN.md, open question 4)."""
    return [{"invoice": a.row_key, "client": a.party_name or "", "amount": a.amount or "", "qb_id": a.qb_id,
             "link": a.qb_url or "", "when": when(a.updated_at)}
            for a in sync.audit().latest(Direction.INVOICE, CREATED, limit) if a.qb_id]


def progress_of(runs: list[RunRecord]) -> RunRecord | None:
    """The newest real run (not a refused 'busy' attempt), running or finished."""
    return next((r for r in runs if r.status != BUSY), None)


def history(runs: list[RunRecord]) -> list[dict]:
    """Rows synced and failed per finished run, oldest first, for the chart."""
    out = []
    for run in reversed([r for r in runs if r.status not in (RUNNING, BUSY)]):
        synced = sum(c.get("synced", 0) for k, c in run.counts.items() if k != "writeback")
        failed = sum(c.get("failed", 0) for k, c in run.counts.items() if k != "writeback")
        out.append({"run": f"#{run.id}", "synced": synced, "failed": failed, "status": run.status})
    return out
