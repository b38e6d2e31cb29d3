"""Logging for the app and the workers: one format, to stderr (let systemd/journald or docker rotate)."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Idempotent: safe to call from create_app and from the CLI."""
    root = logging.getLogger()
    if not any(getattr(handler, "_tracker", False) for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._tracker = True
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.INFO if level == "DEBUG" else logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
