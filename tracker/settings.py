"""Settings of the finance tracker: read once from the environment and `.env`, validated, frozen.

Every problem is collected and reported at once, each naming the variable and what it expects, so a
wrong deployment stops at start-up with one message instead of failing later in a callback.
`.env.example` documents every variable; the QuickBooks variables live in `quickbooks/settings.py`.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from dotenv import dotenv_values
from werkzeug.security import generate_password_hash

from tracker import files
from tracker.errors import ConfigError

DEFAULT_ENV_FILE = ".env"
GOOGLE_SHEETS_DEFAULT_URL = "https://sheets.googleapis.com"
SHEET_BACKENDS = ("local", "google")
LOG_FORMATS = ("json", "text")
SMTP_SECURITY = ("starttls", "ssl", "none")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """Everything the app and its workers need to know about their surroundings."""

    sheet_backend: str = "local"
    local_sheet_path: Path = Path("data/finance_tracker.xlsx")
    google_sheet_id: str = ""
    google_credentials: Path | None = None
    google_sheets_api_url: str = GOOGLE_SHEETS_DEFAULT_URL
    inv_worksheet: str = "inv_tbl"
    sheet_timeout_seconds: float = 30.0
    sheet_max_attempts: int = 5
    sheet_backoff_max_seconds: float = 32.0
    demo_rows: int = 150
    database_url: str = "sqlite:///finance_tracker.db"
    scheduler_enabled: bool = True
    snapshot_hour_utc: int = 0
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    log_level: str = "INFO"
    log_format: str = ""                  # json or text; "" = json unless stderr is a terminal
    log_file: Path | None = None          # also append the log lines here (never rotated by the app)
    scheduler_heartbeat_seconds: float = 5.0
    secret_key: str = field(default="", repr=False)
    admin_username: str = "admin"
    admin_password_hash: str = field(default="", repr=False)
    cookie_secure: bool = False
    session_idle_minutes: int = 480
    dashboard_cache_seconds: float = 30.0
    # Notifications (tracker/notify.py): off while neither NOTIFY_SMTP_HOST nor NOTIFY_WEBHOOK_URL is set
    notify_smtp_host: str = ""
    notify_smtp_port: int = 0             # 0: by the security (587 starttls, 465 ssl, 25 none)
    notify_smtp_user: str = ""
    notify_smtp_password: str = field(default="", repr=False)
    notify_smtp_security: str = "starttls"
    notify_from: str = ""
    notify_to: tuple[str, ...] = ()
    notify_webhook_url: str = field(default="", repr=False)   # its address is its secret
    notify_timeout_seconds: float = 20.0

    @property
    def sheet_label(self) -> str:
        """Where the data lives, for messages and the UI (no secrets)."""
        if self.sheet_backend == "google":
            return f"Google Sheet {self.google_sheet_id}"
        return f"local workbook {self.local_sheet_path}"


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("expected true or false")


def parse_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError("expected a whole number") from None


def parse_positive_int(raw: str) -> int:
    value = parse_int(raw)
    if value <= 0:
        raise ValueError("expected a whole number above 0")
    return value


def parse_positive_float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not value > 0:
        raise ValueError("expected a number above 0")
    return value


def parse_seconds(raw: str) -> float:
    """A number of seconds, 0 allowed (0 turns a cache off)."""
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not value >= 0:
        raise ValueError("expected a number of seconds, 0 or more")
    return value


def parse_hour(raw: str) -> int:
    value = parse_int(raw)
    if not 0 <= value <= 23:
        raise ValueError("expected an hour from 0 to 23")
    return value


def parse_port(raw: str) -> int:
    value = parse_int(raw)
    if not 1 <= value <= 65535:
        raise ValueError("expected a port number from 1 to 65535")
    return value


def parse_choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError("expected one of " + ", ".join(choices))
        return value

    return parse


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1): the one place plain http is acceptable."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// address")
    return value


def parse_database_url(raw: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(raw.strip())
    except ArgumentError as exc:
        raise ValueError("expected an SQLAlchemy URL such as sqlite:///finance_tracker.db") from exc
    return raw.strip()


def parse_log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
    return value


def text(raw: str) -> str:
    return raw.strip()


def parse_addresses(raw: str) -> tuple[str, ...]:
    """Comma-separated e-mail addresses."""
    values = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not values or any(" " in v or "@" not in v.strip("@") for v in values):
        raise ValueError("expected comma-separated e-mail addresses, e.g. finance@example.com,ops@example.com")
    return values


def parse_address(raw: str) -> str:
    """One e-mail address, optionally with a name: `tracker@example.com` or `Finance tracker <tracker@example.com>`."""
    from email.utils import parseaddr

    address = parseaddr(raw.strip())[1]
    if " " in address or "@" not in address.strip("@") or "," in raw:
        raise ValueError("expected one e-mail address, e.g. tracker@example.com or Finance tracker <tracker@example.com>")
    return raw.strip()


def parse_password_hash(raw: str) -> str:
    value = raw.strip()
    if not value.startswith(("scrypt:", "pbkdf2:")):
        raise ValueError("expected a hash from werkzeug.security.generate_password_hash (scrypt:... or pbkdf2:...)")
    return value


# variable -> (field name, parser). The defaults are the dataclass defaults above.
_FIELDS: dict[str, tuple[str, Callable[[str], object]]] = {
    "SHEET_BACKEND": ("sheet_backend", parse_choice(SHEET_BACKENDS)),
    "LOCAL_SHEET_PATH": ("local_sheet_path", lambda raw: Path(raw.strip())),
    "GOOGLE_SHEET_ID": ("google_sheet_id", text),
    "GOOGLE_APPLICATION_CREDENTIALS": ("google_credentials", lambda raw: Path(raw.strip()) if raw.strip() else None),
    "GOOGLE_SHEETS_API_URL": ("google_sheets_api_url", parse_url),
    "INV_WORKSHEET": ("inv_worksheet", text),
    "SHEET_TIMEOUT_SECONDS": ("sheet_timeout_seconds", parse_positive_float),
    "SHEET_MAX_ATTEMPTS": ("sheet_max_attempts", parse_positive_int),
    "SHEET_BACKOFF_MAX_SECONDS": ("sheet_backoff_max_seconds", parse_positive_float),
    "DEMO_ROWS": ("demo_rows", parse_positive_int),
    "DATABASE_URL": ("database_url", parse_database_url),
    "SCHEDULER_ENABLED": ("scheduler_enabled", parse_bool),
    "SNAPSHOT_HOUR_UTC": ("snapshot_hour_utc", parse_hour),
    "HOST": ("host", text),
    "PORT": ("port", parse_port),
    "DEBUG": ("debug", parse_bool),
    "LOG_LEVEL": ("log_level", parse_log_level),
    "LOG_FORMAT": ("log_format", parse_choice(LOG_FORMATS)),
    "LOG_FILE": ("log_file", lambda raw: Path(raw.strip())),
    "SCHEDULER_HEARTBEAT_SECONDS": ("scheduler_heartbeat_seconds", parse_positive_float),
    "SECRET_KEY": ("secret_key", text),
    "ADMIN_USERNAME": ("admin_username", text),
    "ADMIN_PASSWORD": ("admin_password_hash", lambda raw: generate_password_hash(raw.strip())),
    "ADMIN_PASSWORD_HASH": ("admin_password_hash", parse_password_hash),
    "SESSION_COOKIE_SECURE": ("cookie_secure", parse_bool),
    "SESSION_IDLE_MINUTES": ("session_idle_minutes", parse_positive_int),
    "DASHBOARD_CACHE_SECONDS": ("dashboard_cache_seconds", parse_seconds),
    "NOTIFY_SMTP_HOST": ("notify_smtp_host", text),
    "NOTIFY_SMTP_PORT": ("notify_smtp_port", parse_port),
    "NOTIFY_SMTP_USER": ("notify_smtp_user", text),
    "NOTIFY_SMTP_PASSWORD": ("notify_smtp_password", text),   # secrets are checked in _notify_problems, never echoed
    "NOTIFY_SMTP_SECURITY": ("notify_smtp_security", parse_choice(SMTP_SECURITY)),
    "NOTIFY_FROM": ("notify_from", parse_address),
    "NOTIFY_TO": ("notify_to", parse_addresses),
    "NOTIFY_WEBHOOK_URL": ("notify_webhook_url", text),
    "NOTIFY_TIMEOUT_SECONDS": ("notify_timeout_seconds", parse_positive_float),
}

SETTING_NAMES = tuple(_FIELDS)


def read_environment(environ: Mapping[str, str] | None = None, env_file: str | Path | None = DEFAULT_ENV_FILE) -> dict[str, str]:
    """The effective variables: `.env` first, the process environment on top (it wins)."""
    merged: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        files.tighten(env_file)   # it holds secrets: 0600 when group or others could read it
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return merged


def parse_fields(env: Mapping[str, str], fields: dict[str, tuple[str, Callable[[str], object]]]
                 ) -> tuple[dict[str, object], list[str]]:
    """Parse every set variable of `fields` (name -> (attribute, parser)); collect problems, don't stop at one."""
    values: dict[str, object] = {}
    problems: list[str] = []
    for name, (attr, parse) in fields.items():
        raw = env.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[attr] = parse(raw)
        except ValueError as exc:
            problems.append(f"{name}={raw!r}: {exc}")
    return values, problems


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = DEFAULT_ENV_FILE) -> Settings:
    """Build validated settings; raise one `ConfigError` naming every bad variable."""
    env = read_environment(environ, env_file)
    values, problems = parse_fields(env, _FIELDS)
    if "sheet_backend" not in values and values.get("google_sheet_id"):
        values["sheet_backend"] = "google"
    if values.get("sheet_backend") == "google":
        problems.extend(_google_problems(values))
    problems.extend(_notify_problems(values))
    if problems:
        raise ConfigError(problems)
    if not values.get("secret_key"):
        # Only demo mode gets here at a real start (QB_ENV=local: quickbooks/demo.py writes one into .env first);
        # any other QB_ENV without SECRET_KEY is refused by load_qb_settings. Tests and tools: one per process.
        values["secret_key"] = secrets.token_urlsafe(32)
    return Settings(**values)


