"""Writing the sync's results back onto the right sheet rows, in one RAW batch per run.

Which row a result belongs to is decided by `quickbooks/rules/placement.py`; this module does the I/O: a fresh
read just before writing (rows may have moved since the run's first read), then one batch of the cells whose
text differs, so a run with nothing new writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from quickbooks.rules.placement import RowIndex, Target
from spreadsheet.base import CellUpdate, Worksheet
from spreadsheet.schema import Table, read_table


@dataclass
class WritebackResult:
    cells_written: int = 0
    placed: list[Target] = field(default_factory=list)
    unplaced: list[Target] = field(default_factory=list)
    reads: int = 0
    writes: int = 0


def write_back(worksheet: Worksheet, first_read: Table, targets: Sequence[Target]) -> WritebackResult:
    """Write what differs: nothing to do costs no call; otherwise one fresh read and one batch write."""
    result = WritebackResult()
    first = RowIndex(first_read.headers, first_read.rows)
    if not any(first.changes(target)[0] for target in targets):
        for target in targets:
            (result.placed if first.changes(target)[1] else result.unplaced).append(target)
        return result
    fresh_read = read_table(worksheet)
    fresh = RowIndex(fresh_read.headers, fresh_read.rows)
    result.reads = 1
    updates: list[CellUpdate] = []
    for target in targets:
        changes, found = fresh.changes(target)
        (result.placed if found else result.unplaced).append(target)
        updates.extend(CellUpdate(*change) for change in changes)
    if updates:
        result.cells_written = worksheet.write_cells(updates)
        result.writes = 1
    return result

