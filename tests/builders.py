"""Test builders shared by the whole suite: sheet rows and tables (one way to write a row, not seven), and
the pure `SheetRow` the sync's rules take. Defaults describe a good, ready money-in row; a test names only
the cells it is about. Also one `FakeClock` and one consent-page "click" (`consent`) for the emulators."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Mapping, Sequence
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from quickbooks.rules.mapping import SheetRow
from spreadsheet.schema import QB_HEADERS, SOURCE_HEADERS

HEADER = [*SOURCE_HEADERS, *QB_HEADERS]   # a migrated inv_tbl: source columns, then every qb_* column

READY = {"status": "submitted", "inv_from": "ACD", "to_client": "Globex LLC", "end_client": "Initech",
         "inv_dollars": "1500", "task_descr": "Python training, 3 days", "job_name": "PY-301",
         "submitted_date": "2026-03-02"}


def cells(invoice: str = "ACD-1", base: Mapping[str, str] = READY, **values: str) -> dict[str, str]:
    """Every column of `HEADER` for one row: blanks, `base` (the READY defaults; `{}` for a row of only the
    named cells), then `values`."""
    row = dict.fromkeys(HEADER, "")
    row.update(base, invoice=invoice)
    row.update(values)
    return row


def sheet_row(invoice: str = "ACD-1", header: Sequence[str] = HEADER, base: Mapping[str, str] = READY,
              **values: str) -> list[str]:
    """One row as a sheet holds it (text cells in `header` order)."""
    row = cells(invoice, base, **values)
    return [row.get(name, "") for name in header]


def table(*rows: list[str], header: Sequence[str] = HEADER) -> list[list[str]]:
    """A whole worksheet: the header row, then `rows`."""
    return [list(header), *rows]


def rule_row(number: int = 2, invoice: str = "ACD-1", **values: str) -> SheetRow:
    """The `SheetRow` the pure rules take: sheet row `number` with the READY defaults and `values`."""
    return SheetRow(number, cells(invoice, **values))


class FakeClock:
    """Epoch seconds that move only when a test says so (token and code expiry, per-minute quota windows)."""

    def __init__(self, start: float = 1_760_000_000.0):   # 2025-10-09 in Pacific time, the QBO emulator's "today"
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _Forms(HTMLParser):
    """The forms of a page: action, method, hidden/text fields, and buttons by id (or name) -> (name, value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get").lower(),
                               "fields": {}, "buttons": {}})
        elif tag in ("input", "button") and self.forms:
            name = attrs.get("name")
            if tag == "input" and attrs.get("type", "text") != "submit" and name:
                self.forms[-1]["fields"][name] = attrs.get("value", "")
            elif name or attrs.get("id"):
                self.forms[-1]["buttons"][attrs.get("id") or name] = (name, attrs.get("value", ""))


def consent(authorize_url: str, button: str = "authorize") -> str:
    """Open Intuit's (the emulator's) consent page like a person and press `button` ("authorize" or "cancel");
    return where it redirects the browser (not followed). `query_params(...)` reads the callback's query."""
    page = requests.get(authorize_url, timeout=5)
    page.raise_for_status()
    parser = _Forms()
    parser.feed(page.text)
    form = next((f for f in parser.forms if button in f["buttons"]), None)
    assert form is not None, f"no {button!r} button on the consent page: {page.text[:300]}"
    data = dict(form["fields"])
    name, value = form["buttons"][button]
    if name:
        data[name] = value
    target = urljoin(page.url, form["action"] or page.url)
    answer = (requests.post(target, data=data, allow_redirects=False, timeout=5) if form["method"] == "post"
              else requests.get(target, params=data, allow_redirects=False, timeout=5))
    assert answer.status_code in (302, 303), answer.text[:300]
    return answer.headers["Location"]


def query_params(url: str) -> dict[str, str]:
    """A URL's query as a flat dict (the OAuth callback's code, state, realmId or error)."""
    return dict(parse_qsl(urlsplit(url).query))
