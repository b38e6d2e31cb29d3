"""Starting up: outside demo mode SECRET_KEY is required (every worker must sign sessions and OAuth state with
the same key); in demo mode, processes starting together (gunicorn -w 4) generate the secrets once and migrate
the database one after the other."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from dotenv import dotenv_values
from sqlalchemy import text
from werkzeug.security import check_password_hash

ROOT = Path(__file__).resolve().parents[2]
STARTERS = 4
CLEARED = ("QB_", "GOOGLE_", "SHEET_", "DATABASE_", "LOCAL_SHEET", "SECRET_KEY", "ADMIN_", "TRACKER_")


def _clean_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED)}
    env.update(extra)
    return env


def _sandbox_without_secret_key(tmp_path) -> dict[str, str]:
    return _clean_env(QB_ENV="sandbox", QB_CLIENT_ID="id", QB_CLIENT_SECRET="secret",
                      QB_TOKEN_KEY=Fernet.generate_key().decode(), ADMIN_PASSWORD="admin-password",
                      DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}", SCHEDULER_ENABLED="false",
                      PORT="1", PYTHONPATH=str(ROOT))


def test_the_cli_outside_demo_mode_stops_without_a_secret_key(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "quickbooks_sync.py"), "status"], cwd=tmp_path,
                            env=_sandbox_without_secret_key(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "SECRET_KEY is required when QB_ENV=sandbox" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / ".env").exists()


def test_the_app_outside_demo_mode_stops_without_a_secret_key(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=tmp_path,
                            env=_sandbox_without_secret_key(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Cannot start the finance tracker" in result.stderr
    assert "SECRET_KEY is required when QB_ENV=sandbox" in result.stderr
    assert not (tmp_path / ".env").exists()


def _first_start(folder: str, number: int, barrier) -> None:
    """What `create_app` does at a first start in demo mode, up to serving: secrets, workbook, migration."""
    os.chdir(folder)
    for name in [k for k in os.environ if k.startswith(CLEARED)]:
        del os.environ[name]
    sys.stderr = open(Path(folder) / f"stderr-{number}.txt", "w", encoding="utf-8")   # like gunicorn's log file
    import app
    from quickbooks import demo
    from tracker import db

    barrier.wait(60)
    settings, qb_settings = app.load_all_settings()
    demo.ensure_demo_workbook(settings, qb_settings)
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine)
    engine.dispose()
    sys.stderr.close()


def test_workers_starting_together_generate_the_secrets_once_and_all_start(tmp_path):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(STARTERS)
    workers = [context.Process(target=_first_start, args=(str(tmp_path), n, barrier)) for n in range(STARTERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    stderr = [(tmp_path / f"stderr-{n}.txt").read_text() for n in range(STARTERS)]
    assert [w.exitcode for w in workers] == [0] * STARTERS, "\n".join(stderr)

    env_text = (tmp_path / ".env").read_text()
    assert env_text.count("# Generated on first start") == 1
    for name in ("QB_TOKEN_KEY=", "SECRET_KEY=", "ADMIN_PASSWORD_HASH="):
        assert env_text.count(name) == 1, env_text
    announced = [err for err in stderr if "Admin login" in err]
    assert len(announced) == 1, stderr
    password_file = tmp_path / "data" / "admin-password.txt"
    assert "data/admin-password.txt" in announced[0]
    password = password_file.read_text().strip()
    assert password not in "".join(stderr)
    assert check_password_hash(dotenv_values(tmp_path / ".env")["ADMIN_PASSWORD_HASH"], password)
    assert (password_file.stat().st_mode & 0o777, (tmp_path / ".env").stat().st_mode & 0o777) == (0o600, 0o600)

    from tracker import db

    engine = db.make_engine(f"sqlite:///{tmp_path / 'finance_tracker.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()
    assert (tmp_path / "finance_tracker.db").stat().st_mode & 0o777 == 0o600
