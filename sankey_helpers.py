"""Worksheet headers, row records and the money-flow figures of the finance tracker.

Everything here is pure (no I/O) so the dashboards, the QuickBooks sync and the tests share one reading of
the sheet: columns are found by header name, never by position, and extra columns survive untouched.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

import plotly.graph_objects as go

from tracker.errors import HeaderError
from spreadsheet.base import column_letter
from spreadsheet.cells import month_key, parse_amount, parse_date

__all__ = [
    "INV_TBL", "WORKSHEET_NAMES", "SOURCE_HEADERS", "QB_HEADERS", "QB_INVOICE_HEADERS", "QB_BILL_HEADERS", "EXPECTED_HEADERS",
    "HeaderMap", "validate_headers", "rows_to_records", "inv_tbl_records",
    "parse_amount", "parse_date", "month_key",
    "build_sankey", "totals_by_status", "totals_by_month", "NO_NAME", "NO_DATE", "OTHER",
]

INV_TBL = "inv_tbl"
WORKSHEET_NAMES: dict[int, str] = {1: INV_TBL}

# The columns people maintain. They are required: without them the dashboards and the sync cannot work.
SOURCE_HEADERS: tuple[str, ...] = (
    "invoice", "inv_link", "status", "inv_from", "to_client", "end_client", "task_descr", "job_name",
    "inv_dollars", "owed2ACD", "owed2workers", "submitted_date", "Inv_paid_date", "job_start", "job_end",
    "notes", "thread",
)
# Written by the sync only; its `migrate` step appends the missing ones, so validation must not demand them.
QB_INVOICE_HEADERS: tuple[str, ...] = ("qb_invoice_id", "qb_invoice_url", "qb_sync_status", "qb_synced_at", "qb_error")
QB_BILL_HEADERS: tuple[str, ...] = ("qb_bill_id", "qb_bill_url", "qb_bill_status", "qb_bill_error")  # dual mode
QB_HEADERS: tuple[str, ...] = (*QB_INVOICE_HEADERS, *QB_BILL_HEADERS)
# Keyed by worksheet index, as the existing code does; `inv_tbl` is worksheet 1.
EXPECTED_HEADERS: dict[int, list[str]] = {1: [*SOURCE_HEADERS, *QB_HEADERS]}

NO_NAME = "(none)"
NO_DATE = "(no date)"
OTHER = "Other"


# --------------------------------------------------------------------------------------------------- headers

def _cell_text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class HeaderMap:
    """Where each named column sits in a worksheet, so code reads cells by name and survives reordering.

    ``names`` lists every non-blank header in sheet order, extras included.
    """

    worksheet: str
    columns: tuple[tuple[str, int], ...]
    width: int = 0
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", dict(self.columns))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def index(self, name: str) -> int:
        """0-based column of ``name``; ``KeyError`` when the sheet has no such column."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"worksheet '{self.worksheet}' has no column '{name}'") from None

    def get(self, row: Sequence[Any], name: str, default: str = "") -> str:
        """The cell of ``row`` under ``name``; ``default`` when the row is short or the column is absent.

        Sheets APIs drop trailing empty cells, and the qb_* columns may not exist yet, so neither is an error.
        """
        col = self._index.get(name)
        if col is None or col >= len(row) or row[col] is None:
            return default
        return _cell_text(row[col])

    def missing(self, names: Iterable[str]) -> list[str]:
        """Those of ``names`` that the sheet lacks, in the order given."""
        return [name for name in names if name not in self._index]


def validate_headers(
    worksheet: str,
    header_row: Sequence[Any],
    required: Iterable[str],
    data_rows: Sequence[Sequence[Any]] | None = None,
) -> HeaderMap:
    """Check row 1 and map header names to columns; raise one ``HeaderError`` naming every problem.

    Names are compared after stripping spaces, otherwise exactly (``Inv_paid_date`` is spelled that way).
    A blank header is a problem only when ``data_rows`` hold something in that column: data nobody can name
    would be lost. Unknown columns are kept.
    """
    names = [_cell_text(cell).strip() for cell in header_row]
    columns: list[tuple[str, int]] = []
    seen: set[str] = set()
    duplicate: list[str] = []
    for col, name in enumerate(names):
        if not name:
            continue
        if name in seen:
            if name not in duplicate:
                duplicate.append(name)
            continue
        seen.add(name)
        columns.append((name, col))

    missing = [name.strip() for name in required if name.strip() not in seen]

    unnamed_with_data: set[int] = set()
    for row in data_rows or ():
        for col, cell in enumerate(row):
            if (col >= len(names) or not names[col]) and _cell_text(cell).strip():
                unnamed_with_data.add(col)
    blank_columns = [column_letter(col + 1) for col in sorted(unnamed_with_data)]

    if missing or duplicate or blank_columns:
        raise HeaderError(worksheet, missing=missing, duplicate=duplicate, blank_columns=blank_columns)
    return HeaderMap(worksheet, tuple(columns), width=len(names))


