"""One read model of the sync's state, for the admin page and `quickbooks_sync.py status` alike.

Everything is read from the database (never from process memory), so every gunicorn worker, every tab and the
CLI agree: the connection, counts per direction, the last runs, failed rows, the invoices created.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Callable, Mapping, TypeVar

from quickbooks.rules.directions import Direction
from quickbooks.rules.statuses import AuditState, RowStatus, RunStatus
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
    known_at: float | None = None  # when pending, failed and changed were counted (the run or preview below)
    known_from: str = ""           # "last run" or "preview"; "" when nothing has counted the sheet yet

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


PREVIEW = "preview"   # the trigger of a kept preview (SyncService.preview): it counted the sheet, sent nothing


def _completed(runs: list[RunRecord]) -> list[RunRecord]:
    """Runs (and kept previews) that went through the whole sheet (a failed run stopped before counting anything)."""
    return [r for r in runs if r.status in (RunStatus.OK, RunStatus.PARTIAL)]


def _real(runs: list[RunRecord]) -> list[RunRecord]:
    """Runs that could send, without the kept previews."""
    return [r for r in runs if r.trigger != PREVIEW]


def last_run_of(runs: list[RunRecord], direction: Direction) -> RunRecord | None:
    """The newest completed run that synced `direction`: its counts and failures are the direction's state."""
    return next((r for r in _completed(runs) if direction in r.directions), None)


def today_of(sync: SyncService) -> str:
    """The date overdue is judged by, as the run dates its work (UTC, from the sync's clock)."""
    return dt.datetime.fromtimestamp(sync.clock(), dt.timezone.utc).date().isoformat()


T = TypeVar("T")


