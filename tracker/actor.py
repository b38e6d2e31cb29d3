"""Who is acting: the logged-in user behind the work in progress, for the records that say who did what.

`acting_as(name)` sets it for the current thread (or task); `current_actor()` reads it, and is the default of
`sync_runs.started_by`, so a run started by someone's click carries their name without the sync engine
knowing about logins. Work started by the scheduler, cron or the daemon has no actor (None).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar[str | None] = ContextVar("tracker_actor", default=None)


def current_actor() -> str | None:
    return _actor.get()


@contextmanager
def acting_as(name: str | None) -> Iterator[None]:
    token = _actor.set(name)
    try:
        yield
    finally:
        _actor.reset(token)