def rows_to_records(
    header_map: HeaderMap, rows: Iterable[Sequence[Any]], first_row: int = 2
) -> list[dict[str, Any]]:
    """Turn data rows into dicts keyed by header (extras too), skipping rows that are entirely blank.

    Each record carries ``"_row"``, its 1-based sheet row (the header is row 1), so a write-back or an
    error message can point at the right row even after blank rows were skipped.
    """
    names = header_map.names
    records = []
    for offset, row in enumerate(rows):
        if not any(_cell_text(cell).strip() for cell in row):
            continue
        record: dict[str, Any] = {name: header_map.get(row, name) for name in names}
        record["_row"] = first_row + offset
        records.append(record)
    return records


def inv_tbl_records(values: Sequence[Sequence[Any]]) -> tuple[HeaderMap, list[dict[str, Any]]]:
    """Validate an ``inv_tbl`` read in one call (header row first) and return its map and records."""
    if not values:
        raise HeaderError(INV_TBL, missing=list(SOURCE_HEADERS))
    header_map = validate_headers(INV_TBL, values[0], SOURCE_HEADERS, values[1:])
    return header_map, rows_to_records(header_map, values[1:])


# ---------------------------------------------------------------------------------------------- aggregation

class _Names:
    """Groups spellings of one party case- and space-insensitively (``"acd "`` is ``ACD``) and labels each
    group with its most frequent spelling."""

    def __init__(self) -> None:
        self._spellings: dict[str, Counter[str]] = defaultdict(Counter)

    def key(self, raw: Any) -> str:
        text = " ".join(_cell_text(raw).split())
        if not text:
            return NO_NAME.casefold()
        key = text.casefold()
        self._spellings[key][text] += 1
        return key

    def label(self, key: str) -> str:
        spellings = self._spellings.get(key)
        return spellings.most_common(1)[0][0] if spellings else NO_NAME


def _status_of(record: Mapping[str, Any]) -> str:
    return _cell_text(record.get("status")).strip().lower() or NO_NAME


_STATUS_ORDER = ("draft", "submitted", "pending", "paid", "void")


