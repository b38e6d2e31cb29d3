"""What the dashboard pages show: `inv_tbl` records, or a plain message when the sheet cannot be used.

The records stay on the server. Each process keeps one copy of the table (`SheetCache`), so a page load or a
filter click costs no sheet read: a local workbook is read again when its file changes (modification time, size
or inode: the workbook is saved by an atomic rename), a Google Sheet at most every DASHBOARD_CACHE_SECONDS. A
broken sheet is never cached: it becomes the message on the page, as before, and the next request tries again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

import acd
from spreadsheet.schema import Table
from tracker.errors import TrackerError
from tracker.settings import Settings, current_settings

log = logging.getLogger(__name__)
CACHE_KEY = "dashboard_sheet_cache"   # where the app's cache lives in `server.extensions`


class Memo:
    """Results worth keeping as long as one copy of the sheet is shown (the overview's figures for a filter, the
    grid's sorted rows for a query): the last `size` of them, dropped with the copy when the sheet changes."""

    def __init__(self, size: int = 32):
        self._size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()   # outside the lock: two threads may both compute it once, none waits on the other
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class PageData:
    records: list[dict] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    source: str = ""
    error: str | None = None
    memo: Memo = field(default_factory=Memo, compare=False, repr=False)

    def remember(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """`compute()` once per `key` for this copy of the sheet (its records are never changed, only replaced)."""
        return self.memo.get(key, compute)


@dataclass(frozen=True)
class _Entry:
    source: tuple           # which sheet: backend, path or id, worksheet
    version: tuple | None   # the local file's (mtime, size, inode); None for Google
    read_at: float          # monotonic seconds
    data: PageData


def _source(settings: Settings) -> tuple:
    if settings.sheet_backend == "google":
        return ("google", settings.google_sheet_id, settings.google_sheets_api_url, settings.inv_worksheet)
    return ("local", str(settings.local_sheet_path), settings.inv_worksheet)


def _file_version(settings: Settings) -> tuple | None:
    """What tells an edited workbook from the one read before; None when there is no file (the read says why)."""
    try:
        stat = os.stat(settings.local_sheet_path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _read(settings: Settings) -> PageData:
    """One read of the sheet, looked up at call time so that tests and benchmarks can wrap it."""
    table: Table = acd.load_inv_table(settings)
    return PageData(table.records, table.headers.names, settings.sheet_label)


class SheetCache:
    """The last `inv_tbl` read by this process, shared by every request and thread.

    One thread refills at a time. The others wait for it, unless they have a copy of the same sheet already:
    then they answer with that copy rather than queue behind a slow Google read.
    """

    def __init__(self, read: Callable[[Settings], PageData] = _read, clock: Callable[[], float] = time.monotonic):
        self._read, self._clock = read, clock
        self._entry: _Entry | None = None
        self._refill = threading.Lock()

    def get(self, settings: Settings) -> PageData:
        """The table of `settings`' sheet; raises `TrackerError` when it cannot be read (nothing is cached then)."""
        source = _source(settings)
        version = _file_version(settings) if source[0] == "local" else None
        entry = self._entry
        if self._fresh(entry, source, version, settings):
            return entry.data
        if entry is not None and entry.source == source:
            if not self._refill.acquire(blocking=False):
                return entry.data   # another thread is reading it right now: the copy we have will do
        else:
            self._refill.acquire()
        try:
            entry = self._entry
            if self._fresh(entry, source, version, settings):
                return entry.data
            data = self._read(settings)
            self._entry = _Entry(source, version, self._clock(), data)
            return data
        finally:
            self._refill.release()

    def _fresh(self, entry: _Entry | None, source: tuple, version: tuple | None, settings: Settings) -> bool:
        if entry is None or entry.source != source:
            return False
        if source[0] == "local":
            return version is not None and entry.version == version
        return self._clock() - entry.read_at < settings.dashboard_cache_seconds


def sheet_cache() -> SheetCache:
    """The cache of the app serving this request (one per app, so each test app or benchmark starts empty)."""
    from flask import current_app

    cache = current_app.extensions.get(CACHE_KEY)
    return cache if cache is not None else current_app.extensions.setdefault(CACHE_KEY, SheetCache())


def load_page_data() -> PageData:
    """The sheet's records, from the cache; a sheet that cannot be read is a `PageData` holding the message."""
    settings = current_settings()
    try:
        return sheet_cache().get(settings)
    except TrackerError as exc:
        log.warning("Dashboard could not read %s: %s", settings.sheet_label, exc)
        return PageData(source=settings.sheet_label, error=str(exc))
