"""Login throttling, in the database so that it holds across gunicorn workers and hosts.

After `LIMIT` failed logins within `WINDOW_SECONDS` for one user name, or from one client address, further
attempts for that name or from that address are refused, without checking the password, until the oldest of
those failures is older than the window. Nothing sleeps: a refused attempt answers at once (HTTP 429). Refused
attempts are not counted, so waiting always ends the block; a successful login forgets that user's failures.
"""

from __future__ import annotations

import math
import time
from typing import Callable

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.engine import Engine

from tracker.db import login_failures

LIMIT = 5
WINDOW_SECONDS = 15 * 60


def _key(value: str) -> str:
    return (value or "").strip().lower()[:64]


def retry_after(engine: Engine, username: str, address: str, clock: Callable[[], float] = time.time,
                limit: int = LIMIT, window: float = WINDOW_SECONDS) -> int:
    """Seconds until this user name and address may try again; 0 when they may try now."""
    now = clock()
    waits = [0.0]
    with engine.connect() as connection:
        for column, value in ((login_failures.c.username, _key(username)), (login_failures.c.address, _key(address))):
            times = connection.execute(select(login_failures.c.failed_at)
                                       .where(column == value, login_failures.c.failed_at > now - window)
                                       .order_by(login_failures.c.failed_at.desc()).limit(limit)).scalars().all()
            if len(times) >= limit:
                waits.append(times[limit - 1] + window - now)
    return max(0, math.ceil(max(waits)))


def record_failure(engine: Engine, username: str, address: str, clock: Callable[[], float] = time.time,
                   window: float = WINDOW_SECONDS) -> None:
    now = clock()
    with engine.begin() as connection:
        connection.execute(delete(login_failures).where(login_failures.c.failed_at <= now - window))
        connection.execute(insert(login_failures).values(username=_key(username), address=_key(address),
                                                         failed_at=now))


def forget(engine: Engine, username: str | None = None, address: str | None = None) -> None:
    """Forget the failures of a user name (after a successful login) or an address; both None: all."""
    conditions = [c == _key(v) for c, v in ((login_failures.c.username, username), (login_failures.c.address, address))
                  if v is not None]
    with engine.begin() as connection:
        connection.execute(delete(login_failures).where(or_(*conditions)) if conditions else delete(login_failures))
