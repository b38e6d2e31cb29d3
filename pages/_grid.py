"""The invoices grid's rows, chosen on the server: AG Grid's infinite row model asks for one block at a time
(`startRow`, `endRow`, `sortModel`, `filterModel`) and gets those rows and the count of all that match.

Pure functions on the records, no Dash, no I/O. They follow what AG Grid's default filters mean in the browser:
text filters ignore case and let a blank cell pass `notEqual`/`notContains`; number filters skip blank cells
(except `blank`), and `inRange` excludes both ends. The amount columns are numbers here (`$1,000.50` is 1000.50)
although the sheet holds them as text, so they sort and filter as amounts.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from spreadsheet.cells import parse_amount, parse_date

NUMBER_COLUMNS = frozenset({"_row", "inv_dollars", "owed2ACD", "owed2workers"})
MAX_BLOCK = 1000   # rows one request may take, whatever it asks for: the sheet never crosses the wire whole

Record = Mapping[str, Any]


def search_text(record: Record) -> str:
    """Every cell of a row in one casefolded string, for the search box (cells apart, so no word spans two)."""
    return "\n".join(str(value) for value in record.values()).casefold()


def search_records(records: list[Record], text: str | None, texts: list[str] | None = None) -> list[Record]:
    """Rows where some cell contains every word of `text`, ignoring case (the search box). `texts`: each row's
    `search_text`, when the caller keeps them."""
    words = (text or "").casefold().split()
    if not words:
        return records
    texts = texts if texts is not None else [search_text(r) for r in records]
    return [r for r, cells in zip(records, texts) if all(word in cells for word in words)]


def number(value: Any) -> Decimal | None:
    """A cell or a filter value as a number (`_row` is an int, amounts are text such as `$1,000.50`, a number
    filter sends a JSON number); blank or unreadable -> None."""
    try:
        return parse_amount(value)
    except (InvalidOperation, ValueError, TypeError):
        return None


def _text_passes(cell: Any, kind: str, wanted: Any) -> bool:
    text = "" if cell is None else str(cell)
    if kind == "blank":
        return not text.strip()
    if kind == "notBlank":
        return bool(text.strip())
    target, value = str(wanted if wanted is not None else "").casefold(), text.casefold()
    tests = {"contains": lambda: target in value, "notContains": lambda: target not in value,
             "equals": lambda: value == target, "notEqual": lambda: value != target,
             "startsWith": lambda: value.startswith(target), "endsWith": lambda: value.endswith(target)}
    return tests[kind]() if kind in tests else True


def _number_passes(cell: Any, kind: str, wanted: Any, wanted_to: Any) -> bool:
    value = number(cell)
    if kind in ("blank", "notBlank"):
        return (value is None) == (kind == "blank")
    low, high = number(wanted), number(wanted_to)
    if value is None or low is None:
        return False
    tests = {"equals": lambda: value == low, "notEqual": lambda: value != low,
             "greaterThan": lambda: value > low, "greaterThanOrEqual": lambda: value >= low,
             "lessThan": lambda: value < low, "lessThanOrEqual": lambda: value <= low,
             "inRange": lambda: high is not None and low < value < high}
    return tests[kind]() if kind in tests else True


def _conditions(model: Mapping) -> list[Mapping] | None:
    """The parts of a two-condition filter (AG Grid 31+: `conditions`; before: `condition1`, `condition2`)."""
    if isinstance(model.get("conditions"), list):
        return [c for c in model["conditions"] if isinstance(c, Mapping)]
    if "condition1" in model:
        return [c for c in (model.get("condition1"), model.get("condition2")) if isinstance(c, Mapping)]
    return None


def passes(record: Record, column: str, model: Mapping) -> bool:
    """Whether `record` passes one column's filter model."""
    parts = _conditions(model)
    if parts is not None:
        results = (passes(record, column, {"filterType": model.get("filterType"), **part}) for part in parts)
        return any(results) if str(model.get("operator", "AND")).upper() == "OR" else all(results)
    kind = str(model.get("type", ""))
    if model.get("filterType") == "number":
        return _number_passes(record.get(column), kind, model.get("filter"), model.get("filterTo"))
    return _text_passes(record.get(column), kind, model.get("filter"))


def filter_records(records: Iterable[Record], filter_model: Any) -> list[Record]:
    """Rows passing every column filter of AG Grid's `filterModel` ({column: model}); anything else is no filter."""
    models = [(column, model) for column, model in (filter_model or {}).items() if isinstance(model, Mapping)] \
        if isinstance(filter_model, Mapping) else []
    return [r for r in records if all(passes(r, column, model) for column, model in models)]


def _sort_key(column: str):
    if column in NUMBER_COLUMNS:
        def key(record: Record):
            value = number(record.get(column))
            return (value is not None, value if value is not None else Decimal(0))
    else:
        def key(record: Record):
            value = record.get(column)
            return "" if value is None else str(value).casefold()
    return key


def sort_records(records: list[Record], sort_model: Any) -> list[Record]:
    """Rows in the order of AG Grid's `sortModel` ([{colId, sort}], first entry first); blanks sort lowest."""
    ordered = list(records)
    entries = [e for e in sort_model if isinstance(e, Mapping) and e.get("colId")] \
        if isinstance(sort_model, list) else []
    for entry in reversed(entries):   # stable sorts, last key first
        ordered.sort(key=_sort_key(str(entry["colId"])), reverse=entry.get("sort") == "desc")
    return ordered


