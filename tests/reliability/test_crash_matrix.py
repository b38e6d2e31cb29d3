"""Kill the sync (SIGKILL, no cleanup) at every step where it can die; run again until quiet; every ready
row must exist exactly once in QuickBooks and carry its own id and link in the sheet."""

from __future__ import annotations

import signal

import pytest

from tests.reliability.conftest import make_world, ready_rows

ROWS = 210  # 7 batches of 30


@pytest.mark.parametrize("failpoint, inject", [
    ("before_intent:3", None),           # between batches, before the intent of batch 3 is recorded
    ("after_intent:3", None),            # intent committed, request never sent
    ("after_send:3", None),              # QuickBooks created batch 3 and answered; nothing recorded yet
    ("after_lost_response:1", "drop"),   # QuickBooks committed, the answer was lost, then the process died
    ("before_writeback:1", None),        # every answer in the audit, nothing written to the sheet
    ("mid_save:1", None),                # the new workbook written to a temp file, not yet renamed into place
], ids=["before-intent", "after-intent", "after-commit", "lost-response", "before-writeback", "mid-writeback"])
def test_a_kill_at_any_step_never_duplicates_or_loses_a_row(tmp_path, qbo, failpoint, inject):
    world = make_world(tmp_path, qbo, ready_rows(ROWS))
    if inject == "drop":
        qbo.inject("drop_after_commit", count=50, match="batch")
    killed = world.cli("run-once", failpoint=failpoint)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    qbo.clear_faults()
    world.run_until_quiet()
    world.assert_each_row_exactly_once()
