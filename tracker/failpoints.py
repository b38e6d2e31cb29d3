"""Crash points for the reliability tests (tests/reliability/): prove that a process killed at any step
of a sync never duplicates an invoice or loses a row.

`TRACKER_FAILPOINT=name` (or `name:n`) makes the n-th `hit("name")` in this process kill it with SIGKILL,
the way a power cut or the OOM killer would: no cleanup, no finally blocks. Without the variable (always,
outside those tests) `hit` does nothing but read one environment variable. `name:n:stop` pauses it with SIGSTOP
instead, the way a long GC pause or a suspended VM would: the test decides when it goes on (SIGCONT).
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
    wanted, _, rest = spec.partition(":")
    if wanted != name:
        return
    nth, _, action = rest.partition(":")
    _hits[name] += 1
    if action == "stop" and _hits[name] == int(nth or 1):   # once: it goes on after SIGCONT
        os.kill(os.getpid(), signal.SIGSTOP)
    elif action != "stop" and _hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
