"""The money-flow figures of the finance tracker: the Sankey, totals by status and by month. Pure, no I/O.

The sheet's schema (headers, validation, records) lives in `spreadsheet/schema.py`; its names are re-exported
here because the existing dashboards import them from this module (`EXPECTED_HEADERS[1]` is `inv_tbl`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any, Iterable, Mapping

import plotly.graph_objects as go

from spreadsheet.cells import month_key, parse_amount, parse_date
from spreadsheet.schema import (EXPECTED_HEADERS, INV_TBL, QB_BILL_HEADERS, QB_HEADERS, QB_INVOICE_HEADERS,
                                SOURCE_HEADERS, WORKSHEET_NAMES, HeaderMap, cell_text, inv_tbl_records,
                                rows_to_records, validate_headers)

__all__ = [
    "INV_TBL", "WORKSHEET_NAMES", "SOURCE_HEADERS", "QB_HEADERS", "QB_INVOICE_HEADERS", "QB_BILL_HEADERS", "EXPECTED_HEADERS",
    "HeaderMap", "validate_headers", "rows_to_records", "inv_tbl_records",
    "parse_amount", "parse_date", "month_key",
    "build_sankey", "totals_by_status", "totals_by_month", "plot_text", "NO_NAME", "NO_DATE", "OTHER", "NO_SPLIT",
    "bar_figure", "money_label", "CHART_TEMPLATE",
]

NO_NAME = "(none)"
NO_DATE = "(no date)"
OTHER = "Other"
NO_SPLIT = "No split (vendor bills)"   # the part of inv_dollars no share column splits: vendor rows carry none

# One look for every chart: white background, one font, and the colours of the Sankey's levels.
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#9D755D", "#E45756")
CHART_TEMPLATE = go.layout.Template(layout=dict(
    font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size=13, color="#212529"),
    colorway=list(PALETTE), paper_bgcolor="white", plot_bgcolor="white",
    xaxis=dict(showgrid=False, linecolor="#adb5bd", automargin=True),
    yaxis=dict(gridcolor="#e9ecef", zeroline=False, automargin=True),
    hoverlabel=dict(font_size=13), margin=dict(l=10, r=10, t=30, b=10)))


def plot_text(value: Any) -> str:
    """Cell text made safe for a Plotly label, tick or hover text: Plotly renders a subset of HTML there (`<a href>`
    becomes a link, `<b>` bold), so `&`, `<` and `>` become entities, which Plotly shows as the characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------- aggregation

class _Names:
    """Groups spellings of one party case- and space-insensitively (``"acd "`` is ``ACD``) and labels each
    group with its most frequent spelling."""

    def __init__(self) -> None:
        self._spellings: dict[str, Counter[str]] = defaultdict(Counter)

    def key(self, raw: Any) -> str:
        text = " ".join(cell_text(raw).split())
        if not text:
            return NO_NAME.casefold()
        key = text.casefold()
        self._spellings[key][text] += 1
        return key

    def label(self, key: str) -> str:
        spellings = self._spellings.get(key)
        return spellings.most_common(1)[0][0] if spellings else NO_NAME


def _status_of(record: Mapping[str, Any]) -> str:
    return cell_text(record.get("status")).strip().lower() or NO_NAME


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
        if cell_text(record.get("inv_dollars")).strip():
            group["unparsed"] += 1
    else:
        group["total"] += amount


# --------------------------------------------------------------------------------------------------- sankey

SANKEY_LEVELS = ("End client", "Client", "Invoicing party", "Share")
SHARE_COLUMNS = (("owed2ACD", "ACD share"), ("owed2workers", "Workers' share"))
_LEVEL_COLORS = PALETTE[:4]
_NO_SPLIT_LINK = "rgba(134,142,150,0.35)"   # grey: money that no share column splits
_LINK_COLORS = ("rgba(76,120,168,0.35)", "rgba(245,133,24,0.35)", "rgba(84,162,75,0.35)")
_NAME_COLUMNS = ("end_client", "to_client", "inv_from")
_OTHER_KEY = "\x00other"  # cannot come from a sheet cell, so a client really called "Other" stays apart


_Node = tuple[int, str]  # (level, key): the same name at two levels is two nodes
_Row = tuple[tuple[str, str, str], Decimal, list[tuple[str, Decimal]]]  # (name keys, inv_dollars, shares)