def block_bounds(request: Mapping) -> tuple[int, int]:
    """`startRow`..`endRow` of a request as ints, never negative, never more than MAX_BLOCK rows."""
    def whole(name: str, default: int) -> int:
        try:
            return max(0, int(request.get(name, default)))
        except (TypeError, ValueError):
            return default

    start = whole("startRow", 0)
    end = whole("endRow", start + 100)
    return start, max(start, min(end, start + MAX_BLOCK))


def matching_rows(records: list[Record], request: Mapping, search: str | None = None,
                  texts: list[str] | None = None, start: Any = None, end: Any = None) -> list[Record]:
    """Every row a grid request matches, in its order: the search box, the date range (`start`..`end` of
    DATE_COLUMN), then the column filters, then the sort. The export takes the same rows."""
    searched = search_records(records, search, texts)
    matching = filter_records(in_date_range(searched, start, end), request.get("filterModel"))
    return sort_records(matching, request.get("sortModel"))


def block(rows: list[Record], request: Mapping) -> list[Record]:
    """The rows `startRow`..`endRow` of a request."""
    start, end = block_bounds(request)
    return rows[start:end]


def rows_for(records: list[Record], request: Mapping, search: str | None = None) -> tuple[list[Record], int]:
    """The block of rows a grid request asks for, and how many rows match in all (the grid's `rowCount`)."""
    rows = matching_rows(records, request, search)
    return block(rows, request), len(rows)


# ------------------------------------------------------------------------------------------- dates and columns

DATE_COLUMN = "submitted_date"   # what the date-range filters of both dashboards compare


def _bound(value: Any) -> date | None:
    """A date-range bound as the page sends it ("2026-03-01"); blank or unreadable -> no bound."""
    return parse_date(value) if isinstance(value, (str, date)) and str(value).strip() else None


def in_date_range(records: Iterable[Record], start: Any = None, end: Any = None,
                  column: str = DATE_COLUMN) -> list[Record]:
    """Rows whose `column` date lies between `start` and `end`, both included; with no bound, every row. With a
    bound, a row without a readable date is left out (it has no place in a range)."""
    low, high = _bound(start), _bound(end)
    rows = list(records)
    if low is None and high is None:
        return rows
    kept = []
    for record in rows:
        day = parse_date(record.get(column))
        if day is not None and (low is None or day >= low) and (high is None or day <= high):
            kept.append(record)
    return kept


TITLES = {
    "_row": "Row", "invoice": "Invoice", "inv_link": "Invoice file", "status": "Status", "inv_from": "Invoicing party",
    "to_client": "Client", "end_client": "End client", "task_descr": "Task", "job_name": "Job",
    "inv_dollars": "Amount", "owed2ACD": "ACD share", "owed2workers": "Workers' share",
    "submitted_date": "Submitted", "Inv_paid_date": "Paid date", "job_start": "Job start", "job_end": "Job end",
    "notes": "Notes", "thread": "Thread",
    "qb_invoice_id": "Invoice id", "qb_invoice_url": "Invoice", "qb_sync_status": "Sync status",
    "qb_synced_at": "Synced at", "qb_error": "Error", "qb_balance": "Balance", "qb_paid_date": "Paid date",
    "qb_bill_id": "Bill id", "qb_bill_url": "Bill", "qb_bill_status": "Bill status", "qb_bill_error": "Bill error",
    "qb_bill_balance": "Bill balance", "qb_bill_paid_date": "Bill paid date",
}
QUICKBOOKS = "QuickBooks"                                 # the column group of the qb_* columns
LINK_COLUMNS = frozenset({"qb_invoice_url", "qb_bill_url"})


def column_title(name: str, grouped: bool = True) -> str:
    """The header a person reads for a sheet column ("Paid date", not `Inv_paid_date`). Outside the grid's
    "QuickBooks" group (`grouped=False`, e.g. an export's flat header row) a qb_* column says "QuickBooks ..."."""
    title = TITLES.get(name) or name.replace("_", " ").strip().capitalize() or name
    return f"{QUICKBOOKS} {title[0].lower()}{title[1:]}" if not grouped and is_quickbooks(name) else title


def is_quickbooks(name: str) -> bool:
    return name.startswith("qb_")


def web_link(value: Any) -> str | None:
    """The cell as a link target when it is a plain http(s) address (no spaces, quotes or angle brackets)."""
    text = "" if value is None else str(value).strip()
    return text if _LINK.fullmatch(text) else None


_LINK = re.compile(r"https?://[^\s<>\"'`()\[\]\\]+", re.IGNORECASE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def link_cell(value: Any, label: str) -> str:
    """A QuickBooks link cell as Markdown for the grid's markdown renderer: `[label](url)` for an http(s) address,
    anything else as escaped text (never a link, never markup)."""
    url = web_link(value)
    if url:
        return f"[{label}]({url})"
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if value is None else str(value))


def shown_rows(rows: list[Record]) -> list[dict]:
    """A block of rows as the grid shows them: the QuickBooks link columns become Markdown links."""
    labels = {"qb_invoice_url": "Open invoice", "qb_bill_url": "Open bill"}
    return [{**row, **{c: link_cell(row.get(c), labels[c]) for c in LINK_COLUMNS if row.get(c)}} for row in rows]
