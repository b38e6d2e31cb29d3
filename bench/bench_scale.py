"""Benchmark: what the admin page and one sync run cost as the audit history grows (issue 13's table).

    .venv/bin/python -m bench.bench_scale [--sizes 0,10000,100000] [--calls 20] [--repeat 3] [--keep]

For each history size, in a temp folder (bench/_scale.py builds it): a local workbook whose `inv_tbl` holds 500
ready demo rows (invoices and vendor bills) and 30 drafts, a SQLite database with that many audit rows per
direction (qb_invoice_audit and qb_bill_audit, for the keys of earlier years) and 5,000 sync_runs, stored tokens,
and the bundled QuickBooks emulator started in this process. The CLI runs in dual mode (invoices and bills). A
first `run-once` creates the 500 rows, a second reads them back (not measured); then:

1. the admin page's poll (pages/admin.py, every 2 s per open tab), through the Flask test client of
   `app.create_app(...)` logged in as the admin, after one warm-up: the median wall and CPU time
   (time.thread_time: the test client answers in the calling thread) of its `refresh` callback over `--calls`
   polls (fewer, at least 5, once they took 15 s); the median wall time of the whole poll (every server callback
   with the input admin-poll.n_intervals, posted one after the other, as tests/pages/test_access.py `_body` builds
   them); and of quickbooks.status.direction_summary alone (the audit counts), without HTTP or rendering;
2. an idle `python quickbooks_sync.py run-once` (nothing to do) in a subprocess: the median wall time and CPU time
   (user + system) of `--repeat` runs, and the highest peak RSS (`/usr/bin/time -v`, else os.wait4's rusage of
   that child);
3. the 30 drafts turned `submitted`, one `run-once`: wall time, CPU time and peak RSS;

and the database file's size (with its -wal) at the end. Wall times include the interpreter's start and imports,
as cron sees them. The table puts issue 13's goals beside the figures. Other processes on the machine stretch
wall times but hardly CPU times: the load average is printed with each size. A run that fails, or that creates
other than nothing (idle) or the 30 rows, is printed as a problem and the script exits 1. No assertions on time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import _scale

PASSWORD = "bench-scale-admin-password-1"
CALLBACK = "/_dash-update-component"
POLL_INPUT, REFRESH_OUTPUT = "admin-poll.n_intervals", "admin-connection.children"
BUDGET_SECONDS, MIN_CALLS = 15, 5
NEW = f"run-once, {_scale.NEW_ROWS} new rows"
ROWS = {   # key: (label, goal at the largest size)
    "refresh": ("admin refresh callback: median wall", "< 50 ms"),
    "refresh_cpu": ("  its CPU time, median", ""),
    "poll": ("  whole poll (every poll callback)", ""),
    "summary": ("  direction_summary alone, median", ""),
    "idle_wall": ("idle run-once: wall (median)", "< 1 s, no worse than at 0"),
    "idle_cpu": ("  CPU time (user+sys, median)", ""),
    "idle_rss": ("  peak RSS (highest)", "no worse than at 0"),
    "new_wall": (f"{NEW}: wall", "< 1.5 s"),
    "new_cpu": ("  CPU time (user+sys)", ""),
    "new_rss": ("  peak RSS", "< 200 MB"),
    "db": ("database file (+ -wal)", ""),
}


def refresh_times(world: _scale.World, calls: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of the admin page's poll through the Flask test client, logged in: "refresh" (the
    `refresh` callback), "poll" (every server callback the poll fires, one after the other), and "summary"
    (quickbooks.status.direction_summary alone, on the last 30 runs). CPU is this thread's (time.thread_time):
    the test client answers in the calling thread."""
    from app import create_app
    from quickbooks import status as view
    from quickbooks.settings import load_qb_settings
    from tracker.settings import load_settings

    env = {**world.env, "ADMIN_PASSWORD": PASSWORD, "SCHEDULER_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    app = create_app(load_settings(environ=env, env_file=None), load_qb_settings(environ=env, env_file=None))
    try:
        client = app.server.test_client()
        login(client)
        assert client.get("/_dash-layout").status_code == 200   # Dash fills callback_map on the first request
        bodies = poll_bodies(app)
        refresh = next(key for key in bodies if REFRESH_OUTPUT in key)

        def post(body: dict) -> None:
            answer = client.post(CALLBACK, json=body)
            assert answer.status_code in (200, 204), (answer.status_code, answer.get_data(as_text=True)[:300])

        for body in bodies.values():   # warm-up
            post(body)
        polls, started = [], time.perf_counter()
        while len(polls) < calls and (len(polls) < MIN_CALLS or time.perf_counter() - started < BUDGET_SECONDS):
            polls.append({key: timed(lambda body=body: post(body)) for key, body in bodies.items()})
        sync = app.server.extensions["sync"]
        summary = repeated(lambda: view.direction_summary(sync, sync.runs.recent(30)), calls)
        return {"refresh": [poll[refresh] for poll in polls], "summary": summary,
                "poll": [tuple(map(sum, zip(*poll.values()))) for poll in polls], "callbacks": len(bodies)}
    finally:
        app.server.extensions["quickbooks"].close()
        app.server.config["TRACKER_ENGINE"].dispose()


def login(client) -> None:
    import re

    page = client.get("/login?next=/admin").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = client.post("/login",
                         data={"csrf": csrf, "username": "admin", "password": PASSWORD, "next": "/admin"})
    assert answer.status_code == 302, answer.status_code


def poll_bodies(app) -> dict[str, dict]:
    """By output key, the JSON Dash's renderer posts for each server callback the admin page's poll fires (built
    as tests/pages/test_access.py `_body` does; n_intervals 1, any other input or state None)."""
    bodies = {}
    for key, spec in app.callback_map.items():
        names = [f"{i['id']}.{i['property']}" for i in spec["inputs"]]
        if "callback" not in spec or POLL_INPUT not in names:
            continue
        outputs = [dict(zip(("id", "property"), out.rsplit(".", 1))) for out in key.strip(".").split("...")]
        inputs = [{"id": i["id"], "property": i["property"], "value": 1 if name == POLL_INPUT else None}
                  for i, name in zip(spec["inputs"], names)]
        bodies[key] = {"output": key, "outputs": outputs if key.startswith("..") else outputs[0], "inputs": inputs,
                       "state": [{"id": d["id"], "property": d["property"], "value": None}
                                 for d in spec.get("state", [])], "changedPropIds": [POLL_INPUT]}
    return bodies


def repeated(call, calls: int) -> list[tuple[float, float]]:
    """`calls` timings, or as many as BUDGET_SECONDS allow (at least MIN_CALLS): 20 calls of several seconds each
    would make the bench itself slow where it measures something slow."""
    times, started = [], time.perf_counter()
    while len(times) < calls and (len(times) < MIN_CALLS or time.perf_counter() - started < BUDGET_SECONDS):
        times.append(timed(call))
    return times


def timed(call) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.thread_time()
    call()
    return time.perf_counter() - started, time.thread_time() - cpu


def measure(history: int, folder: Path, calls: int, repeat: int) -> tuple[dict, list[str]]:
    """Build one world and measure it: figures by ROWS key, and the problems seen."""
    from emulators.qbo import QboEmulator

    emulator, problems, started = QboEmulator(), [], time.perf_counter()
    with emulator.start():
        world, sizes = _scale.make_world(folder, emulator, history)
        built = time.perf_counter() - started
        for label, synced in ((f"creating the {_scale.SHEET_ROWS} rows", _scale.SHEET_ROWS), ("reading them back", 0)):
            check(_scale.cli(world, "run-once"), problems, label, synced)
        page = refresh_times(world, calls)
        idle = [_scale.cli(world, "run-once") for _ in range(repeat)]
        for run in idle:
            check(run, problems, "idle run", 0)
        _scale.mark_new_rows_ready(world)
        new = _scale.cli(world, "run-once")
        check(new, problems, f"{_scale.NEW_ROWS} new rows", _scale.NEW_ROWS)
    size = sum(p.stat().st_size for p in (world.database, Path(f"{world.database}-wal")) if p.exists())
    json_sizes = ", ".join(f"{k} {v:,}" for k, v in sizes.items()) if history else "none"
    print(f"  {history:,} rows per direction: built in {built:.0f} s (history JSON, average bytes: {json_sizes}); "
          f"{page['callbacks']} poll callbacks, {len(page['refresh'])} polls timed; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    median = statistics.median
    return {"refresh": median(w for w, _c in page["refresh"]), "refresh_cpu": median(c for _w, c in page["refresh"]),
            "poll": median(w for w, _c in page["poll"]), "summary": median(w for w, _c in page["summary"]),
            "idle_wall": median(r.wall for r in idle),
            "idle_cpu": median(r.cpu for r in idle), "idle_rss": max(r.rss_mb for r in idle),
            "new_wall": new.wall, "new_cpu": new.cpu, "new_rss": new.rss_mb, "db": size}, problems


def check(run: _scale.CliRun, problems: list[str], label: str, synced: int | None) -> None:
    """A run must end ok (exit 0) and, when `synced` is given, create exactly that many rows."""
    made = _scale.synced_in(run)
    if run.code != 0 or (synced is not None and made != synced):
        tail = " | ".join(run.out.strip().splitlines()[-3:])
        problems.append(f"{label}: exit {run.code}, {made} synced (expected {synced}): {tail}")


def shown(key: str, value: float) -> str:
    if key in ("refresh", "refresh_cpu", "poll", "summary"):
        return f"{value * 1000:.1f} ms"
    if key.endswith(("_wall", "_cpu")):
        return f"{value:.2f} s"
    if key.endswith("_rss"):
        return f"{value:.0f} MB"
    return f"{value / 1e6:.0f} MB"


def report(results: dict[int, dict]) -> None:
    sizes = list(results)
    head = f"{'history (audit rows per direction)':<36}" + "".join(f"{n:>12,}" for n in sizes)
    print(head + f"   goal at {sizes[-1]:,}")
    for key, (label, goal) in ROWS.items():
        print(f"{label:<36}" + "".join(f"{shown(key, results[n][key]):>12}" for n in sizes) + f"   {goal}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0,10000,100000", help="audit rows per direction (default 0,10000,100000)")
    parser.add_argument("--calls", type=int, default=20, help="refresh callbacks per size (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="idle runs per size; the median (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (its path is printed)")
    args = parser.parse_args()
    sizes = [int(n.replace("_", "")) for n in args.sizes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print(f"{_scale.SHEET_ROWS} synced + {_scale.NEW_ROWS} new rows in inv_tbl, {_scale.RUNS:,} sync_runs, dual mode; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; folder {root}", flush=True)
    results, problems, started = {}, [], time.perf_counter()
    try:
        for n in sizes:
            results[n], seen = measure(n, root / f"history-{n}", args.calls, args.repeat)
            problems += [f"{n:,}: {p}" for p in seen]
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"(all sizes in {time.perf_counter() - started:.0f} s)\n")
    report(results)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
