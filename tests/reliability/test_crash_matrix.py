"""Kill the sync (SIGKILL, no cleanup) at every step where it can die; run again until quiet; every ready
row must exist exactly once in QuickBooks and carry its own id and link in the sheet, whatever the company does
with a repeated requestid and a duplicate number (every combination of Intuit's variations at the kill points that touch QuickBooks).
The kill points that touch QuickBooks run on PostgreSQL too, with the default company."""

from __future__ import annotations

import signal

import pytest

from tests.reliability.conftest import DUAL_MODE, MODES, make_world, ready_rows

ROWS = 90  # 3 batches of 30 per run: 72 invoices, 18 bills

# Kill points where QuickBooks is asked or answers: every combination of Intuit's variations matters there.
SENDING = [
    pytest.param("after_intent:2", None, id="after-intent"),       # intent committed, request never sent
    pytest.param("after_send:2", None, id="after-commit"),         # QuickBooks created batch 2 and answered; nothing recorded
    pytest.param("after_lost_response:1", "drop", id="lost-response"),   # committed, answer lost, then the process died
]
# Kill points before any send or after every answer is recorded: the company's variations cannot change what
# happens next, so the default (kind) company is enough.
LOCAL = [
    pytest.param("before_intent:2", None, id="before-intent"),     # between batches, before batch 2's intent
    pytest.param("before_writeback:1", None, id="before-writeback"),     # every answer in the audit, sheet untouched
    pytest.param("mid_save:1", None, id="mid-writeback"),          # new workbook in a temp file, not yet renamed in
]
CASES = [pytest.param(point.values[0], point.values[1], mode.values[0], id=f"{point.id}-{mode.id}")
         for point in SENDING for mode in MODES] + [
    pytest.param(point.values[0], point.values[1], {}, id=f"{point.id}-default-company") for point in LOCAL]


@pytest.mark.parametrize("failpoint, inject, behaviour", CASES)
def test_a_kill_at_any_step_never_duplicates_or_loses_a_row(tmp_path, qbo, failpoint, inject, behaviour):
    qbo.set_behaviour(**behaviour)
    world = make_world(tmp_path, qbo, ready_rows(ROWS, bill_every=5), **DUAL_MODE)
    _kill_then_run_until_quiet(world, failpoint, inject)


@pytest.mark.parametrize("failpoint, inject", SENDING)
def test_a_kill_on_postgresql_never_duplicates_or_loses_a_row(tmp_path, qbo, postgres_url, failpoint, inject):
    """The same kills with the database on PostgreSQL: intents, answers and the lease of the killed CLI and of the
    runs after it live there."""
    world = make_world(tmp_path, qbo, ready_rows(ROWS, bill_every=5), database=postgres_url, **DUAL_MODE)
    _kill_then_run_until_quiet(world, failpoint, inject)


def _kill_then_run_until_quiet(world, failpoint: str, inject: str | None) -> None:
    if inject == "drop":
        world.emulator.inject("drop_after_commit", count=50, match="batch")
    killed = world.cli("run-once", failpoint=failpoint)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    world.emulator.clear_faults()
    world.run_until_quiet()
    world.assert_each_row_exactly_once()
