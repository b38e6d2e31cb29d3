"""`gunicorn -w 4 app:server` with the scheduler on a short interval, against the QuickBooks emulator, on SQLite and
PostgreSQL: four workers boot together, exactly one of them (the leader) runs the sync, one run per interval, every
invoice once; `/healthz` and the admin page's refresh answer the same on every worker; killing the leader with
SIGKILL hands the jobs to another worker within one interval, and that one syncs the rows added afterwards."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

import acd
from spreadsheet.base import CellUpdate
from spreadsheet.schema import QB_INVOICE_HEADERS
from tests.databases import database_for
from tests.quickbooks.test_status import REFRESH, _texts_by_id
from tests.reliability.conftest import ROOT, make_world, ready_rows
from tracker import db
from tracker.leases import holder_of
from tracker.scheduler import LEADER_LEASE

WORKERS = 4
INTERVAL = 3.0          # QB_SYNC_INTERVAL
HEARTBEAT = 1.0         # SCHEDULER_HEARTBEAT_SECONDS: the lease lasts 3 s; a dead leader here is replaced within 1 s
FIRST_ROWS, LATER_ROWS = 40, 10
PASSWORD = "Gunicorn-test-Admin-2026"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, timeout: float, what: str, poll: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(poll)


class Gunicorn:
    """The server in its own process group, its combined output and access log (pid and query of each request)."""

    def __init__(self, folder: Path, env: dict):
        self.port, self.folder = _free_port(), folder
        self.output, self.access = folder / "gunicorn.out", folder / "access.log"
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--pythonpath", str(ROOT),
                   "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--no-control-socket",
                   "--access-logfile", str(self.access), "--access-logformat", "%(p)s %(q)s"]
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """SIGINT (gunicorn's quick shutdown) to the whole group, master and workers; SIGKILL what is left after 10 s."""
        for sig, wait in ((signal.SIGINT, 10), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=wait)
                with contextlib.suppress(ProcessLookupError):   # a worker outliving the master
                    os.killpg(self.process.pid, signal.SIGKILL)
                return

    def answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn stopped: {self.output.read_text(errors='replace')[-3000:]}")
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).ok
        except (requests.ConnectionError, requests.Timeout):   # nothing listens yet, or every worker still boots
            return False

    def pids_of_probes(self) -> dict[str, int]:
        """probe id -> the worker pid that answered it, from the access log."""
        found = {}
        for line in self.access.read_text().splitlines():
            match = re.fullmatch(r"<(\d+)> probe=(\w+)", line.strip())
            if match:
                found[match.group(2)] = int(match.group(1))
        return found

    def log_entries(self) -> list[dict]:
        """The app's JSON log lines (gunicorn's own lines are text)."""
        return [json.loads(line) for line in self.output.read_text(errors="replace").splitlines()
                if line.startswith("{")]


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path, qbo):
    with database_for(request.param, tmp_path) as url:
        world = make_world(tmp_path, qbo, ready_rows(FIRST_ROWS), database=url, SCHEDULER_ENABLED="true",
                           QB_SYNC_INTERVAL=str(INTERVAL), SCHEDULER_HEARTBEAT_SECONDS=str(HEARTBEAT),
                           ADMIN_PASSWORD=PASSWORD, LOG_FORMAT="json", LOG_LEVEL="INFO")
        acd.open_sheet(world.settings).worksheet("inv_tbl").add_columns(QB_INVOICE_HEADERS)
        world.engine = db.make_engine(url)
        try:
            yield world
        finally:
            world.engine.dispose()


@pytest.fixture
def gunicorn(world):
    server = Gunicorn(world.folder, world.env)
    try:
        yield server
    finally:
        server.stop()


