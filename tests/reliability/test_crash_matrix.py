"""Kill the sync (SIGKILL, no cleanup) at every step where it can die; run again until quiet; every ready
row must exist exactly once in QuickBooks and carry its own id and link in the sheet, whatever the company does
with a repeated requestid and a duplicate number (every combination of Intuit's variations)."""

from __future__ import annotations

import signal

import pytest

from tests.reliability.conftest import DUAL_MODE, MODES, make_world, ready_rows

ROWS = 90  # 3 batches of 30 per run: 72 invoices, 18 bills

FAILPOINTS = [
    pytest.param("before_intent:2", None, id="before-intent"),     # between batches, before batch 2's intent
    pytest.param("after_intent:2", None, id="after-intent"),       # intent committed, request never sent
    pytest.param("after_send:2", None, id="after-commit"),         # QuickBooks created batch 2 and answered; nothing recorded
    pytest.param("after_lost_response:1", "drop", id="lost-response"),   # committed, answer lost, then the process died
    pytest.param("before_writeback:1", None, id="before-writeback"),     # every answer in the audit, sheet untouched
    pytest.param("mid_save:1", None, id="mid-writeback"),          # new workbook in a temp file, not yet renamed in
]


@pytest.mark.parametrize("behaviour", MODES)
@pytest.mark.parametrize("failpoint, inject", FAILPOINTS)
def test_a_kill_at_any_step_never_duplicates_or_loses_a_row(tmp_path, qbo, failpoint, inject, behaviour):
    qbo.set_behaviour(**behaviour)
    world = make_world(tmp_path, qbo, ready_rows(ROWS, bill_every=5), **DUAL_MODE)
    if inject == "drop":
        qbo.inject("drop_after_commit", count=50, match="batch")
    killed = world.cli("run-once", failpoint=failpoint)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    qbo.clear_faults()
    world.run_until_quiet()
    world.assert_each_row_exactly_once()
