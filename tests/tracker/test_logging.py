"""Logs of several processes: one JSON line per event with the pid (and a run's run_id), text for a terminal, a file
only when LOG_FILE is set, and a file that several processes append to without one rotating it under the others."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from tracker.logging_setup import configure_logging, log_fields, resolve_format

ROOT = Path(__file__).resolve().parents[2]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_format_is_json_unless_stderr_is_a_terminal_or_it_is_chosen():
    assert resolve_format("", io.StringIO()) == "json"
    assert resolve_format("", _Tty()) == "text"
    assert resolve_format("json", _Tty()) == "json" and resolve_format("text", io.StringIO()) == "text"


def test_json_lines_carry_the_pid_and_the_bound_run_id(tmp_path, restore_logging):
    log_file = tmp_path / "app.log"
    configure_logging("INFO", log_format="json", log_file=log_file)
    log = logging.getLogger("test.logging")
    log.info("before")
    with log_fields() as fields:
        fields["run_id"] = 42
        log.info("inside\nover two lines")
        with log_fields(direction="invoice"):
            log.warning("nested")
    log.info("after")
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [entry["message"] for entry in lines] == ["before", "inside\nover two lines", "nested", "after"]
    assert {entry["pid"] for entry in lines} == {os.getpid()}
    assert [entry.get("run_id") for entry in lines] == [None, 42, 42, None]
    assert lines[2]["direction"] == "invoice" and "direction" not in lines[3]


def test_text_lines_name_the_pid_and_the_fields(tmp_path, restore_logging):
    log_file = tmp_path / "app.log"
    configure_logging("INFO", log_format="text", log_file=log_file)
    with log_fields(run_id=7):
        logging.getLogger("test.logging").info("hello")
    assert f"INFO test.logging [pid {os.getpid()} run_id=7]: hello" in log_file.read_text()


def test_no_file_unless_log_file_is_set(tmp_path, restore_logging, monkeypatch):
    monkeypatch.chdir(tmp_path)
    configure_logging("INFO", log_format="json")
    logging.getLogger("test.logging").info("to stderr only")
    assert list(tmp_path.iterdir()) == []


def test_four_processes_append_whole_lines_to_one_file(tmp_path):
    """Every line of every writer arrives whole and once; nothing is rotated or lost."""
    script = ("import logging, sys\nfrom pathlib import Path\nfrom tracker.logging_setup import configure_logging\n"
              "configure_logging('INFO', log_format='json', log_file=Path(sys.argv[1]))\n"
              "for n in range(500): logging.getLogger('w').info('line %d %s', n, 'x' * 200)\n")
    log_file = tmp_path / "shared.log"
    writers = [subprocess.Popen([sys.executable, "-c", script, str(log_file)], cwd=ROOT, stderr=subprocess.DEVNULL)
               for _ in range(4)]
    assert [w.wait(timeout=60) for w in writers] == [0, 0, 0, 0]
    entries = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert len(entries) == 2000 and len({e["pid"] for e in entries}) == 4
    assert sorted(files.name for files in tmp_path.iterdir()) == ["shared.log"]
