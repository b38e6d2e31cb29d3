"""Where a result lands on the sheet, and what it says there. Pure: the I/O is in `quickbooks/writeback.py`.

Rows move between our read and our write (people insert, sort, delete). So a result is addressed by the row's
key (the `invoice` cell), re-found in a fresh read just before writing; when a key appears on several rows, the
row's fingerprint (a hash of its own cells) picks the one meant. A key that vanished or cannot be told apart is
not placed: its result stays in the audit and is written on a later run.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping, Sequence

from quickbooks.rules.directions import Direction
from quickbooks.rules.lifecycle import lifecycle_cells
from quickbooks.rules.records import AuditRow
from quickbooks.rules.statuses import RowStatus
from quickbooks.rules.values import iso_utc
from spreadsheet.schema import SOURCE_HEADERS, HeaderMap

__all__ = ["row_fingerprint", "Target", "RowIndex", "result_target", "created_cells", "failed_cells",
           "skipped_cells", "CellChange"]

CellChange = tuple[int, int, str]   # 1-based sheet row, 1-based column, new text


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
    shared: bool = False


def result_target(direction: Direction, key: str, fingerprint: str | None, cells: Mapping[str, str],
                  grouped: bool) -> Target:
    """The one grouping rule: a grouped invoice's result belongs on all its rows, otherwise on the row with this
    content; a failure (no id) may go on every identical row."""
    failed = cells.get(direction.columns.status) == RowStatus.FAILED
    return Target(key, None if grouped else fingerprint, cells, shared=failed)


def created_cells(direction: Direction, audit: AuditRow) -> dict[str, str]:
    """A created transaction's cells: id, link, `synced`, and what QuickBooks last said of it (balance, paid
    date; voided or deleted instead of `synced`)."""
    cols = direction.columns
    cells = {cols.id: audit.qb_id or "", cols.url: audit.qb_url or "", cols.status: RowStatus.SYNCED.value,
             cols.error: ""}
    if cols.synced_at:
        cells[cols.synced_at] = iso_utc(audit.updated_at)
    return {**cells, **lifecycle_cells(direction, audit)}


def failed_cells(direction: Direction, message: str) -> dict[str, str]:
    cols = direction.columns
    return {cols.status: RowStatus.FAILED.value, cols.error: message}


def skipped_cells(direction: Direction, note: str) -> dict[str, str]:
    cols = direction.columns
    return {cols.status: RowStatus.SKIPPED.value, cols.error: note}


class RowIndex:
    """Where each key sits in one read of the sheet (header row first)."""

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

    def changes(self, target: Target) -> tuple[list[CellChange], bool]:
        """The cells that differ from `target.cells` on its rows, and whether the rows were found.

        A target naming a column the sheet lacks is not placed (it waits for `migrate`)."""
        if any(name not in self.headers for name in target.cells):
            return [], False
        rows = self.locate(target)
        changes = []
        for number in rows:
            row = self.rows[number - 1]
            for name, value in target.cells.items():
                if self.headers.get(row, name) != value:
                    changes.append((number, self.headers.index(name) + 1, value))
        return changes, bool(rows)
