"""The admin page's aggregates are reused while the newest run is the same, for a few seconds at most."""

from __future__ import annotations

import dataclasses

import pytest

from quickbooks.runs import RunRecord
from quickbooks.rules.statuses import RunStatus
from quickbooks.status import AggregateCache

def _run(**changes) -> list:
    base = {f.name: None for f in dataclasses.fields(RunRecord)}
    base.update(id=7, status=RunStatus.RUNNING, rows_done=3, finished_at=None)
    return [RunRecord(**{**base, **changes})]

@pytest.mark.parametrize("case, later_runs, later_seconds, recomputed", [
    ("same run, soon", _run(), 2.0, False),
    ("same run, after the time limit", _run(), 11.0, True),
    ("the run made progress", _run(rows_done=4), 2.0, True),
    ("the run finished", _run(status=RunStatus.OK, finished_at=123.0), 2.0, True),
    ("a new run", _run(id=8), 2.0, True),
    ("no runs any more", [], 2.0, True),
])
def test_an_answer_is_reused_only_while_nothing_could_have_changed_it(case, later_runs, later_seconds, recomputed):
    now = [100.0]
    cache, calls = AggregateCache(seconds=10, clock=lambda: now[0]), []
    compute = lambda: calls.append(1) or len(calls)   # noqa: E731
    assert cache.get(("k",), _run(), compute) == 1
    now[0] += later_seconds
    assert cache.get(("k",), later_runs, compute) == (2 if recomputed else 1), case
