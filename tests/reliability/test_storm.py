"""A storm, all at once, with a fixed seed: 20% of answers lost after QuickBooks committed, 10% server
errors, a 429 burst, tokens expiring mid-run; under every combination of Intuit's requestid and duplicate-number
behaviours. Every row must be synced exactly once within three runs (no row reported failed that QuickBooks
holds), and the client must never go past Intuit's limits (the emulator counts every attempt)."""

from __future__ import annotations

import pytest

from quickbooks.wire.client import RateLimiter
from tests.reliability.conftest import DUAL_MODE, MODES, make_world, ready_rows

PER_MINUTE, BATCH_PER_MINUTE, CONCURRENT = 40, 8, 4   # small limits, so pacing really happens in a short test


@pytest.mark.parametrize("behaviour", MODES)
def test_storm_every_row_exactly_once_within_three_runs_and_within_limits(tmp_path, qbo, behaviour):
    qbo.set_behaviour(**behaviour)
    world = make_world(tmp_path, qbo, ready_rows(300, bill_every=4), QB_MAX_ATTEMPTS="6", **DUAL_MODE)
    now = [10_000.0]
    qbo.clock = lambda: now[0]
    qbo.requests_per_minute, qbo.batch_per_minute, qbo.concurrent_limit = PER_MINUTE, BATCH_PER_MINUTE, CONCURRENT
    qbo.seed_faults(20261125)
    qbo.inject("drop_after_commit", count=10 ** 6, match="batch", probability=0.2)
    qbo.inject("503", count=10 ** 6, probability=0.1)
    qbo.inject("429", count=4, match="batch")
    qbo.inject("expire_token", count=10 ** 6, probability=0.05)

    service = world.service()
    service.qb.client.limiter = RateLimiter(PER_MINUTE, BATCH_PER_MINUTE, CONCURRENT, clock=lambda: now[0],
                                            sleep=lambda seconds: now.__setitem__(0, now[0] + seconds))
    runs = []
    for _ in range(3):
        runs.append(service.run("schedule"))
        if runs[-1].ok and not runs[-1].counts.total("pending"):
            break
    assert runs[-1].ok, [r.error for r in runs]
    assert not any(r.counts.total("failed") for r in runs), [f.message for r in runs for f in r.failures][:3]
    world.assert_each_row_exactly_once()

    stats = qbo.stats()
    assert stats["injected_faults"] >= 6 and stats["dropped"] >= 1, stats
    assert stats["query"] >= 1, "lost answers were looked up"
    assert stats["throttled_429"] == 0, stats["throttled_by"]
    assert stats["max_requests_per_minute"] <= PER_MINUTE
    assert stats["max_batch_per_minute"] <= BATCH_PER_MINUTE
    assert stats["peak_concurrency"] <= CONCURRENT
