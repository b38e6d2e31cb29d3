"""Two processes (say the Dash scheduler and a cron run-once) started together, many times: one runs, the
other says a run is in progress (exit 3); nothing is ever created twice."""

from __future__ import annotations

from tests.reliability.conftest import make_world, ready_rows

ROUNDS = 5


def test_two_processes_started_together_never_duplicate(tmp_path, qbo):
    rows = ready_rows(ROUNDS * 12)
    world = make_world(tmp_path, qbo, rows[:1] + rows[1:13])
    qbo.set_latency(0.05)
    outcomes = []
    for round_number in range(ROUNDS):
        if round_number:
            _append(world, rows[1 + round_number * 12: 13 + round_number * 12])
        pair = [world.popen("run-once"), world.popen("run-once")]
        codes = sorted(p.wait(timeout=120) for p in pair)
        outputs = [p.stdout.read() for p in pair]
        outcomes.append(codes)
        assert codes in ([0, 3], [0, 0]), outputs
        if codes == [0, 3]:
            assert any("already running" in out for out in outputs)
    assert [0, 3] in outcomes, "the two runs never met: the test proved nothing"
    world.keys = [r[0] for r in rows[1:]]
    world.assert_each_row_exactly_once()


def _append(world, new_rows):
    from spreadsheet import CellUpdate
    import acd

    ws = acd.open_sheet(world.settings).worksheet("inv_tbl")
    start = len(ws.read_all()) + 1
    ws.write_cells([CellUpdate(start + i, c + 1, v) for i, row in enumerate(new_rows) for c, v in enumerate(row)])