class AggregateCache:
    """The audit's aggregates (counts by state, after creation, the invoices created) as one process last read
    them. They change when a run writes the audit, so an answer is reused while the newest run is the same (its
    id, status and progress) and for at most `seconds`: the admin page polls every 2 s per open tab, and at
    100,000 audit rows these aggregates cost hundreds of milliseconds. Other writers (a retry, a reset) show
    within `seconds`."""

    def __init__(self, seconds: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock = seconds, clock
        self._items: dict[tuple, tuple[tuple, float, object]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def stamp(runs: list[RunRecord]) -> tuple:
        newest = runs[0] if runs else None
        return (newest.id, newest.status, newest.rows_done, newest.finished_at) if newest else ()

    def get(self, key: tuple, runs: list[RunRecord], compute: Callable[[], T]) -> T:
        stamp, now = self.stamp(runs), self.clock()
        with self._lock:
            held = self._items.get(key)
        if held is not None and held[0] == stamp and now - held[1] < self.seconds:
            return held[2]
        value = compute()
        with self._lock:
            self._items[key] = (stamp, now, value)
        return value


AGGREGATES = AggregateCache()


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
    real = _real(runs)
    today, audit = today or today_of(sync), sync.audit()
    summary = {}
    for direction in Direction:
        states, remote = AGGREGATES.get((audit.sheet, audit.worksheet, direction, today), runs, lambda: (
            audit.state_counts(direction), audit.remote_counts(direction, today)))
        mine, wrote = last_run_of(runs, direction), last_run_of(real, direction)
        counts = mine.counts.of(direction) if mine else None
        last = next((r for r in real if r.status.finished and direction in r.directions), None)
        last_ok = next((r for r in real if r.status is RunStatus.OK and direction in r.directions), None)
        summary[direction] = DirectionStatus(
            direction, pending=counts.pending + counts.would_create if counts else 0,
            synced=states[AuditState.CREATED],
            failed=counts.failed if counts else 0, skipped=latest.counts.of(direction).skipped if latest else 0,
            awaiting_writeback=wrote.counts.writeback.awaiting if wrote else 0, sending=states[AuditState.SENDING],
            last_run=_describe(last), last_success=shown_utc(last_ok.finished_at) if last_ok else "never",
            changed=counts.changed if counts else 0,
            known_at=(mine.finished_at or mine.started_at) if mine else None,
            known_from=("preview" if mine.trigger == PREVIEW else "last run") if mine else "", **remote)
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
            since = failing_since(runs, direction, failure.key) or run.started_at
            rows.append({"direction": direction.value, "invoice": failure.key or "(blank)", "key": failure.key,
                         "rows": ", ".join(map(str, failure.rows)), "row_numbers": list(failure.rows),
                         "client": failure.party, "amount": money(failure.amount), "error": failure.message,
                         "when": shown_utc(run.started_at), "since": shown_utc(since, seconds=False)})
    return rows[:limit]


def still_failed(rows: list[dict], records: list[dict]) -> list[dict]:
    """The failed rows whose sheet row still shows `failed`: one retried (or fixed by hand) since the last run
    leaves the list at once instead of at the next run. A blank key cannot be retried and always stays."""
    shown = {(d.value, r.get("invoice", "").strip()) for r in records for d in Direction
             if r.get(d.columns.status, "").strip().casefold() == RowStatus.FAILED}
    return [r for r in rows if not r["key"] or (r["direction"], r["key"]) in shown]


def recent_invoices(sync: SyncService, limit: int = 10) -> list[dict]:
    """The newest invoices the sync created, for their PDFs (the sheet keeps only the link)."""
    return [{"invoice": a.row_key, "client": a.party_name or "", "amount": a.amount or "", "qb_id": a.qb_id,
             "link": a.qb_url or "", "when": shown_utc(a.updated_at)}
            for a in sync.audit().latest(Direction.INVOICE, AuditState.CREATED, limit) if a.qb_id]


def progress_of(runs: list[RunRecord]) -> RunRecord | None:
    """The newest real run (not a refused 'busy' attempt, nor a preview), running or finished."""
    return next((r for r in _real(runs) if r.status is not RunStatus.BUSY), None)


def history(runs: list[RunRecord]) -> list[dict]:
    """Rows synced and failed per finished run, oldest first, for the chart; a failed run is there too, with its
    reason (it counted nothing)."""
    return [{"run": f"#{run.id}", "synced": run.counts.total("synced"), "failed": run.counts.total("failed"),
             "status": run.status.value, "error": run.error or ""}
            for run in reversed([r for r in _real(runs) if r.status.finished])]


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


# What the admin card says in words: pure functions of what the page read (tests/quickbooks/test_status_words.py).

def in_words(seconds: float) -> str:
    """`4 min`, `1 h 5 min`, `30 s` (a duration for people, rounded up to the minute past a minute)."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = -(-seconds // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def next_run_at(job_id: str, every: float | None, leader: str | None, now: float,
                held: Mapping[str, float | None] | None = None) -> float | None:
    """When the scheduled job `job_id` (every `every` seconds; None: not scheduled) runs next, or None when no
    scheduler runs it (`leader`: the scheduler leader lease's holder). `held` is the next run time of each job this
    process's APScheduler holds (job id -> epoch seconds), the truth when present; otherwise jobs fire on the grid
    anchored at the epoch, the same in every process."""
    if every is None or leader is None:
        return None
    at = (held or {}).get(job_id)
    return at if at is not None else (now // every + 1) * every


def pending_text(status: DirectionStatus, at: Callable[[float], str] = shown_utc) -> str:
    """`pending: 33 (as of 10:42 UTC, preview)`; `pending: not counted yet ...` before any run or preview."""
    if status.known_at is None:
        return "pending: not counted yet (press \"Preview next run\")"
    return f"pending: {status.pending} (as of {at(status.known_at)}, {status.known_from})"


def direction_sentence(status: DirectionStatus, enabled: bool, scheduled: bool, next_at: float | None,
                       now: float) -> str:
    """One sentence that explains a direction's state: off and why, or when it runs next and what waits."""
    label = status.direction.label
    if not enabled:
        waiting = (f"{status.skipped} row(s) wait" if status.skipped else "no row asks for one")
        return (f"{label} are off: {waiting}; turn on QB_SYNC_MODE=dual and QB_ENABLE_BILLS=true (QuickBooks "
                f"Essentials or Plus) to send them.")
    waiting = f"{status.pending} row(s) wait" if status.known_at is not None else "rows ready are not counted yet"
    if not scheduled:
        when = "runs only on \"Sync now\" or from cron (run-once): no schedule in this app"
    elif next_at is None:
        when = "no scheduler is running (SCHEDULER_ENABLED is false, or no process is up): only \"Sync now\" or cron"
    else:
        when = f"next run in {in_words(next_at - now)}"
    failed = f", {status.failed} failed row(s) need a fix or a retry" if status.failed else ""
    return f"{label}: {when}; {waiting}{failed}."


def outcome_text(run: RunRecord | None) -> tuple[int, str, str]:
    """The progress bar: (percent, label, colour). While a run goes, rows done of total; then its outcome with its
    counts (`Run #12 ok: 2 synced, 1 failed`)."""
    if run is None:
        return 0, "No run yet", "secondary"
    if run.status is RunStatus.RUNNING:
        if not run.rows_total:
            return 0, f"Run #{run.id}: reading the sheet ...", "info"
        return (round(100 * run.rows_done / run.rows_total), f"Run #{run.id}: {run.rows_done} of {run.rows_total} rows",
                "info")
    counts = ", ".join(f"{run.counts.total(n)} {n}" for n in ("synced", "failed", "pending", "skipped")
                       if run.counts.total(n)) or "nothing to send"
    colour = {RunStatus.OK: "success", RunStatus.PARTIAL: "warning"}.get(run.status, "danger")
    reason = f" ({run.error})" if run.error and run.status is not RunStatus.OK else ""
    return 100, f"Run #{run.id} {run.status}: {counts}{reason}"[:160], colour


def money(amount: object) -> str:
    """`$9,224.43` from a sheet's or QuickBooks' amount (`9224.43`, `$9,224.43`, `1500`); as typed when it is
    no number, "" when blank."""
    text = str(amount if amount is not None else "").strip()
    try:
        value = Decimal(text.replace("$", "").replace(",", ""))
    except InvalidOperation:
        return text
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def failing_since(runs: list[RunRecord], direction: Direction, key: str) -> float | None:
    """When the row first failed in the unbroken line of completed runs that fail it up to the newest."""
    since = None
    for run in _completed(runs):
        if direction not in run.directions:
            continue
        if not any(f.direction is direction and f.key == key for f in run.failures):
            break
        since = run.started_at
    return since


def sheet_row_link(spreadsheet_id: str, gid: int | str | None, row: int) -> str:
    """The address of a row in Google Sheets (`...#gid=0&range=A12`); "" without a Google sheet."""
    if not spreadsheet_id or gid is None:
        return ""
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit#gid={gid}&range=A{row}"


AGING = ("not due", "0–30", "31–60", "61–90", "90+")   # days past due


def aging_edges(today: str) -> dict[str, str]:
    """The earliest due date (YYYY-MM-DD) each aging bucket holds, for AuditStore.aging: past due means due
    before `today`; 0–30 days past due, 31–60, 61–90, then 90+ (the last bucket holds all older ones)."""
    day = dt.date.fromisoformat(today)
    return {AGING[0]: today, AGING[1]: (day - dt.timedelta(days=30)).isoformat(),
            AGING[2]: (day - dt.timedelta(days=60)).isoformat(), AGING[3]: (day - dt.timedelta(days=90)).isoformat(),
            AGING[4]: ""}


def receivables(sync: SyncService, today: str | None = None, limit: int = 100) -> dict:
    """Open invoice balances as QuickBooks was last read (the audit, by SQL aggregates): aging buckets, the open
    balance per client and the overdue invoices with their links."""
    today, audit = today or today_of(sync), sync.audit()
    aging = audit.aging(Direction.INVOICE, aging_edges(today))
    overdue = [{"invoice": a.row_key, "client": a.party_name or "", "due": a.qb_due_date or "",
                "days": (dt.date.fromisoformat(today) - dt.date.fromisoformat(a.qb_due_date)).days,
                "balance": money(a.qb_balance), "total": money(a.qb_total), "link": a.qb_url or ""}
               for a in audit.overdue(Direction.INVOICE, today, limit)]
    return {"today": today,
            "aging": [{"bucket": name, "count": n, "balance": money(amount)} for name, (n, amount) in aging.items()],
            "total": money(sum((Decimal(amount) for _, amount in aging.values()), Decimal(0))),
            "clients": [{"client": party or "(no name)", "count": n, "balance": money(amount)}
                        for party, n, amount in audit.open_by_party(Direction.INVOICE, limit)],
            "overdue": overdue}


def created_invoices(sync: SyncService, page: int = 0, per_page: int = 25,
                     runs: list[RunRecord] | None = None) -> tuple[list[dict], int]:
    """One page of every invoice the sync created, newest first (with its PDF's file name), and the count; with
    `runs` (the admin page's poll) a recent answer is reused (AggregateCache)."""
    audit = sync.audit()
    read = lambda: audit.created_page(Direction.INVOICE, page * per_page, per_page)   # noqa: E731
    rows, total = read() if runs is None else AGGREGATES.get(
        (audit.sheet, audit.worksheet, "created", page, per_page), runs, read)
    return [{"invoice": a.row_key, "client": a.party_name or "", "amount": money(a.amount), "qb_id": a.qb_id,
             "link": a.qb_url or "", "when": shown_utc(a.updated_at, seconds=False),
             "pdf_name": f"{a.doc_number or a.row_key}.pdf"} for a in rows], total
