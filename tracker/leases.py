"""Named leases in the database: one holder at a time across threads, processes and hosts, with fencing tokens.

A lease is a row (name, holder, expires_at, token). Taking it succeeds when the row is missing, expired, or
already ours; the conditional UPDATE/INSERT makes that atomic on SQLite and PostgreSQL alike. The expiry
means a crashed holder never blocks the others for longer than its TTL.

Fencing: every acquisition by a new holder raises the lease's token by one (renewing keeps it; releasing only
expires the row, so the token never goes back). A holder that was paused past its expiry (a stopped process, a
long GC, a suspended VM) may wake up after another took the lease over; its writes go through a `FencedEngine`,
whose every transaction first checks, in that same transaction, that the lease still carries its token, and
raises `LeaseLost` otherwise. The check is an UPDATE of the lease row, so it also locks that row (PostgreSQL) or
the database (SQLite) until the commit: nobody takes the lease over between the check and the writes.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Iterator

from sqlalchemy import case, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from tracker.db import leases
from tracker.errors import LeaseLost


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


def _take(connection: Connection, name: str, holder: str, expires: float, *where) -> int | None:
    """UPDATE the lease to `holder` where `where` holds; its token (raised by one for a new holder), or None."""
    taken = connection.execute(update(leases).where(leases.c.name == name, *where).values(
        holder=holder, expires_at=expires,
        token=case((leases.c.holder == holder, leases.c.token), else_=leases.c.token + 1))).rowcount
    if taken != 1:
        return None
    return connection.execute(select(leases.c.token).where(leases.c.name == name)).scalar_one()


def acquire(engine: Engine, name: str, holder: str, ttl: float, now: Callable[[], float] = time.time) -> int | None:
    """Take or renew the lease: its fencing token, or None when another holds it. A lease held by a dead process
    on this host is taken over at once, so a killed run does not block the next one until its expiry."""
    expires = now() + ttl
    with engine.begin() as connection:
        token = _take(connection, name, holder, expires, or_(leases.c.expires_at < now(), leases.c.holder == holder))
    if token is not None:
        return token
    try:
        with engine.begin() as connection:
            connection.execute(insert(leases).values(name=name, holder=holder, expires_at=expires, token=1))
        return 1
    except IntegrityError:
        pass
    current = holder_of(engine, name, now)
    if current is None or not _dead_local_holder(current):
        return None
    with engine.begin() as connection:
        return _take(connection, name, holder, expires, leases.c.holder == current)


def try_acquire(engine: Engine, name: str, holder: str, ttl: float, now: Callable[[], float] = time.time) -> bool:
    """Take or renew the lease (see `acquire`); True when `holder` has it now."""
    return acquire(engine, name, holder, ttl, now) is not None


def release(engine: Engine, name: str, holder: str) -> None:
    """Free the lease if `holder` has it. The row stays, expired, so that its token keeps counting up."""
    with engine.begin() as connection:
        connection.execute(update(leases).where(leases.c.name == name, leases.c.holder == holder)
                           .values(expires_at=0.0))


def holder_of(engine: Engine, name: str, now: Callable[[], float] = time.time) -> str | None:
    """Who holds the lease now (None when free or expired)."""
    with engine.connect() as connection:
        row = connection.execute(select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)).first()
    return row.holder if row is not None and row.expires_at >= now() else None


@dataclass(frozen=True)
class Fence:
    """What one acquisition of a lease carries: its name, the holder and the fencing token it got."""

    name: str
    holder: str
    token: int

    @classmethod
    def of(cls, engine: Engine, name: str, holder: str) -> Fence:
        """The fence of a lease `holder` has already taken (LeaseLost when it no longer has it)."""
        with engine.connect() as connection:
            token = connection.execute(select(leases.c.token).where(leases.c.name == name,
                                                                    leases.c.holder == holder)).scalar()
        if token is None:
            raise LeaseLost(f"The {name} lease is no longer held by {holder}: another process took it over")
        return cls(name, holder, token)

    def check(self, connection: Connection) -> None:
        """In a write transaction, before its writes: the lease still carries this token, or LeaseLost. The UPDATE
        locks the lease row (the database, on SQLite) until the transaction ends."""
        held = connection.execute(update(leases).where(
            leases.c.name == self.name, leases.c.holder == self.holder, leases.c.token == self.token)
            .values(token=self.token)).rowcount
        if held != 1:
            now_held_by = connection.execute(select(leases.c.holder).where(leases.c.name == self.name)).scalar()
            raise LeaseLost(self._lost(now_held_by))

    def renew(self, engine: Engine, ttl: float, now: Callable[[], float] = time.time) -> None:
        """Extend the lease by `ttl`; LeaseLost when another process took it over since (a new token)."""
        token = acquire(engine, self.name, self.holder, ttl, now)
        if token != self.token:
            raise LeaseLost(self._lost(holder_of(engine, self.name, now)))

    def _lost(self, now_held_by: str | None) -> str:
        return (f"The {self.name} lease was taken over by {now_held_by or 'another process'} while this process "
                f"({self.holder}, token {self.token}) was paused or too slow past its expiry: it stops here and "
                "writes nothing more; the process that holds the lease now carries on")


class FencedEngine:
    """An engine whose every transaction (`begin`) first checks `fence` (LeaseLost before any write when the lease
    was taken over). Reads (`connect`) and everything else go to the engine as they are. Hand it to code that writes
    under a lease, and every write it makes is fenced without that code knowing."""

    def __init__(self, engine: Engine, fence: Fence):
        self.engine, self.fence = engine, fence

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            self.fence.check(connection)
            yield connection

    def __getattr__(self, name: str):
        return getattr(self.engine, name)


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
