"""First start in demo mode (QB_ENV=local): generate the secrets a real deployment must set itself.

Missing QB_TOKEN_KEY, SECRET_KEY and admin password are generated into the local `.env` (mode 600), so
they survive restarts (stored tokens stay readable, sessions stay valid). The admin password is printed
once and only its hash is stored. Outside local mode nothing is generated: settings validation asks for them.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from cryptography.fernet import Fernet
from werkzeug.security import generate_password_hash

from quickbooks.settings import parse_env
from tracker.settings import DEFAULT_ENV_FILE, read_environment


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
