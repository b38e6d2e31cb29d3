"""Fencing tokens: each new holder of a lease gets a higher token, and a holder that was paused past its expiry and
wakes up after another took the lease over cannot write (LeaseLost), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, insert, select

from tracker import db
from tracker.errors import LeaseLost
from tracker.leases import Fence, FencedEngine, acquire, release

T0 = 1_000_000.0


def _engine(url):
    engine = db.make_engine(url)
    db.upgrade(engine)
    return engine


def _write(engine, marker: str) -> None:
    """A write that matters, made through `engine` (fenced or not): a sync_runs row named by `marker`."""
    with engine.begin() as connection:
        connection.execute(insert(db.sync_runs).values(trigger=marker, directions="invoice", status="running",
                                                       started_at=T0))


def _written(engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(db.sync_runs.c.trigger)).scalars())


def test_each_new_holder_gets_a_higher_token_and_a_renewal_keeps_it(database_url):
    engine = _engine(database_url)
    assert acquire(engine, "sync", "a", ttl=60, now=lambda: T0) == 1
    assert acquire(engine, "sync", "a", ttl=60, now=lambda: T0 + 30) == 1, "renewing keeps the token"
    assert acquire(engine, "sync", "b", ttl=60, now=lambda: T0 + 31) is None, "a held lease has no token to give"
    release(engine, "sync", "a")
    assert acquire(engine, "sync", "b", ttl=60, now=lambda: T0 + 32) == 2, "released: the next holder counts on"
    assert acquire(engine, "sync", "c", ttl=60, now=lambda: T0 + 200) == 3, "expired: taken over, one more"
    assert acquire(engine, "sync", "a", ttl=60, now=lambda: T0 + 400) == 4, "an earlier holder comes back: a new token"
    assert acquire(engine, "other", "a", ttl=60, now=lambda: T0) == 1, "each lease counts on its own"


def test_a_paused_holder_that_wakes_after_a_takeover_cannot_write(database_url):
    engine = _engine(database_url)
    clock = [T0]
    now = lambda: clock[0]   # noqa: E731
    first = Fence("sync", "first", acquire(engine, "sync", "first", ttl=60, now=now))
    _write(FencedEngine(engine, first), "first-early")

    clock[0] += 120   # `first` is paused past its expiry; `second` takes the lease over
    second = Fence("sync", "second", acquire(engine, "sync", "second", ttl=60, now=now))
    assert second.token == first.token + 1
    _write(FencedEngine(engine, second), "second")

    with pytest.raises(LeaseLost, match="taken over by second") as refused:   # `first` wakes up and tries to write
        _write(FencedEngine(engine, first), "first-woken")
    assert f"token {first.token}" in str(refused.value) and "writes nothing more" in str(refused.value)
    with pytest.raises(LeaseLost):
        first.renew(engine, ttl=60, now=now)
    assert _written(engine) == ["first-early", "second"]
    _write(FencedEngine(engine, second), "second-again")
    second.renew(engine, ttl=60, now=now)


def test_a_paused_holder_whose_lease_nobody_took_writes_on(database_url):
    """The token, not the clock, decides: an expired lease that nobody took over is still the holder's to use."""
    engine = _engine(database_url)
    clock = [T0]
    fence = Fence("sync", "slow", acquire(engine, "sync", "slow", ttl=60, now=lambda: clock[0]))
    clock[0] += 600
    _write(FencedEngine(engine, fence), "slow-alone")
    fence.renew(engine, ttl=60, now=lambda: clock[0])
    assert Fence.of(engine, "sync", "slow") == fence
    assert _written(engine) == ["slow-alone"]


def test_nobody_takes_the_lease_over_between_the_check_and_the_commit(database_url):
    """The check locks the lease until the fenced transaction ends: a takeover waits for the writes to commit."""
    engine = _engine(database_url)
    fence = Fence("sync", "writer", acquire(engine, "sync", "writer", ttl=60, now=lambda: T0))
    taken: list[int | None] = []
    thief = threading.Thread(target=lambda: taken.append(acquire(engine, "sync", "thief", ttl=60,
                                                                  now=lambda: T0 + 120)))
    with FencedEngine(engine, fence).begin() as connection:   # checked; the writes are in flight
        thief.start()
        thief.join(0.5)
        assert thief.is_alive(), "the takeover waits for the fenced transaction"
        connection.execute(insert(db.sync_runs).values(trigger="writer", directions="invoice", status="running",
                                                       started_at=T0))
    thief.join(30)
    assert taken == [fence.token + 1]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(db.sync_runs)).scalar() == 1


def test_the_fence_of_a_lease_already_taken(database_url):
    engine = _engine(database_url)
    token = acquire(engine, "sync", "web", ttl=60)
    assert Fence.of(engine, "sync", "web") == Fence("sync", "web", token)
    assert acquire(engine, "sync", "cron", ttl=60, now=lambda: time.time() + 120) == token + 1
    with pytest.raises(LeaseLost):
        Fence.of(engine, "sync", "web")