def _google_problems(values: dict[str, object]) -> list[str]:
    problems = []
    if not values.get("google_sheet_id"):
        problems.append("GOOGLE_SHEET_ID is required when SHEET_BACKEND=google: copy the id from the sheet's URL "
                        "(the part between /d/ and /edit)")
    credentials = values.get("google_credentials")
    if credentials is None:
        problems.append("GOOGLE_APPLICATION_CREDENTIALS is required when SHEET_BACKEND=google: the path of the "
                        "service-account JSON key file")
    elif not Path(credentials).is_file():
        problems.append(f"GOOGLE_APPLICATION_CREDENTIALS={str(credentials)!r}: no such file; download the "
                        "service account's JSON key and give its path")
    return problems


def _notify_problems(values: dict[str, object]) -> list[str]:
    """Mail needs a server, a sender and recipients together; a password is never sent in clear text to another
    host; the webhook is https (plain http only on loopback). Secret values are never repeated in a message."""
    problems = []
    host, to, sender = values.get("notify_smtp_host"), values.get("notify_to"), values.get("notify_from")
    if host and not to:
        problems.append("NOTIFY_TO is required when NOTIFY_SMTP_HOST is set: the comma-separated addresses to write to")
    if host and not sender:
        problems.append("NOTIFY_FROM is required when NOTIFY_SMTP_HOST is set: the address the messages come from")
    if (to or sender) and not host:
        problems.append("NOTIFY_SMTP_HOST is required when NOTIFY_TO or NOTIFY_FROM is set: the mail server's name")
    if bool(values.get("notify_smtp_user")) != bool(values.get("notify_smtp_password")):
        problems.append("NOTIFY_SMTP_USER and NOTIFY_SMTP_PASSWORD go together: set both, or neither for a server "
                        "that takes mail without logging in")
    if (values.get("notify_smtp_security") == "none" and values.get("notify_smtp_password") and host
            and not is_loopback(str(host))):
        problems.append("NOTIFY_SMTP_SECURITY=none would send NOTIFY_SMTP_PASSWORD in clear text: use starttls or ssl")
    url = str(values.get("notify_webhook_url") or "")
    scheme, _, rest = url.partition("://")
    hostname = rest.split("/", 1)[0].rsplit("@", 1)[-1].rsplit(":", 1)[0].strip("[]")
    if url and not (scheme == "https" and hostname) and not (scheme == "http" and is_loopback(hostname)):
        problems.append("NOTIFY_WEBHOOK_URL: expected an https:// address (plain http only on this machine's "
                        "loopback); the value is not shown here, it is a secret")
    return problems


def current_settings() -> Settings:
    """The settings of the app serving the current request (set by `create_app`)."""
    from flask import current_app

    return current_app.config["TRACKER_SETTINGS"]
