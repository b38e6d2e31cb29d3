"""The sync service: one run at a time under the database lease (step 1 of the design), its report in
`sync_runs` (step 10), and the operator's reset. The steps in between are in `quickbooks/run.py`.

`SyncService.run()` never raises for a problem it understands: the outcome (and any error, in plain words)
is in the returned `SyncReport` and in `sync_runs`. Only a bug escapes, after being recorded.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

import acd
from quickbooks import notify
from quickbooks.audit import AuditStore
from quickbooks.connection import QuickBooks
from quickbooks.errors import SyncCouldNotStart
from quickbooks.rules.counts import RunCounts
from quickbooks.rules.directions import Direction
from quickbooks.rules.placement import Target
from quickbooks.rules.statuses import AuditState, RunStatus
from quickbooks.run import RunOptions, SheetNeedsMigration, SyncReport, SyncRun
from quickbooks.runs import RunLog
from quickbooks.sender import Sender
from quickbooks.wire.client import queryable
from quickbooks.writeback import write_back
from spreadsheet.schema import read_table
from tracker.errors import TrackerError
from tracker.leases import Fence, FencedEngine, acquire, holder_of, new_holder, release, try_acquire
from tracker.logging_setup import log_fields
from tracker.scheduler import IntervalJob
from tracker.settings import Settings

__all__ = ["SyncService", "SyncReport", "SheetNeedsMigration", "SYNC_LEASE"]

log = logging.getLogger(__name__)

SYNC_LEASE = "qb_sync"
LEASE_TTL_SECONDS = 5 * 60  # renewed after every batch; a dead holder on this host is replaced at once


class SyncService:
    def __init__(self, settings: Settings, quickbooks: QuickBooks, engine: Engine, *,
                 clock: Callable[[], float] = time.time):
        self.settings, self.qb, self.engine, self.clock = settings, quickbooks, engine, clock
        self.runs = RunLog(engine, clock)

    def directions(self) -> tuple[Direction, ...]:
        """The directions this deployment syncs: invoices, and bills in dual mode."""
        return (Direction.INVOICE, *((Direction.BILL,) if self.qb.settings.bills_enabled else ()))

    def scheduled_jobs(self) -> list[IntervalJob]:
        """One interval job per direction, for the in-process scheduler."""
        qs = self.qb.settings
        every = {Direction.INVOICE: qs.sync_interval_seconds, Direction.BILL: qs.bill_sync_interval_seconds}
        return [IntervalJob(d.facts.job_id, self.run_scheduled, (d,), every[d]) for d in self.directions()]

    def run_scheduled(self, direction: Direction) -> None:
        """A scheduled run; anything unexpected is recorded in sync_runs by `run`, then logged by the scheduler."""
        report = self.run("schedule", [direction])
        if report.status is RunStatus.BUSY:
            log.info("Scheduled %s sync skipped: %s", direction.value, report.error)

    def start_in_background(self, trigger: str = "manual", started_by: str | None = None) -> bool:
        """Take the lease here (so the answer is certain), then run in a thread; False if a run holds it.
        SyncCouldNotStart, in plain words, when the disk or database fails (full disk, read-only database)."""
        holder = new_holder(f"sync:{trigger}")
        try:
            if not try_acquire(self.engine, SYNC_LEASE, holder, LEASE_TTL_SECONDS, self.clock):
                return False
        except (OSError, SQLAlchemyError) as exc:
            problem = SyncCouldNotStart.because(exc)
            log.error("%s", problem)
            raise problem from exc

        def work():
            try:
                self.run(trigger, lease_holder=holder, started_by=started_by)
            except Exception:  # recorded in sync_runs by run(); the web process must not die of it
                log.exception("Background sync failed")

        threading.Thread(target=work, name=f"sync-{trigger}", daemon=True).start()
        return True

    def running(self) -> str | None:
        """Who holds the sync lease now, if anyone."""
        return holder_of(self.engine, SYNC_LEASE, self.clock)

    def audit(self) -> AuditStore:
        return AuditStore(self.engine, self.settings.sheet_label, self.settings.inv_worksheet, self.clock)

    def counts(self) -> dict[Direction, dict[AuditState, int]]:
        audit = self.audit()
        return {d: audit.state_counts(d) for d in Direction}

    def reset_row(self, key: str, direction: Direction, force: bool = False) -> str:
        """Forget a row's sync state (audit and sheet cells) so the next run pushes it again.

        Refused for a number neither the sheet nor the audit knows (a typo), and, without `force`, for a number
        QuickBooks holds. With `force` such a row is not forgotten but made an intent again: the next run looks it
        up before sending (adopting QuickBooks' transaction when party and amount match, failing the row naming
        it otherwise), so a company that accepts duplicate numbers never gets a second one from a reset."""
        key = key.strip()
        audit = self.audit()
        stored = audit.load_keys(direction, [key]).get(key)
        worksheet = acd.open_sheet(self.settings).worksheet(self.settings.inv_worksheet)
        table = read_table(worksheet)
        if stored is None and not any(r.get("invoice", "").strip() == key for r in table.records):
            return (f"Refused: invoice number {key!r} is neither in the sheet nor in the {direction.value} audit; "
                    "check the number (as typed in the invoice column)")
        doc_number = self.qb.settings.docnumber_prefix + key
        held = None
        if queryable(doc_number):   # a number a query cannot hold is refused by the mapping anyway
            found = Sender(self.qb.client, audit, "").find_by_doc_number(direction, [doc_number]).get(doc_number)
            held = found[0].get("Id") if found else None
        if held and not force:
            return (f"Refused: QuickBooks already has {direction.value} {doc_number} (Id {held}); pushing the row "
                    "again would only adopt it. Use --force if you really want to reset it.")
        blank = {c: "" for c in direction.columns.names if c in table.headers}
        cleared = write_back(worksheet, table, [Target(key, None, blank)]).cells_written
        if held and stored is not None and stored.payload_json:
            audit.mark_sending(direction, key)
            return (f"Reset {key} ({direction.value}): {cleared} sheet cell(s) cleared; QuickBooks holds "
                    f"{doc_number} (Id {held}), so the next run looks it up first: adopted if the {direction.party} "
                    "and amount match, otherwise the row fails naming it")
        forgotten = audit.forget(direction, [key])
        return (f"Reset {key} ({direction.value}): {forgotten} audit row(s) forgotten, {cleared} "
                "sheet cell(s) cleared; the next run pushes it again")

    def preview(self, started_by: str | None = None) -> SyncReport:
        """A dry run (nothing sent or written) whose counts and failures are kept in sync_runs with the trigger
        "preview", so that the admin page and `status` know what the next run would send before any run."""
        report = self.run("manual", dry_run=True, started_by=started_by)
        if report.status is RunStatus.OK:
            report.run_id = self.runs.start("preview", self.directions(), started_by)
            self.runs.finish(report.run_id, RunStatus.OK, report.counts, None, report.failures)
        return report

    def run(self, trigger: str = "cli", directions: list[Direction] | None = None, *, limit: int | None = None,
            dry_run: bool = False, backfill: bool = False, progress: Callable[[int, int], None] | None = None,
            should_stop: Callable[[], bool] = lambda: False, lease_holder: str | None = None,
            started_by: str | None = None) -> SyncReport:
        """One run; `lease_holder` is given when the caller already took the lease (see `start_in_background`);
        `started_by` names the person who pressed "Sync now" (None for the scheduler, cron and the daemon).

        The run works on this service over a fenced engine: each of its database writes (audit intents and answers,
        its sync_runs progress, BillPayments, the CDC mark) first checks that the lease still carries the token this
        run got, so a run paused past its lease that wakes after another took over stops with LeaseLost instead of
        writing; renewing after each batch raises it too. Its own sync_runs outcome is written after the lease is
        released, unfenced, so that it says how the run ended (LeaseLost included)."""
        options = RunOptions(tuple(directions or self.directions()), limit, dry_run, backfill)
        holder = lease_holder or new_holder(f"sync:{trigger}")
        token = acquire(self.engine, SYNC_LEASE, holder, LEASE_TTL_SECONDS, self.clock)   # held already: renewed
        if token is None:
            run_id = self.runs.record_busy(trigger, options.directions, holder_of(self.engine, SYNC_LEASE, self.clock),
                                           started_by)
            return SyncReport(run_id, RunStatus.BUSY, error="A sync is already running; nothing was started")
        run_id = None
        fence = Fence(SYNC_LEASE, holder, token)
        fenced = SyncService(self.settings, self.qb, FencedEngine(self.engine, fence), clock=self.clock)
        renew = lambda: fence.renew(self.engine, LEASE_TTL_SECONDS, self.clock)  # noqa: E731
        with log_fields() as fields:   # every line of the run carries its run_id (and the pid, as every line)
            try:
                if not dry_run:   # inside the try: a database that fails here still gets the lease released
                    run_id = fields["run_id"] = fenced.runs.start(trigger, options.directions, started_by)
                    fenced.runs.fail_abandoned(run_id)   # we hold the lease: an older run still "running" has died
                report = SyncRun(fenced, run_id, options, progress, should_stop, renew).execute()
            except TrackerError as exc:
                log.error("Sync run %s failed: %s", run_id or "-", exc)
                report = SyncReport(run_id, RunStatus.FAILED, error=str(exc))
            except Exception as exc:
                if run_id is not None:
                    self.runs.finish(run_id, RunStatus.FAILED, RunCounts(),
                                     f"unexpected error: {type(exc).__name__}: {exc}")
                    notify.after_run(self, run_id)   # word to a person, once per event; never raises
                raise
            finally:
                release(self.engine, SYNC_LEASE, holder)
            if run_id is not None:
                self.runs.finish(run_id, report.status, report.counts, report.error, report.failures)
                notify.after_run(self, run_id)
            log.info("Sync run %s (%s%s%s) %s: %s%s", run_id or "-", trigger, f" by {started_by}" if started_by else "",
                     ", dry run" if dry_run else "", report.status, report.counts.summary(),
                     f"; {report.error}" if report.error else "")
        return report