def _login(base: str) -> str:
    """Log in through the real form; the session's Cookie header (sent by hand: the cookies are Secure outside
    demo mode, and this is plain http on loopback)."""
    page = requests.get(f"{base}/login?next=/admin", timeout=10)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    cookies = {c.name: c.value for c in page.cookies}
    header = lambda: "; ".join(f"{k}={v}" for k, v in cookies.items())  # noqa: E731
    answer = requests.post(f"{base}/login", data={"csrf": csrf, "username": "admin", "password": PASSWORD,
                                                  "next": "/admin"},
                           headers={"Cookie": header()}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin", answer.text[:300]
    cookies.update({c.name: c.value for c in answer.cookies})
    return header()


def _leader_pid(engine) -> int | None:
    holder = holder_of(engine, LEADER_LEASE)
    return int(holder.split(":")[1]) if holder else None


def _probe_every_worker(server: Gunicorn, cookie: str) -> dict[int, list[dict]]:
    """/healthz and the admin refresh on new connections, 8 at a time (a busy sync worker accepts nothing more,
    so the others answer), until every worker answered both; the refresh answers by worker pid."""
    answers: dict[str, dict] = {}

    def probe(n: int) -> None:
        headers = {"Connection": "close"}
        health = requests.get(f"{server.url}/healthz?probe=h{n}", headers=headers, timeout=30)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        refresh = requests.post(f"{server.url}/_dash-update-component?probe=r{n}", json=REFRESH,
                                headers={**headers, "Cookie": cookie}, timeout=30)
        assert refresh.status_code == 200, refresh.text[:300]
        answers[f"r{n}"] = _texts_by_id(refresh.json()["response"]["admin-counts"])

    by_pid: dict[int, list[dict]] = {}
    with ThreadPoolExecutor(8) as pool:
        for round_ in range(12):
            list(pool.map(probe, range(round_ * 16, round_ * 16 + 16)))
            pids = server.pids_of_probes()
            health_pids = {pid for probe_id, pid in pids.items() if probe_id.startswith("h")}
            by_pid = {}
            for probe_id, shown in answers.items():
                if probe_id in pids:   # a worker writes its access line just after the answer: some come later
                    by_pid.setdefault(pids[probe_id], []).append(shown)
            if len(health_pids) == WORKERS and len(by_pid) == WORKERS:
                return by_pid
    raise AssertionError(f"not every worker answered: /healthz from {sorted(health_pids)}, refresh from "
                         f"{sorted(by_pid)}")


def _scheduled_runs(engine) -> list:
    with engine.connect() as connection:
        return connection.execute(select(db.sync_runs.c.id, db.sync_runs.c.status, db.sync_runs.c.started_at)
                                  .where(db.sync_runs.c.trigger == "schedule").order_by(db.sync_runs.c.id)).all()


def _sync_pids(server: Gunicorn) -> dict[int, int]:
    """run id -> pid of the process that logged "Sync run N (schedule) ..."."""
    return {entry["run_id"]: entry["pid"] for entry in server.log_entries()
            if entry.get("run_id") and entry["message"].startswith("Sync run") and "(schedule)" in entry["message"]}


def _add_ready_rows(world) -> None:
    """LATER_ROWS more ready rows below the first ones (the sheet's first columns are inv_tbl's own)."""
    later = ready_rows(FIRST_ROWS + LATER_ROWS)[1 + FIRST_ROWS:]
    updates = [CellUpdate(2 + FIRST_ROWS + i, c + 1, value) for i, row in enumerate(later) for c, value in
               enumerate(row)]
    acd.open_sheet(world.settings).worksheet("inv_tbl").write_cells(updates)
    world.keys += [row[0] for row in later]


def test_four_workers_one_sync_per_interval_and_the_leader_hands_over(world, gunicorn, qbo):
    _wait(gunicorn.answers, 60, "gunicorn to answer", poll=0.25)
    _wait(lambda: any(r.status == "ok" for r in _scheduled_runs(world.engine)), 30, "the first run")
    assert len(qbo.created("Invoice")) == FIRST_ROWS
    leader = _wait(lambda: _leader_pid(world.engine), 10, "a scheduler leader")
    booted = {e["pid"] for e in gunicorn.log_entries() if e["message"].startswith("Scheduler started")}
    assert len(booted) == WORKERS, "every worker booted (migrations, first admin) and started its scheduler"
    with world.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(db.users)).scalar_one() == 1, "one first admin"

    window_start = time.time()
    by_pid = _probe_every_worker(gunicorn, _login(gunicorn.url))
    _wait(lambda: time.time() > window_start + 3 * INTERVAL, 3 * INTERVAL + 1, "three intervals")
    window_end = time.time()
    counts = {pid: {k: v for shown in answers for k, v in shown.items() if k.startswith("admin-count-")}
              for pid, answers in by_pid.items()}
    assert len({json.dumps(c, sort_keys=True) for c in counts.values()}) == 1, counts
    assert next(iter(counts.values()))["admin-count-invoice-synced"] == f"synced: {FIRST_ROWS}"
    shown_leaders = {shown["admin-next-invoice"].partition(", by ")[2] for a in by_pid.values() for shown in a}
    assert shown_leaders == {f"{socket.gethostname()} pid {leader}"}

    runs = [r for r in _scheduled_runs(world.engine) if window_start <= r.started_at < window_end]
    per_interval = {}
    for run in runs:
        per_interval.setdefault(math.floor(run.started_at / INTERVAL), []).append(run.id)
    assert all(len(ids) == 1 for ids in per_interval.values()), f"two runs in one interval: {per_interval}"
    grid_points = math.floor((window_end - 1) / INTERVAL) - math.floor(window_start / INTERVAL)
    assert len(per_interval) >= grid_points - 1, f"a run in (nearly) every interval: {per_interval}"
    assert set(_sync_pids(gunicorn).values()) == {leader}, "only the leader ran the jobs"

    os.kill(leader, signal.SIGKILL)
    killed_at, killed_wall = time.monotonic(), time.time()
    successor = _wait(lambda: (pid := _leader_pid(world.engine)) not in (None, leader) and pid, INTERVAL,
                      "another worker to take the lease", poll=0.05)
    handover = time.monotonic() - killed_at
    _add_ready_rows(world)
    _wait(lambda: len(qbo.created("Invoice")) == FIRST_ROWS + LATER_ROWS, 4 * INTERVAL, "the later invoices")
    _wait(lambda: all(r.status != "running" for r in _scheduled_runs(world.engine)), 4 * INTERVAL, "runs to end")
    world.assert_each_row_exactly_once()
    runs = _scheduled_runs(world.engine)
    assert "busy" not in {r.status for r in runs}, "no scheduled run ever met another one"
    first_after = min(r.started_at for r in runs if r.started_at > killed_wall) - killed_wall
    assert first_after <= INTERVAL + 1, f"the next run came {first_after:.1f} s after the kill"
    pids = _sync_pids(gunicorn)
    assert set(pids.values()) == {leader, successor}
    assert max(r for r, p in pids.items() if p == leader) < min(r for r, p in pids.items() if p == successor)
    print(f"lease handed over in {handover:.2f} s ({leader} -> {successor}), next run {first_after:.2f} s after the "
          f"kill; {len(pids)} scheduled runs")
