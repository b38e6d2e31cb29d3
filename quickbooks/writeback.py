"""Writing the sync's results back onto the right sheet rows, in one RAW batch per run.

Rows move between our read and our write (people insert, sort, delete). So a result is addressed by the
row's key (the `invoice` cell), re-found in a fresh read just before writing; when a key appears on several
rows, the row's fingerprint (a hash of its own cells) picks the one meant. A key that vanished or cannot be
told apart is not written: its result stays in the audit and is written on a later run. Only cells whose
text differs are sent, so a run with nothing new writes nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from sankey_helpers import SOURCE_HEADERS, HeaderMap, validate_headers
from spreadsheet.base import CellUpdate, Worksheet


def row_fingerprint(rows: Sequence[Mapping[str, str]]) -> str:
    """A hash of the people-maintained cells of one or more rows (the qb_* cells are ours, so left out)."""
    digest = hashlib.sha256()
    for values in rows:
        for name in SOURCE_HEADERS:
            digest.update(values.get(name, "").strip().encode() + b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()


@dataclass(frozen=True)
class Target:
    """Cells to show on the row(s) holding `key`; `fingerprint=None` means every row with that key.

    `shared=True` (failures and skip notes, never an id) applies the cells to every row that has this key and
    fingerprint: identical rows fail identically, so none of them is left without its message."""

    key: str
    fingerprint: str | None
    cells: Mapping[str, str]
    tag: str = ""  # what the result is about (direction and state), for counting
    shared: bool = False


@dataclass
class WritebackResult:
    cells_written: int = 0
    placed: list[Target] = field(default_factory=list)
    unplaced: list[Target] = field(default_factory=list)
    reads: int = 0
    writes: int = 0


class RowIndex:
    """Where each key sits in one read of the sheet."""

    def __init__(self, headers: HeaderMap, rows: Sequence[Sequence[str]]):
        self.headers = headers
        self.rows = rows
        self._by_key: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for offset, row in enumerate(rows[1:], start=2):
            values = {name: headers.get(row, name) for name in SOURCE_HEADERS}
            if any(v.strip() for v in values.values()):
                self._by_key[values["invoice"].strip()].append((offset, row_fingerprint([values])))

    def locate(self, target: Target) -> list[int]:
        """Sheet row numbers meant by `target`; [] when the key vanished or is ambiguous."""
        found = self._by_key.get(target.key, [])
        if target.fingerprint is None or len(found) == 1:
            return [row for row, _ in found]
        matching = [row for row, fp in found if fp == target.fingerprint]
        return matching if len(matching) == 1 or target.shared else []

    def updates(self, target: Target) -> tuple[list[CellUpdate], bool]:
        """The cells that differ from `target.cells` on its rows, and whether the rows were found."""
        rows = self.locate(target)
        changes = []
        for number in rows:
            row = self.rows[number - 1]
            for name, value in target.cells.items():
                if self.headers.get(row, name) != value:
                    changes.append(CellUpdate(number, self.headers.index(name) + 1, value))
        return changes, bool(rows)


def write_back(worksheet: Worksheet, first_read: Sequence[Sequence[str]], first_headers: HeaderMap,
               targets: Sequence[Target]) -> WritebackResult:
    """Write what differs: nothing to do costs no call; otherwise one fresh read and one batch write."""
    result = WritebackResult()
    first = RowIndex(first_headers, first_read)
    if not any(first.updates(target)[0] for target in targets):
        result.placed = [t for t in targets if first.locate(t)]
        result.unplaced = [t for t in targets if not first.locate(t)]
        return result
    fresh_rows = worksheet.read_all()
    result.reads = 1
    fresh_headers = validate_headers(worksheet.title, fresh_rows[0] if fresh_rows else [], list(SOURCE_HEADERS),
                                     fresh_rows[1:])
    fresh = RowIndex(fresh_headers, fresh_rows)
    updates: list[CellUpdate] = []
    for target in targets:
        missing = [name for name in target.cells if name not in fresh_headers]
        changes, found = fresh.updates(target) if not missing else ([], False)
        (result.placed if found else result.unplaced).append(target)
        updates.extend(changes)
    if updates:
        result.cells_written = worksheet.write_cells(updates)
        result.writes = 1
    return result
