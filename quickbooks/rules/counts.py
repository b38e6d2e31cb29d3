"""What a run did, as typed counts: per direction, and the writeback kept apart (it is not a direction).

Stored in `sync_runs.counts_json` as {"invoice": {...}, "bill": {...}, "writeback": {...}} with zeros left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from quickbooks.rules.directions import Direction

__all__ = ["DirectionCounts", "WritebackCounts", "RunCounts"]


@dataclass
class DirectionCounts:
    synced: int = 0          # created (or found in QuickBooks) this run
    adopted: int = 0         # of `synced`: a duplicate number QuickBooks already held for this row
    recovered: int = 0       # of `synced`: an intent of a run that died, found in QuickBooks
    already_synced: int = 0  # created by an earlier run; only written back
    failed: int = 0
    pending: int = 0         # left for a later run: --limit, a stop request, QuickBooks unreachable
    skipped: int = 0         # Bills while they are off
    would_create: int = 0    # dry run
    # After creation (quickbooks/rules/lifecycle.py, edits.py)
    changed: int = 0         # synced rows edited since, flagged (QB_ON_EDIT=flag, or not updatable)
    updated: int = 0         # synced rows edited since, updated in QuickBooks (QB_ON_EDIT=update)
    marked_paid: int = 0     # rows whose status the sync set to paid (QuickBooks says fully paid)
    unmarked_paid: int = 0   # rows set back from paid: a payment was deleted in QuickBooks
    bills_paid: int = 0      # BillPayments created for Bills the sheet marks paid (QB_AUTO_MARK_BILL_PAID)

    def nonzero(self) -> dict[str, int]:
        return {name: n for name, n in asdict(self).items() if n}


@dataclass
class WritebackCounts:
    cells: int = 0           # sheet cells written
    awaiting: int = 0        # results not written: their invoice number vanished or appears twice

    def nonzero(self) -> dict[str, int]:
        return {name: n for name, n in asdict(self).items() if n}


@dataclass
class RunCounts:
    directions: dict[Direction, DirectionCounts] = field(default_factory=dict)
    writeback: WritebackCounts = field(default_factory=WritebackCounts)

    def of(self, direction: Direction) -> DirectionCounts:
        return self.directions.setdefault(direction, DirectionCounts())

    def total(self, what: str) -> int:
        """One count summed over the directions, e.g. ``total("pending")``."""
        return sum(getattr(counts, what) for counts in self.directions.values())

    def to_json(self) -> dict[str, dict[str, int]]:
        out = {d.value: c.nonzero() for d, c in self.directions.items() if c.nonzero()}
        if self.writeback.nonzero():
            out["writeback"] = self.writeback.nonzero()
        return out

    @classmethod
    def from_json(cls, data: dict) -> "RunCounts":
        counts = cls()
        known = {f.name for f in fields(DirectionCounts)}
        for direction in Direction:
            for name, n in (data.get(direction.value) or {}).items():
                if name in known:
                    setattr(counts.of(direction), name, int(n))
        wb = data.get("writeback") or {}
        counts.writeback = WritebackCounts(int(wb.get("cells", 0)), int(wb.get("awaiting", 0)))
        return counts

    def summary(self) -> str:
        """One line for logs and the CLI: ``invoice: 3 synced, 1 failed; writeback: 12 cells``."""
        parts = [f"{name}: " + ", ".join(f"{n} {what}" for what, n in sorted(c.items()))
                 for name, c in sorted(self.to_json().items())]
        return "; ".join(parts) or "nothing to do"