def build_sankey(
    records: Iterable[Mapping[str, Any]],
    top_n: int | None = 15,
    title: str | None = "Where the money flows",
) -> go.Figure:
    """Money flow end client -> client (``to_client``) -> invoicing party (``inv_from``) -> ACD / workers.

    The first three levels carry ``inv_dollars``; the last carries ``owed2ACD`` and ``owed2workers``. Nodes
    are keyed by (level, name), so ``ACD`` as a client and ``ACD`` as invoicing party are two nodes. Links
    are summed per pair, and with ``top_n`` each level keeps its ``top_n`` largest names and folds the rest
    into one "Other" node, so 10,000 rows still draw a readable figure (``top_n=None`` keeps every name).
    Rows without a positive ``inv_dollars`` are skipped. The part of a row's ``inv_dollars`` that its shares
    do not cover (vendor rows carry no split) flows to a "No split (vendor bills)" node, so the share column
    adds up to the amount invoiced. ``title=None``: no title (the page shows its own heading).
    """
    names = _Names()
    rows = _collect_rows(records, names)
    kept = _top_names(rows, top_n)
    other_counts = [len({keys[level] for keys, _, _ in rows} - (kept[level] or set())) for level in range(3)]
    flows = _aggregate_flows(rows, kept)
    order, size = _order_nodes(flows)
    labels = [_node_label(node, names, other_counts) for node in order]
    fig = _sankey_figure(flows, order, size, labels)
    _apply_layout(fig, title, order)
    if not rows:   # an empty Sankey trace makes Plotly fail in the browser ("Invalid array length"): hide it
        fig.update_traces(visible=False)
        fig.update_layout(xaxis_visible=False, yaxis_visible=False, height=240)
        fig.add_annotation(text="No invoices with a positive amount to show", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=16))
    return fig


def _collect_rows(records: Iterable[Mapping[str, Any]], names: _Names) -> list[_Row]:
    """Parse each record once, so ranking and aggregating never re-read cells; also records the spellings
    ``names`` needs for labels. Rows without a positive ``inv_dollars`` carry no flow and are dropped."""
    rows: list[_Row] = []
    for record in records:
        amount = parse_amount(record.get("inv_dollars"))
        if amount is None or amount <= 0:
            continue
        keys = tuple(names.key(record.get(column)) for column in _NAME_COLUMNS)
        rows.append((keys, amount, _positive_shares(record)))  # type: ignore[arg-type]
    return rows


