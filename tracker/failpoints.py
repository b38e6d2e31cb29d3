"""Crash points for the reliability tests (tests/reliability/): prove that a process killed at any step
of a sync never duplicates an invoice or loses a row.

`TRACKER_FAILPOINT=name` (or `name:n`) makes the n-th `hit("name")` in this process kill it with SIGKILL,
the way a power cut or the OOM killer would: no cleanup, no finally blocks. Without the variable (always,
outside those tests) `hit` does nothing but read one environment variable.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_hits: Counter[str] = Counter()


def hit(name: str) -> None:
    spec = os.environ.get("TRACKER_FAILPOINT")
    if not spec:
        return
    wanted, _, nth = spec.partition(":")
    if wanted != name:
        return
    _hits[name] += 1
    if _hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
