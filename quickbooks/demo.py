"""Demo mode (QB_ENV=local), in one place: everything the app does only when it runs on its embedded defaults.

- secrets a real deployment sets itself (QB_TOKEN_KEY, SECRET_KEY, the admin password) are generated once into
  the local `.env` (created with mode 600), so stored tokens stay readable and sessions valid across restarts.
  `.env` is read and written under a file lock (`.env.lock`) and read again inside it, so processes starting
  together (gunicorn -w 4) generate the secrets once and all use them. Only the admin password's hash is
  stored; the password itself is printed once on a terminal, or, when stderr is not one (redirected to a log),
  written to `data/admin-password.txt` (mode 600) and only that path is printed;
- a missing local workbook is created with deterministic demo rows (`spreadsheet/demo_rows.py`);
- the bundled QuickBooks emulator (`emulators/qbo.py`) is started on a free loopback port.

This is the only product module that imports `emulators/`, and it does so inside `start_emulator`, so a
production process never loads it. Outside demo mode nothing here runs: settings validation asks for the secrets,
and a missing workbook is an error.
"""

from __future__ import annotations

import logging
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence, TextIO

from cryptography.fernet import Fernet
from filelock import FileLock, Timeout
from werkzeug.security import generate_password_hash

from quickbooks.settings import QbSettings, parse_env
from spreadsheet.demo_rows import demo_inv_tbl
from spreadsheet.local import LocalWorkbook
from spreadsheet.schema import QB_HEADERS
from tracker import files
from tracker.errors import ConfigError
from tracker.settings import DEFAULT_ENV_FILE, Settings, read_environment

if TYPE_CHECKING:
    from emulators._server import RunningServer
    from emulators.qbo import QboEmulator

log = logging.getLogger(__name__)
ENV_LOCK_SECONDS = 60
ADMIN_PASSWORD_FILE = Path("data/admin-password.txt")
GENERATED_HEADER = "# Generated on first start for QB_ENV=local; set your own in production.\n"


@dataclass(frozen=True)
class Generated:
    names: tuple[str, ...]
    admin_password: str | None = None   # shown once to the operator, never stored in clear


def ensure_local_secrets(env_file: str | Path = DEFAULT_ENV_FILE,
                         environ: Mapping[str, str] | None = None) -> Generated:
    """Demo mode only: generate the missing secrets into `env_file`, once across every process starting now."""
    env = read_environment(environ, env_file)
    if not _is_demo(env) or not _missing(env):
        return Generated(())
    lock = FileLock(f"{env_file}.lock", timeout=ENV_LOCK_SECONDS)
    try:
        with lock:
            names = _missing(read_environment(environ, env_file))   # again, inside the lock: another process
            password, lines = _generate(names)                      # may have written them meanwhile
            if lines:
                path = Path(env_file)
                existing = path.read_text(encoding="utf-8") if path.exists() else ""
                separator = "" if not existing or existing.endswith("\n") else "\n"
                files.append_private(path, separator + GENERATED_HEADER + "\n".join(lines) + "\n")
    except Timeout:
        raise ConfigError(f"{env_file} stayed locked for {ENV_LOCK_SECONDS} s by another starting process; if none "
                          f"is running, delete {lock.lock_file}") from None
    return Generated(tuple(names), password)


def _is_demo(env: Mapping[str, str]) -> bool:
    try:
        return parse_env(env.get("QB_ENV", "") or "local") == "local"
    except ValueError:
        return False  # the settings report the bad QB_ENV


def _missing(env: Mapping[str, str]) -> list[str]:
    """The demo secrets `env` does not have yet."""
    have = {"QB_TOKEN_KEY": env.get("QB_TOKEN_KEY", "").strip(), "SECRET_KEY": env.get("SECRET_KEY", "").strip(),
            "ADMIN_PASSWORD_HASH": env.get("ADMIN_PASSWORD", "").strip() or env.get("ADMIN_PASSWORD_HASH", "").strip()}
    return [name for name, value in have.items() if not value]


