"""Fixtures shared by the tracker tests."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def restore_logging():
    """Whatever a test does to the root logger (configure_logging adds handlers) is undone after it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
