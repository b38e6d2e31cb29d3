"""The app factory and `python app.py`: no work at import time, one scheduler, plain start-up errors."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
KEY = Fernet.generate_key().decode()


def test_importing_app_builds_nothing():
    module = importlib.import_module("app")
    assert "server" not in vars(module)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GOOGLE_", "SHEET_", "LOCAL_", "DATABASE_", "QB_"))}
    env.update(LOCAL_SHEET_PATH=str(tmp_path / "book.xlsx"), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
               SECRET_KEY="test", QB_TOKEN_KEY=KEY, ADMIN_PASSWORD="test-admin",
               QB_EMULATOR_STATE=str(tmp_path / "emulator.pickle"), **extra)
    return env


def test_python_app_py_serves_the_demo_and_takes_a_snapshot(tmp_path):
    """Run from a fresh folder with the default workbook path, the only one demo mode fills with demo rows."""
    port, log_file = _free_port(), tmp_path / "app.log"
    env = _env(tmp_path, PORT=str(port))
    del env["LOCAL_SHEET_PATH"]
    with open(log_file, "w") as log:
        child = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env,
                                 stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "snapshot of inv_tbl" not in log_file.read_text():
            assert child.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, "no snapshot within 30 s:\n" + log_file.read_text()
            time.sleep(0.2)
        assert _get_when_up(f"http://127.0.0.1:{port}/healthz", deadline).json() == {"status": "ok"}
        anonymous = requests.get(f"http://127.0.0.1:{port}/invoices", timeout=5, allow_redirects=False)
        assert (anonymous.status_code, anonymous.headers["Location"]) == (302, "/login?next=/invoices")
        assert _login(f"http://127.0.0.1:{port}", "admin", "test-admin").get(
            f"http://127.0.0.1:{port}/invoices", timeout=5).status_code == 200   # the first admin, from ADMIN_PASSWORD
    finally:
        child.terminate()
        child.wait(timeout=10)
    output = log_file.read_text()
    assert "Scheduler started with jobs: daily_snapshot_worker, qb_sync_invoices" in output
    assert "snapshot of inv_tbl: 150 rows" in output
    assert (tmp_path / "data" / "finance_tracker.xlsx").exists()


def _login(base: str, username: str, password: str) -> requests.Session:
    import re

    browser = requests.Session()
    csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get(f"{base}/login", timeout=5).text).group(1)
    answer = browser.post(f"{base}/login", data={"csrf": csrf, "username": username, "password": password,
                                                  "next": "/"}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return browser


def _get_when_up(url: str, deadline: float) -> requests.Response:
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            assert time.monotonic() < deadline, f"nothing listens at {url}"
            time.sleep(0.1)


def test_a_bad_setting_stops_start_up_with_one_plain_message(tmp_path):
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=_env(tmp_path, PORT="eighty", SCHEDULER_ENABLED="sometimes"))
    assert result.returncode == 2
    assert "PORT='eighty'" in result.stderr and "SCHEDULER_ENABLED='sometimes'" in result.stderr
    assert "Traceback" not in result.stderr


def test_scheduler_is_off_when_disabled_and_in_the_reloader_parent(make_settings, local_qb_settings, monkeypatch):
    from app import create_app

    disabled = create_app(make_settings(scheduler_enabled=False), local_qb_settings)
    assert "tracker_scheduler" not in disabled.server.extensions
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    parent = create_app(make_settings(scheduler_enabled=True, debug=True), local_qb_settings)
    assert "tracker_scheduler" not in parent.server.extensions
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    child = create_app(make_settings(scheduler_enabled=True, debug=True), local_qb_settings)
    scheduler = child.server.extensions["tracker_scheduler"]
    try:
        assert scheduler.running
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert sorted(jobs) == ["daily_snapshot_worker", "qb_sync_invoices", "scheduler_leader_heartbeat"]
        sync_job = jobs["qb_sync_invoices"]
        assert (sync_job.coalesce, sync_job.max_instances, sync_job.misfire_grace_time) == (True, 1, 600)
    finally:
        scheduler.shutdown(wait=True)


def test_stored_tokens_under_another_key_stop_start_up_plainly(tmp_path):
    from quickbooks.wire.tokens import TokenSet, TokenStore

    from tracker import db

    engine = db.make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    db.upgrade(engine)
    TokenStore(engine, Fernet.generate_key().decode(), "local").save(TokenSet("a", "r", 1.0, 2.0, "123"))
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=_env(tmp_path))
    assert result.returncode == 2
    assert "cannot be decrypted with this QB_TOKEN_KEY" in result.stderr
    assert "Traceback" not in result.stderr
