"""Named leases in the database: one holder at a time across threads, processes and hosts.

A lease is a row (name, holder, expires_at). Taking it succeeds when the row is missing, expired, or
already ours; the conditional UPDATE/INSERT makes that atomic on SQLite and PostgreSQL alike. The expiry
means a crashed holder never blocks the others for longer than its TTL.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from typing import Callable, Iterator

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from tracker.db import leases


def new_holder(purpose: str = "") -> str:
    """A holder id that names the host, process and thread, for "held by ..." messages."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{purpose}:{uuid.uuid4().hex[:8]}"


def _dead_local_holder(holder: str) -> bool:
    """True when `holder` names a process on this host that no longer exists (it was killed or crashed)."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def try_acquire(engine: Engine, name: str, holder: str, ttl: float, now: Callable[[], float] = time.time) -> bool:
    """Take or renew the lease. A lease held by a dead process on this host is taken over at once, so a
    killed run does not block the next one until its expiry."""
    expires = now() + ttl
    with engine.begin() as connection:
        taken = connection.execute(
            update(leases).where(leases.c.name == name,
                                 or_(leases.c.expires_at < now(), leases.c.holder == holder))
            .values(holder=holder, expires_at=expires)).rowcount
    if taken == 1:
        return True
    try:
        with engine.begin() as connection:
            connection.execute(insert(leases).values(name=name, holder=holder, expires_at=expires))
        return True
    except IntegrityError:
        pass
    current = holder_of(engine, name, now)
    if current is None or not _dead_local_holder(current):
        return False
    with engine.begin() as connection:
        return connection.execute(update(leases).where(leases.c.name == name, leases.c.holder == current)
                                  .values(holder=holder, expires_at=expires)).rowcount == 1


def release(engine: Engine, name: str, holder: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))


def holder_of(engine: Engine, name: str, now: Callable[[], float] = time.time) -> str | None:
    """Who holds the lease now (None when free or expired)."""
    with engine.connect() as connection:
        row = connection.execute(select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)).first()
    return row.holder if row is not None and row.expires_at >= now() else None


@contextlib.contextmanager
def waiting_lease(engine: Engine, name: str, ttl: float, wait: float, poll: float = 0.05) -> Iterator[bool]:
    """Hold `name` for the block, waiting up to `wait` seconds for it; yields False when it stayed taken."""
    holder = new_holder(name)
    deadline = time.monotonic() + wait
    acquired = try_acquire(engine, name, holder, ttl)
    while not acquired and time.monotonic() < deadline:
        time.sleep(poll)
        acquired = try_acquire(engine, name, holder, ttl)
    try:
        yield acquired
    finally:
        if acquired:
            release(engine, name, holder)
