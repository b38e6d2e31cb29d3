"""Logging for the app and the workers: one place, stderr by default, JSON lines for the sync CLI.

JSON lines (`{"ts", "level", "logger", "message", ...extra}`) are what log shippers parse; the file handler
rotates by size. Log files and their rotations are created with mode 0600 (owner only); an existing one that
group or others may read is set to 0600, with a warning. Secrets never get here: tokens are not logged anywhere, and the OAuth libraries' DEBUG
output (which contains them) is silenced in quickbooks/oauth.py.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
from pathlib import Path

from tracker import files

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
LOG_BACKUPS = 5


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A size-rotated log whose files (the current one and each new one after a rotation) are mode 0600."""

    def _open(self):
        return open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors,
                    opener=files.private_opener)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", *, json_lines: bool = False, log_file: Path | None = None) -> None:
    """Idempotent: safe to call from create_app and from the CLI."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_tracker", False)]:
        root.removeHandler(handler)
        handler.close()
    formatter = JsonFormatter() if json_lines else logging.Formatter(FORMAT)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        for existing in (log_file, *(Path(f"{log_file}.{n}") for n in range(1, LOG_BACKUPS + 1))):
            files.tighten(existing)
        handlers.append(PrivateRotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=LOG_BACKUPS,
                                                   encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._tracker = True
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.INFO if level == "DEBUG" else logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.INFO if level == "DEBUG" else logging.WARNING)
