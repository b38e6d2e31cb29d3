"""Leases: one holder at a time across threads and processes; an expired lease can be taken over. On SQLite and
PostgreSQL (`database_url`); the fencing tokens are in test_fencing.py."""

from __future__ import annotations

import multiprocessing
import threading
import time

from tracker import db
from tracker.leases import holder_of, release, try_acquire, waiting_lease


def _engine(url):
    engine = db.make_engine(url)
    db.upgrade(engine)
    return engine


def test_a_held_lease_refuses_others_until_released(database_url):
    engine = _engine(database_url)
    assert try_acquire(engine, "sync", "a", ttl=60)
    assert not try_acquire(engine, "sync", "b", ttl=60)
    assert try_acquire(engine, "sync", "a", ttl=60), "the holder may renew"
    assert holder_of(engine, "sync") == "a"
    release(engine, "sync", "b")
    assert holder_of(engine, "sync") == "a", "only the holder releases"
    release(engine, "sync", "a")
    assert try_acquire(engine, "sync", "b", ttl=60)


def test_an_expired_lease_is_taken_over(database_url):
    engine = _engine(database_url)
    assert try_acquire(engine, "sync", "crashed", ttl=60, now=lambda: 1000.0)
    assert not try_acquire(engine, "sync", "next", ttl=60, now=lambda: 1059.0)
    assert try_acquire(engine, "sync", "next", ttl=60, now=lambda: 1061.0)


def test_threads_never_hold_it_together(database_url):
    engine = _engine(database_url)
    inside, overlaps, entered = [0], [], []

    def worker():
        for _ in range(5):
            with waiting_lease(engine, "sync", ttl=30, wait=20) as acquired:
                assert acquired
                inside[0] += 1
                overlaps.append(inside[0])
                time.sleep(0.002)
                inside[0] -= 1
                entered.append(1)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(entered) == 30
    assert max(overlaps) == 1


def _grab(url, results):
    engine = db.make_engine(url)
    results.put(try_acquire(engine, "sync", f"proc-{multiprocessing.current_process().pid}", ttl=60))


def test_processes_started_together_get_it_once(database_url):
    _engine(database_url)
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_grab, args=(database_url, results)) for _ in range(6)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
    assert sorted(results.get() for _ in procs) == [False] * 5 + [True]


def test_a_lease_held_by_a_dead_process_on_this_host_is_taken_over(database_url):
    import subprocess
    import sys

    from tracker.leases import new_holder

    engine = _engine(database_url)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = new_holder("sync").split(":")
    dead[1] = str(child.pid)
    assert try_acquire(engine, "sync", ":".join(dead), ttl=600)
    assert try_acquire(engine, "sync", new_holder("next"), ttl=600), "the dead holder's lease is taken over"
    assert not try_acquire(engine, "sync", "remote-host:1:1:sync:x", ttl=600), "a live holder keeps it"
