"""Logging for the app, its workers and the CLI: one place, one line per event on stderr, a file only if asked.

`LOG_FORMAT=json` (the default when stderr is not a terminal: systemd, journald, a platform, a pipe) writes JSON
lines (`{"ts", "level", "logger", "pid", "message", ...extra}`), one per event, tracebacks included, which is what
log shippers parse; `LOG_FORMAT=text` (the default on a terminal) writes a line a person reads. Every line carries
the process id, and the fields bound by `log_fields` (a sync run binds its `run_id`), so the lines of several
gunicorn workers, the CLI and a second host can be told apart.

`LOG_FILE` also appends the same lines to a file. The app never rotates it: several processes (gunicorn workers,
cron's run-once, the daemon) may write the same file, and a size-rotating handler in each of them would rename the
file under the others (their lines then land in the rotated file, and each rotates again). `WatchedFileHandler`
only appends (O_APPEND: whole lines from every process) and reopens the file when logrotate has moved it away, so
rotation is logrotate's job, done once (README, "Deployment"). Log files are created with mode 0600 (owner only);
an existing one, or a rotation of it, that group or others may read is set to 0600, with a warning. Secrets never
get here: tokens are not logged anywhere, and the OAuth libraries' DEBUG output (which contains them) is silenced
in quickbooks/oauth.py.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import logging.handlers
import sys
from pathlib import Path
from typing import Iterator, TextIO

from tracker import files

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(fields)s]: %(message)s"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_FIELDS: contextvars.ContextVar[dict] = contextvars.ContextVar("tracker_log_fields", default={})


@contextlib.contextmanager
def log_fields(**fields) -> Iterator[dict]:
    """Bind fields to every line logged in this thread inside the block; the yielded dict may gain more later
    (`fields["run_id"] = ...` once the run has its id). The outer fields stay, and come back after the block."""
    bound = {**_FIELDS.get(), **fields}
    token = _FIELDS.set(bound)
    try:
        yield bound
    finally:
        _FIELDS.reset(token)


class FieldsFilter(logging.Filter):
    """Puts the bound fields on each record (`record._fields`, and each as an attribute for JSON)."""

    def filter(self, record: logging.LogRecord) -> bool:
        bound = dict(_FIELDS.get())
        for name, value in bound.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        record._fields = bound
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        bound = getattr(record, "_fields", {})
        record.fields = " ".join([f"pid {record.process}", *(f"{k}={v}" for k, v in bound.items())])
        return super().format(record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "pid": record.process,
                 "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items()
                      if k not in _STANDARD and k != "fields" and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PrivateWatchedFileHandler(logging.handlers.WatchedFileHandler):
    """Appends to a file (mode 0600 when created) and reopens it when it was moved or deleted (logrotate)."""

    def _open(self):
        return open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors,
                    opener=files.private_opener)


def resolve_format(log_format: str = "", stream: TextIO | None = None) -> str:
    """`json` or `text`: as asked, else text on a terminal and JSON lines everywhere else."""
    if log_format:
        return log_format
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def configure_logging(level: str = "INFO", *, log_format: str = "", log_file: Path | None = None) -> None:
    """Idempotent: safe to call from create_app (once per worker) and from the CLI."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_tracker", False)]:
        root.removeHandler(handler)
        handler.close()
    formatter = TextFormatter() if resolve_format(log_format) == "text" else JsonFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        log_file = Path(log_file)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        for existing in (log_file, *sorted(log_file.parent.glob(f"{log_file.name}.*"))):
            files.tighten(existing)
        handlers.append(PrivateWatchedFileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(FieldsFilter())
        handler._tracker = True
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.INFO if level == "DEBUG" else logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.INFO if level == "DEBUG" else logging.WARNING)
