"""The admin page's row views: failed rows (with Retry), rows not syncing and why, receivables, the invoices
created (paged), and the preview's fate of every row. Rendering only: the facts come from quickbooks/status.py
and quickbooks/status_rows.py. (The leading underscore keeps Dash from importing this as a page.)"""

from __future__ import annotations

from typing import Callable

import dash_bootstrap_components as dbc
from dash import html

from quickbooks.rules.plan import BILLS_OFF_NOTE
from quickbooks.status import money
from quickbooks.status_rows import REASONS

NUM = {"textAlign": "right", "whiteSpace": "nowrap"}
TABLE = dict(bordered=True, hover=True, size="sm", responsive=True, className="mb-0")
PER_PAGE = 25


def _table(headers: list[str], rows: list[list], table_id: str, numeric: frozenset[int] = frozenset()):
    head = html.Thead(html.Tr([html.Th(h, style=NUM if i in numeric else None) for i, h in enumerate(headers)]))
    body = html.Tbody([html.Tr([html.Td(c, style=NUM if i in numeric else None) for i, c in enumerate(r)])
                       for r in rows])
    return dbc.Table([head, body], id=table_id, **TABLE)


def _sheet_rows(numbers: list[int], link_for: Callable[[int], str]):
    """The sheet row number(s), each a link to the row in Google Sheets when the sheet is Google."""
    parts = []
    for n in numbers:
        link = link_for(n)
        parts += [", " if parts else "", html.A(str(n), href=link, target="_blank") if link else str(n)]
    return parts or "?"


def failed_table(rows: list[dict], link_for: Callable[[int], str]):
    if not rows:
        return html.P("No failed rows.", className="text-muted", id="admin-no-failures")
    body = []
    for i, r in enumerate(rows):
        retry = dbc.Button("Retry", id={"type": "admin-retry", "index": i, "key": r["key"],
                                        "direction": r["direction"]},
                           size="sm", color="secondary", outline=True) if r["key"] else None
        # Retry first: on a phone the table scrolls sideways, and a button at its far end would be out of sight.
        body.append([retry, _sheet_rows(r["row_numbers"], link_for), r["invoice"], r["client"], r["amount"],
                     html.Span(r["error"], className="text-danger"), r["since"]])
    return _table(["", "Sheet row", "Invoice", "Client", "Amount", "Message", "Failing since"], body,
                  "admin-failed-table", frozenset({4}))


def not_syncing_view(rows: list[dict], shown: int = 200):
    """Counts per reason, then the rows (the first `shown`), each with what to do."""
    if not rows:
        return html.P("Every row is synced, ready to sync, or failed (above).", className="text-muted",
                      id="admin-not-syncing-none")
    counts = {reason: sum(1 for r in rows if r["reason"] == reason) for reason in REASONS}
    badges = [dbc.Badge(f"{reason}: {n}", color="light", text_color="dark", className="me-1 mb-1 border",
                        id=f"admin-not-syncing-{reason.replace(' ', '-')}") for reason, n in counts.items() if n]
    table = _table(["Sheet row", "Invoice", "Client", "Amount", "Why", "What to do"],
                   [[r["row"], r["invoice"], r["client"], r["amount"], html.Strong(r["reason"]), r["detail"]]
                    for r in rows[:shown]], "admin-not-syncing-table", frozenset({3}))
    more = html.P(f"... and {len(rows) - shown} more.", className="small text-muted") if len(rows) > shown else None
    return [html.Div(badges, className="mb-2"), table, more]


def receivables_view(data: dict):
    aging = _table(["Days past due", "Invoices", "Open balance"],
                   [[a["bucket"], a["count"], a["balance"]] for a in data["aging"]] +
                   [[html.Strong("Total"), sum(a["count"] for a in data["aging"]), html.Strong(data["total"])]],
                   "admin-aging-table", frozenset({1, 2}))
    clients = (_table(["Client", "Open invoices", "Open balance"],
                      [[c["client"], c["count"], c["balance"]] for c in data["clients"]], "admin-clients-table",
                      frozenset({1, 2})) if data["clients"] else html.P("No open balance.", className="text-muted"))
    overdue = (_table(["Invoice", "Client", "Due", "Days late", "Balance", "Total"],
                      [[html.A(o["invoice"], href=o["link"], target="_blank") if o["link"] else o["invoice"],
                        o["client"], o["due"], o["days"], o["balance"], o["total"]] for o in data["overdue"]],
                      "admin-overdue-table", frozenset({3, 4, 5}))
               if data["overdue"] else html.P("Nothing overdue.", className="text-muted", id="admin-no-overdue"))
    note = html.P(f"As QuickBooks was last read by a run; past due is judged on {data['today']} (UTC).",
                  className="small text-muted")
    return dbc.Row([dbc.Col([html.H6("Aging"), aging], lg=4, className="mb-3"),
                    dbc.Col([html.H6("Open balance per client"), clients], lg=8, className="mb-3"),
                    dbc.Col([html.H6("Overdue invoices"), overdue, note], width=12)])


def recent_count(total: int):
    return html.P(f"{total} invoice(s) created by the sync, newest first, {PER_PAGE} a page.",
                  className="small text-muted mb-1", id="admin-recent-count")


def recent_table(rows: list[dict], page: int, total: int):
    if not rows:
        return html.P("None yet.", className="text-muted", id="admin-recent-none")
    pages = max(1, -(-total // PER_PAGE))
    table = _table(["Invoice", "Client", "Amount", "Created", "QuickBooks", "PDF"],
                   [[r["invoice"], r["client"], r["amount"], r["when"],
                     html.A("open", href=r["link"], target="_blank") if r["link"] else "",
                     html.A("PDF", href=f"/qbo/invoice/{r['qb_id']}/pdf", download=r["pdf_name"],
                            className="admin-pdf")] for r in rows], "admin-recent-table", frozenset({2}))
    return [table, html.P(f"Page {page + 1} of {pages} ({total} invoices, newest first)",
                          className="small text-muted mt-1", id="admin-recent-pages")]


def preview_view(report) -> list:
    """Every row's fate in the dry run: to create, a problem (with its reason), skipped (why), written back."""
    creates = [p for p in report.planned if p["action"] == "create"]
    rows = [[", ".join(map(str, p["rows"])), p["key"], p["party"], money(p["amount"]), "to create", ""]
            for p in creates]
    rows += [[", ".join(map(str, f.rows)), f.key or "(blank)", f.party, money(f.amount), "problem",
              html.Span(f.message, className="text-danger")] for f in report.failures]
    skipped = report.counts.total("skipped")
    summary = (f"{len(creates)} to create, {report.counts.total('failed')} with problems, {skipped} skipped; "
               "nothing was changed.")
    table = _table(["Rows", "Invoice", "Customer / vendor", "Amount", "Fate", "Reason"], rows,
                   "admin-preview-table", frozenset({3}))
    notes = [html.P(f"Skipped: {skipped} vendor row(s). {BILLS_OFF_NOTE}.", className="small text-muted",
                    id="admin-preview-skipped")] if skipped else []
    return [html.P(summary, id="admin-preview-summary"), table if rows else None, *notes]