def totals_by_status(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Count and ``inv_dollars`` total per status (``" Pending "`` counts as ``pending``).

    Known statuses come in lifecycle order, then others alphabetically. Unreadable amounts still count as
    rows but add nothing to the total; ``unparsed`` says how many, so a chart can flag them.
    """
    groups: dict[str, dict[str, Any]] = {}
    for record in records:
        status = _status_of(record)
        group = groups.setdefault(status, {"status": status, "count": 0, "total": Decimal(0), "unparsed": 0})
        _add_amount(group, record)
    rank = {status: i for i, status in enumerate(_STATUS_ORDER)}
    return sorted(groups.values(), key=lambda g: (rank.get(g["status"], len(rank)), g["status"]))


def totals_by_month(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Count and ``inv_dollars`` total per month of ``submitted_date`` (``"YYYY-MM"``), oldest first.

    Rows without a usable date are grouped under ``"(no date)"``, last, rather than dropped.
    """
    groups: dict[str, dict[str, Any]] = {}
    for record in records:
        month = month_key(record.get("submitted_date")) or NO_DATE
        group = groups.setdefault(month, {"month": month, "count": 0, "total": Decimal(0), "unparsed": 0})
        _add_amount(group, record)
    return sorted(groups.values(), key=lambda g: (g["month"] == NO_DATE, g["month"]))


def _add_amount(group: dict[str, Any], record: Mapping[str, Any]) -> None:
    group["count"] += 1
    amount = parse_amount(record.get("inv_dollars"))
    if amount is None:
        if _cell_text(record.get("inv_dollars")).strip():
            group["unparsed"] += 1
    else:
        group["total"] += amount


# --------------------------------------------------------------------------------------------------- sankey

SANKEY_LEVELS = ("End client", "Client", "Invoicing party", "Share")
SHARE_COLUMNS = (("owed2ACD", "ACD share"), ("owed2workers", "Workers' share"))
_LEVEL_COLORS = ("#4C78A8", "#F58518", "#54A24B", "#B279A2")
_LINK_COLORS = ("rgba(76,120,168,0.35)", "rgba(245,133,24,0.35)", "rgba(84,162,75,0.35)")
_NAME_COLUMNS = ("end_client", "to_client", "inv_from")
_OTHER_KEY = "\x00other"  # cannot come from a sheet cell, so a client really called "Other" stays apart


def build_sankey(
    records: Iterable[Mapping[str, Any]],
    top_n: int | None = 15,
    title: str = "Where the money flows",
) -> go.Figure:
    """Money flow end client -> client (``to_client``) -> invoicing party (``inv_from``) -> ACD / workers.

    The first three levels carry ``inv_dollars``; the last carries ``owed2ACD`` and ``owed2workers``. Nodes
    are keyed by (level, name), so ``ACD`` as a client and ``ACD`` as invoicing party are two nodes. Links
    are summed per pair, and with ``top_n`` each level keeps its ``top_n`` largest names and folds the rest
    into one "Other" node, so 10,000 rows still draw a readable figure (``top_n=None`` keeps every name).
    Rows without a positive ``inv_dollars`` are skipped.
    """
    names = _Names()
    rows: list[tuple[tuple[str, str, str], Decimal, list[tuple[str, Decimal]]]] = []
    for record in records:
        amount = parse_amount(record.get("inv_dollars"))
        if amount is None or amount <= 0:
            continue
        keys = tuple(names.key(record.get(column)) for column in _NAME_COLUMNS)
        shares = []
        for column, label in SHARE_COLUMNS:
            share = parse_amount(record.get(column))
            if share is not None and share > 0:
                shares.append((label, share))
        rows.append((keys, amount, shares))  # type: ignore[arg-type]

    kept = _top_names(rows, top_n)
    other_counts = [len({keys[level] for keys, _, _ in rows} - (kept[level] or set())) for level in range(3)]

    # Aggregate on (level, key) nodes first, then number them level by level, biggest first: a stable order
    # gives the same figure for the same data, whatever order the rows were in.
    flows: dict[tuple[tuple[int, str], tuple[int, str]], Decimal] = defaultdict(Decimal)
    for keys, amount, shares in rows:
        path = [(level, _bucket(keys[level], kept[level])) for level in range(3)]
        flows[(path[0], path[1])] += amount
        flows[(path[1], path[2])] += amount
        for label, share in shares:
            flows[(path[2], (3, label))] += share
    inflow: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    outflow: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for (source, target), value in flows.items():
        outflow[source] += value
        inflow[target] += value
    size = {n: max(inflow[n], outflow[n]) for n in {*inflow, *outflow}}
    order = sorted(size, key=lambda n: (n[0], n[1] == _OTHER_KEY, -size[n], n[1]))
    x, y = _node_positions(order, size)
    node_index = {n: i for i, n in enumerate(order)}

    def label(level: int, key: str) -> str:
        if level == 3:
            return key
        if key == _OTHER_KEY:
            return f"{OTHER} ({other_counts[level]} names)"
        return names.label(key)

    pairs = sorted(flows, key=lambda p: (node_index[p[0]], node_index[p[1]]))
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        valueformat="$,.2f",
        node=dict(
            label=[label(level, key) for level, key in order],
            color=[_LEVEL_COLORS[level] for level, _ in order],
            x=x, y=y, pad=14, thickness=18, line=dict(width=0.5, color="#444"),
        ),
        link=dict(
            source=[node_index[s] for s, _ in pairs],
            target=[node_index[t] for _, t in pairs],
            value=[float(flows[p]) for p in pairs],
            color=[_LINK_COLORS[s[0]] for s, _ in pairs],
            hovertemplate="%{source.label} → %{target.label}<br>%{value:$,.2f}<extra></extra>",
        ),
    ))
    level_of = {index: level for (level, _), index in node_index.items()}
    tallest = max((sum(1 for lvl in level_of.values() if lvl == level) for level in range(4)), default=0)
    fig.update_layout(
        title=dict(text=title, x=0.01, subtitle=dict(text=" → ".join(SANKEY_LEVELS))),
        font=dict(size=13),
        height=max(480, min(1400, 120 + 34 * tallest)),
        margin=dict(l=20, r=20, t=90, b=20),
    )
    if not rows:
        fig.add_annotation(text="No invoices with a positive amount to show", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=16))
    return fig


def _node_positions(order: list[tuple[int, str]], size: dict) -> tuple[list[float], list[float]]:
    """Pin each level to its own column, stacked by size: otherwise Plotly pushes every sink to the right,
    and a vendor bill (no shares) would sit among the shares."""
    xs, ys = [], []
    level_total: dict[int, Decimal] = defaultdict(Decimal)
    level_count: Counter[int] = Counter()
    for level, key in order:
        level_total[level] += size[(level, key)]
        level_count[level] += 1
    seen: dict[int, Decimal] = defaultdict(Decimal)
    index_in_level: Counter[int] = Counter()
    for level, key in order:
        n = level_count[level]
        gap = 0.02 if n > 1 else 0.0
        span = 1 - gap * (n - 1)
        centre = (seen[level] + size[(level, key)] / 2) / level_total[level]
        y = float(centre) * span + gap * index_in_level[level]
        seen[level] += size[(level, key)]
        index_in_level[level] += 1
        xs.append((0.001, 0.34, 0.67, 0.999)[level])
        ys.append(min(max(y, 0.001), 0.999))
    return xs, ys


def _top_names(rows: list, top_n: int | None) -> list[set[str] | None]:
    """Per name level, the keys to keep (``None``: keep all): the ``top_n`` largest by ``inv_dollars``."""
    if top_n is None:
        return [None, None, None]
    kept: list[set[str] | None] = []
    for level in range(3):
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for keys, amount, _ in rows:
            totals[keys[level]] += amount
        if len(totals) <= top_n:
            kept.append(None)
            continue
        ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        kept.append({key for key, _ in ranked[:max(top_n, 0)]})
    return kept


def _bucket(key: str, kept: set[str] | None) -> str:
    return key if kept is None or key in kept else _OTHER_KEY