def _generate(names: list[str]) -> tuple[str | None, list[str]]:
    """(the admin password or None, the .env lines) for the secrets `names`."""
    password = secrets.token_urlsafe(12) if "ADMIN_PASSWORD_HASH" in names else None
    values = {"QB_TOKEN_KEY": lambda: Fernet.generate_key().decode(), "SECRET_KEY": lambda: secrets.token_urlsafe(32),
              "ADMIN_PASSWORD_HASH": lambda: generate_password_hash(password)}
    return password, [f"{name}={values[name]()}" for name in names]


def announce_generated(generated: Generated, stream: TextIO | None = None,
                       password_file: Path = ADMIN_PASSWORD_FILE) -> None:
    """Tell the operator, on stderr, what was generated. The admin password is shown this once, and only on a
    terminal: when stderr goes elsewhere (a log file), it goes to `password_file` (mode 600) and only the path
    is printed."""
    stream = stream or sys.stderr
    if generated.names:
        print(f"Demo mode: generated {', '.join(generated.names)} into .env (set your own for sandbox or "
              "production).", file=stream)
    if not generated.admin_password:
        return
    if stream.isatty():
        print(f"Admin login for /admin: user 'admin', password {generated.admin_password}  (shown once; only its "
              "hash is stored)", file=stream)
        return
    try:
        password_file.parent.mkdir(parents=True, exist_ok=True)
        files.write_private(password_file, generated.admin_password + "\n")
    except OSError as exc:
        print(f"Admin login for /admin: the generated password could not be written to {password_file} ({exc}); "
              "set ADMIN_PASSWORD in .env instead of the generated ADMIN_PASSWORD_HASH.", file=stream)
        return
    print(f"Admin login for /admin: user 'admin', password in {password_file} (readable only by this user; not "
          "printed, as stderr is not a terminal). Delete that file once you have the password.", file=stream)


DEMO_WORKBOOK = Settings().local_sheet_path   # data/finance_tracker.xlsx: the only place demo rows may appear


def ensure_demo_workbook(settings: Settings, qb_settings: QbSettings) -> bool:
    """Demo mode (QB_ENV=local) with the default workbook path: create it with demo rows when it is missing.

    Returns True when it created one. Anywhere else it does nothing: a workbook someone named (LOCAL_SHEET_PATH)
    holds real data, so a missing, moved or mistyped one stays an error naming the path, instead of quietly
    becoming fake invoices that the sync would push (and bill real vendors with).
    """
    path = settings.local_sheet_path
    if not qb_settings.is_local or settings.sheet_backend != "local" or path != DEMO_WORKBOOK or path.exists():
        return False
    create_demo_workbook(path, settings.inv_worksheet, settings.demo_rows)
    return True


def create_demo_workbook(path: Path, worksheet: str = "inv_tbl", rows: int = 150) -> None:
    """A workbook of deterministic demo rows with the qb_* columns already added (as `migrate` would)."""
    log.warning("Demo mode: no workbook at %s, creating one with %d demo rows", path, rows)
    table = demo_inv_tbl(rows)
    sync_ready = [table[0] + list(QB_HEADERS), *(row + [""] * len(QB_HEADERS) for row in table[1:])]
    LocalWorkbook.create(path, {worksheet: sync_ready})


def start_emulator(settings: QbSettings, redirect_uris: Sequence[str] = ()
                   ) -> tuple[QbSettings, "RunningServer", "QboEmulator"]:
    """Start the bundled QuickBooks emulator and point every address not set explicitly at it."""
    from emulators.qbo import QboEmulator

    emulator = QboEmulator(client_id=settings.client_id, client_secret=settings.client_secret,
                           redirect_uris=tuple(dict.fromkeys([settings.redirect_uri, *redirect_uris])),
                           state_file=settings.emulator_state_file)
    server = emulator.start()
    log.warning("QB_ENV=local: QuickBooks calls go to the bundled emulator at %s (demo data, nothing real)",
                server.url)
    return settings.with_endpoints(server.url), server, emulator
