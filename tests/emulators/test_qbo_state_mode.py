"""The demo emulator's state file holds the demo grant's tokens: owner-only when written, whatever the umask;
one that group or others may read is set to 600 at load, with a warning; a tighter mode is kept."""

from __future__ import annotations

import logging
import os

from emulators.qbo import QboEmulator
from emulators.qbo_state import save_state


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_the_state_file_is_written_owner_only(tmp_path):
    state = tmp_path / "data" / "qbo_emulator.json"
    old_umask = os.umask(0o022)
    try:
        emulator = QboEmulator(state_file=state)
        emulator.issue_tokens()
        save_state(emulator)
    finally:
        os.umask(old_umask)
    assert _mode(state) == 0o600
    state.chmod(0o400)
    save_state(emulator)
    assert _mode(state) == 0o400


def test_a_state_file_readable_by_others_is_set_to_600_at_load_and_logged(tmp_path, caplog):
    state = tmp_path / "qbo_emulator.json"
    first = QboEmulator(state_file=state)
    tokens = first.issue_tokens()
    save_state(first)
    state.chmod(0o644)
    caplog.set_level(logging.WARNING, logger="emulators.qbo")
    second = QboEmulator(state_file=state)
    assert _mode(state) == 0o600
    assert any(str(state) in r.getMessage() and "644" in r.getMessage() and "set to 600" in r.getMessage()
               for r in caplog.records)
    assert tokens["refresh_token"] in second.oauth.refresh_tokens
