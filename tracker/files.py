"""Files only their owner may read: `.env`, the SQLite database (and its -wal/-shm), the logs, the demo's files.

Each is created with mode 0600 from the start (`os.open(..., 0o600)`), never written first and chmod'ed after,
so there is no moment when another user could open it. A file that already exists keeps its mode, unless
group or others may use it: `tighten` then sets it to 0600 and logs a warning saying so.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

PRIVATE_MODE = 0o600
log = logging.getLogger(__name__)


def private_opener(path: str, flags: int) -> int:
    """An `opener` for `open()`: a file it creates gets mode 0600, whatever the umask."""
    return os.open(path, flags, PRIVATE_MODE)


def create_private(path: Path | str) -> None:
    """Create `path` empty with mode 0600 if it does not exist (safe when several processes race to do it)."""
    if os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    except FileExistsError:
        pass   # another process created it first


def append_private(path: Path | str, text: str) -> None:
    """Append `text` to `path`, creating it with mode 0600 when missing."""
    with open(path, "a", encoding="utf-8", opener=private_opener) as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def write_private(path: Path | str, text: str) -> None:
    """Replace `path` with `text` atomically; the new file has mode 0600 from its creation."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), PRIVATE_MODE)   # a leftover temp file may have had another mode
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def tighten(path: Path | str) -> bool:
    """Set `path` to 0600 when group or others may use it; log that it was done. False when nothing changed."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    if not mode & 0o077:
        return False
    try:
        os.chmod(path, PRIVATE_MODE)
    except OSError as exc:
        log.warning("%s is readable by group or others (mode %03o) and could not be set to 600: %s",
                    path, mode, exc)
        return False
    log.warning("%s was readable by group or others (mode %03o): set to 600, as it holds secrets", path, mode)
    return True