def _positive_shares(record: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    """The share links of one row; blank, unreadable or zero shares (e.g. vendor bills) draw no link."""
    shares = []
    for column, label in SHARE_COLUMNS:
        share = parse_amount(record.get(column))
        if share is not None and share > 0:
            shares.append((label, share))
    return shares


def _aggregate_flows(rows: list[_Row], kept: list[set[str] | None]) -> dict[tuple[_Node, _Node], Decimal]:
    """Sum rows into one link per node pair, after folding dropped names into "Other", so the figure's
    size depends on the number of names, not of rows."""
    flows: dict[tuple[_Node, _Node], Decimal] = defaultdict(Decimal)
    for keys, amount, shares in rows:
        path = [(level, _bucket(keys[level], kept[level])) for level in range(3)]
        flows[(path[0], path[1])] += amount
        flows[(path[1], path[2])] += amount
        for label, share in shares:
            flows[(path[2], (3, label))] += share
        rest = amount - sum((share for _, share in shares), Decimal(0))
        if rest > 0:   # so the last column adds up to "Invoiced": what no share column splits shows as such
            flows[(path[2], (3, NO_SPLIT))] += rest
    return flows


def _order_nodes(flows: Mapping[tuple[_Node, _Node], Decimal]) -> tuple[list[_Node], dict[_Node, Decimal]]:
    """Nodes level by level, biggest first, "Other" last, with their sizes: a stable order gives the same
    figure for the same data, whatever order the rows were in."""
    inflow: dict[_Node, Decimal] = defaultdict(Decimal)
    outflow: dict[_Node, Decimal] = defaultdict(Decimal)
    for (source, target), value in flows.items():
        outflow[source] += value
        inflow[target] += value
    size = {n: max(inflow[n], outflow[n]) for n in {*inflow, *outflow}}
    shares = {label: rank for rank, label in enumerate([label for _, label in SHARE_COLUMNS] + [NO_SPLIT])}
    # The shares in a fixed order, "No split" last (its links then cross none), the names biggest first.
    order = sorted(size, key=lambda n: (n[0], n[1] == _OTHER_KEY, shares.get(n[1], 0) if n[0] == 3 else 0,
                                        -size[n], n[1]))
    return order, size


def _node_label(node: _Node, names: _Names, other_counts: list[int]) -> str:
    """Share nodes are already labels; name keys are casefolded, so show their most frequent spelling."""
    level, key = node
    if level == 3:
        return key
    if key == _OTHER_KEY:
        return f"{OTHER} ({other_counts[level]} names)"
    return plot_text(names.label(key))   # sheet text: shown as text, never as markup (hover uses these labels too)


def _sankey_figure(flows: Mapping[tuple[_Node, _Node], Decimal], order: list[_Node],
                   size: dict[_Node, Decimal], labels: list[str]) -> go.Figure:
    """The Sankey trace itself; links sorted by node index so the output does not depend on row order."""
    x, y = _node_positions(order, size)
    node_index = {n: i for i, n in enumerate(order)}
    pairs = sorted(flows, key=lambda p: (node_index[p[0]], node_index[p[1]]))
    return go.Figure(go.Sankey(
        arrangement="snap",
        valueformat="$,.2f",
        node=dict(
            label=labels,
            color=[_LEVEL_COLORS[level] for level, _ in order],
            x=x, y=y, pad=14, thickness=18, line=dict(width=0.5, color="#444"),
        ),
        link=dict(
            source=[node_index[s] for s, _ in pairs],
            target=[node_index[t] for _, t in pairs],
            value=[float(flows[p]) for p in pairs],
            color=[_NO_SPLIT_LINK if t == (3, NO_SPLIT) else _LINK_COLORS[s[0]] for s, t in pairs],
            hovertemplate="%{source.label} → %{target.label}<br>%{value:$,.2f}<extra></extra>",
        ),
    ))


def _apply_layout(fig: go.Figure, title: str, order: list[_Node]) -> None:
    """Grow the figure with its tallest column, so many names stay readable without a huge empty chart."""
    per_level = Counter(level for level, _ in order)
    tallest = max((per_level[level] for level in range(4)), default=0)
    fig.update_layout(
        template=CHART_TEMPLATE,
        font=dict(size=13),
        height=max(480, min(1400, 120 + 34 * tallest)),
        margin=dict(l=10, r=10, t=90 if title else 34, b=20),   # without a title: a band for the toolbar alone
    )
    if title:
        fig.update_layout(title=dict(text=title, x=0.01, subtitle=dict(text=" → ".join(SANKEY_LEVELS))))


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


# ------------------------------------------------------------------------------------------------------ bars

def money_label(value: Decimal | float) -> str:
    """A short dollar label for a bar: $950, $12.3k, $1M, -$2.5k (three significant digits)."""
    amount = float(value)
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= limit * 0.9995:   # 999,600 rounds to $1M, not $1e+03k
            scaled = amount / limit
            return f"{sign}${scaled:.3g}{suffix}" if scaled < 999.5 else f"{sign}${scaled:,.0f}{suffix}"
    return f"{sign}${amount:,.0f}"


def bar_figure(groups: list[dict[str, Any]], key: str, title: str | None = None) -> go.Figure:
    """Totals per group as bars: dollar labels on the bars, a dollar axis, the count of rows in the hover text.
    A category axis: months are labels here, and "(no date)" must stay visible beside them."""
    if not groups:   # no bars: a sentence, not an empty odd axis (Plotly also fails on an empty bar trace here)
        figure = go.Figure(layout=dict(template=CHART_TEMPLATE, height=360, xaxis_visible=False, yaxis_visible=False))
        figure.add_annotation(text="No invoices match the filters", showarrow=False, x=0.5, y=0.5,
                              xref="paper", yref="paper", font=dict(size=15))
        return figure
    figure = go.Figure(go.Bar(
        x=[plot_text(g[key]) for g in groups], y=[float(g["total"]) for g in groups],
        text=[money_label(g["total"]) for g in groups], textposition="outside", cliponaxis=False,
        customdata=[g["count"] for g in groups], marker_color=PALETTE[0],
        hovertemplate="%{x}: $%{y:,.2f} (%{customdata} rows)<extra></extra>"))
    figure.update_layout(template=CHART_TEMPLATE, height=360, xaxis_type="category",
                         uniformtext=dict(minsize=11, mode="show"),   # one label size, not one per bar width
                         yaxis=dict(tickprefix="$", tickformat="~s", title=None, rangemode="tozero"),
                         margin=dict(l=10, r=10, t=40, b=10))
    if title:
        figure.update_layout(title=dict(text=title, x=0.01))
    return figure
