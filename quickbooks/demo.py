"""Demo mode (QB_ENV=local), in one place: everything the app does only when it runs on its embedded defaults.

- secrets a real deployment sets itself (QB_TOKEN_KEY, SECRET_KEY, the admin password) are generated once into
  the local `.env` (mode 600), so stored tokens stay readable and sessions valid across restarts; the admin
  password is printed once and only its hash is stored;
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
from typing import TYPE_CHECKING, Mapping, Sequence

from cryptography.fernet import Fernet
from werkzeug.security import generate_password_hash

from quickbooks.settings import QbSettings, parse_env
from spreadsheet.demo_rows import demo_inv_tbl
from spreadsheet.local import LocalWorkbook
from spreadsheet.schema import QB_HEADERS
from tracker.settings import DEFAULT_ENV_FILE, Settings, read_environment

if TYPE_CHECKING:
    from emulators._server import RunningServer
    from emulators.qbo import QboEmulator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Generated:
    names: tuple[str, ...]
    admin_password: str | None = None   # shown once to the operator, never stored in clear


def ensure_local_secrets(env_file: str | Path = DEFAULT_ENV_FILE,
                         environ: Mapping[str, str] | None = None) -> Generated:
    env = read_environment(environ, env_file)
    try:
        if parse_env(env.get("QB_ENV", "") or "local") != "local":
            return Generated(())
    except ValueError:
        return Generated(())  # the settings report the bad QB_ENV
    lines: list[str] = []
    names: list[str] = []
    password = None
    if not env.get("QB_TOKEN_KEY", "").strip():
        lines.append(f"QB_TOKEN_KEY={Fernet.generate_key().decode()}")
        names.append("QB_TOKEN_KEY")
    if not env.get("SECRET_KEY", "").strip():
        lines.append(f"SECRET_KEY={secrets.token_urlsafe(32)}")
        names.append("SECRET_KEY")
    if not env.get("ADMIN_PASSWORD", "").strip() and not env.get("ADMIN_PASSWORD_HASH", "").strip():
        password = secrets.token_urlsafe(12)
        lines.append(f"ADMIN_PASSWORD_HASH={generate_password_hash(password)}")
        names.append("ADMIN_PASSWORD_HASH")
    if lines:
        path = Path(env_file)
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        separator = "" if not existing or existing.endswith("\n") else "\n"
        path.write_text(existing + separator + "# Generated on first start for QB_ENV=local; set your own in "
                        "production.\n" + "\n".join(lines) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return Generated(tuple(names), password)


def announce_generated(generated: Generated) -> None:
    """Tell the operator, on stderr, what was generated (the admin password only this once)."""
    if generated.names:
        print(f"Demo mode: generated {', '.join(generated.names)} into .env (set your own for sandbox or "
              "production).", file=sys.stderr)
    if generated.admin_password:
        print(f"Admin login for /admin: user 'admin', password {generated.admin_password}  (shown once; only its "
              "hash is stored)", file=sys.stderr)


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
