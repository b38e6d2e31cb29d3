"""What needs a person after a sync run, told once per event by mail and chat (tracker/notify.py sends it).

Called by `SyncService.run` when a run has finished, from what the database holds (the run's row in sync_runs and
the stored connection), so every process and the CLI agree. The events and when they are told again:

- rows newly failed: one digest of the failures not told before; a row failing again with the same message is not
  new, with another message it is;
- QuickBooks needs reconnecting: once, until a run finds the connection working again (then it is re-armed);
- the refresh token expires within 14 days: once per token (its company and expiry date);
- a run could not finish: once per distinct error until a run finishes again, so a sheet that stays unreadable is
  told once, not every cycle; a run whose process was killed (found "abandoned" by the next run): once per run.

Nothing here raises into the sync: a problem is logged (without secrets) and the outbox keeps what was not sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.engine import Engine

from quickbooks.rules.plan import Failure
from quickbooks.rules.statuses import RunStatus
from quickbooks.rules.values import shown_utc
from quickbooks.runs import ABANDONED
from tracker.db import sync_runs
from tracker.notify import Message, Outbox, Pending, channels, flush, redact

if TYPE_CHECKING:
    from quickbooks.connection import QuickBooks
    from quickbooks.sync import SyncService

log = logging.getLogger(__name__)

EXPIRY_WARNING_DAYS = 14
ABANDONED_LOOKBACK_SECONDS = 86400   # a run found abandoned longer ago than this is history, not news
FAILED, RECONNECT, EXPIRY, CRASH, ABANDONED_RUN = "failed", "reconnect", "expiry", "crash", "abandoned"


def after_run(service: SyncService, run_id: int | None) -> None:
    """Record the events of the finished run `run_id` and send what waits; never raises."""
    configured = channels(service.settings)
    if not configured or run_id is None:
        return
    try:
        outbox = Outbox(service.engine, service.clock)
        record_events(service.engine, service.qb, run_id, outbox, configured, service.clock())
        flush(service.settings, outbox, compose)
    except Exception as exc:  # a notification problem must never stop or fail the sync
        log.warning("Notifications skipped this cycle (tried again after the next run): %s",
                    redact(f"{type(exc).__name__}: {exc}", service.settings))


def record_events(engine: Engine, qb: QuickBooks, run_id: int, outbox: Outbox, configured: tuple[str, ...],
                  now: float) -> None:
    with engine.connect() as connection:
        run = connection.execute(select(sync_runs).where(sync_runs.c.id == run_id)).first()
        abandoned = connection.execute(select(sync_runs).where(
            sync_runs.c.status == RunStatus.FAILED.value, sync_runs.c.error == ABANDONED, sync_runs.c.id < run_id,
            sync_runs.c.finished_at >= now - ABANDONED_LOOKBACK_SECONDS)).all()
    if run is not None:
        _run_events(run, outbox, configured)
    for old in abandoned:
        outbox.record(ABANDONED_RUN, f"run {old.id}", _single(
            f"Sync run {old.id} stopped before it finished",
            f"Sync run {old.id} ({_who(old)}), started {shown_utc(old.started_at)}, stopped before it finished: "
            f"{ABANDONED}. Nothing needs doing unless this repeats; then look at the server's log."), configured)
    _connection_events(qb, now, outbox, configured)


def _run_events(run, outbox: Outbox, configured: tuple[str, ...]) -> None:
    for failure in (Failure.from_json(f) for f in json.loads(run.failures_json or "[]")):
        key = f"{failure.direction.value}:{failure.key}:{_digest(failure.message)}"
        outbox.record(FAILED, key, failure_line(failure), configured)
    status = RunStatus(run.status)
    if status in (RunStatus.OK, RunStatus.PARTIAL):
        outbox.forget(CRASH)   # the sync finishes again: the next failure to finish is news
    elif status is RunStatus.FAILED:
        error = run.error or "no reason was recorded"
        outbox.record(CRASH, _digest(error), _single(
            f"Sync run {run.id} could not finish",
            f"Sync run {run.id} ({_who(run)}), started {shown_utc(run.started_at)}, could not finish:\n\n{error}\n\n"
            "Later runs that fail the same way are not told again; the admin page shows every run."), configured)


def _connection_events(qb: QuickBooks, now: float, outbox: Outbox, configured: tuple[str, ...]) -> None:
    info = qb.store.info()
    reason = info.needs_reconnect(now) if info is not None else None
    if reason is None:
        outbox.forget(RECONNECT)   # connected (or deliberately disconnected): a later loss is news again
    else:
        company = info.company_name or f"realm {info.realm_id}"
        outbox.record(RECONNECT, info.realm_id, _single(
            "QuickBooks needs reconnecting",
            f"The sync can no longer reach QuickBooks ({company}): {reason}.\n\nAn admin must open the admin page "
            "and press \"Connect QuickBooks\" (or run: .venv/bin/python quickbooks_sync.py auth). Until then nothing "
            "is sent; the rows wait and go out at the first run after connecting."), configured)
        return
    if info is not None and info.refresh_expires_at - now < EXPIRY_WARNING_DAYS * 86400:
        expires = shown_utc(info.refresh_expires_at, seconds=False)
        days = max(0, int((info.refresh_expires_at - now) // 86400))
        company = info.company_name or f"realm {info.realm_id}"
        outbox.record(EXPIRY, f"{info.realm_id}:{expires[:10]}", _single(
            f"QuickBooks connection expires in {days} day{'s' if days != 1 else ''}",
            f"The QuickBooks connection to {company} expires on {expires} (in {days} day{'s' if days != 1 else ''})."
            "\n\nBefore then an admin must open the admin page and press \"Connect QuickBooks\" (or run: "
            ".venv/bin/python quickbooks_sync.py auth); otherwise the sync stops on that date."), configured)


def failure_line(failure: Failure) -> str:
    """One line of the digest: what, where in the sheet, for whom, and why."""
    rows = ", ".join(str(r) for r in failure.rows)
    where = f"sheet row{'s' if len(failure.rows) > 1 else ''} {rows}" if rows else "sheet row unknown"
    who = ", ".join(part for part in (failure.party, failure.amount) if part)
    return (f"{failure.direction.facts.entity} {failure.key} ({where}{'; ' + who if who else ''}): "
            f"{failure.message}")


def compose(items: list[Pending]) -> list[tuple[Message, list[Pending]]]:
    """The messages for what waits: one digest for every failed row, one message for each other event."""
    failed = [item for item in items if item.kind == FAILED]
    out: list[tuple[Message, list[Pending]]] = []
    if failed:
        count = len(failed)
        subject = f"{count} row{'s' if count != 1 else ''} newly failed to sync to QuickBooks"
        body = ("These rows failed since the last message (rows that keep failing with the same message are not "
                "listed again). Fix each in the sheet; the next run tries it again. The admin page lists every "
                "failed row.\n\n" + "\n".join(f"- {item.detail}" for item in failed))
        out.append((Message(subject, body), failed))
    for item in items:
        if item.kind != FAILED:
            subject, _, body = item.detail.partition("\n\n")
            out.append((Message(subject, body), [item]))
    return out


def _single(subject: str, body: str) -> str:
    return f"{subject}\n\n{body}"


def _who(run) -> str:
    return f"{run.trigger}, started by {run.started_by}" if run.started_by else run.trigger


def _digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()[:20]
