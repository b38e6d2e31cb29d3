"""The dashboards' copy of the sheet (pages/_data.py): read once per process, read again when the local workbook
changes (and not before), a Google Sheet at most every DASHBOARD_CACHE_SECONDS; one reader at a time; a broken
sheet is the message on the page and is never kept."""

from __future__ import annotations

import dataclasses
import os
import threading

import pytest

import acd
from pages._data import PageData, SheetCache
from spreadsheet.local import LocalWorkbook
from tests.builders import FakeClock, sheet_row, table
from tracker.errors import SheetUnavailable
from tracker.settings import Settings

CALLBACK = "/_dash-update-component"


class Reader:
    """A stand-in for the sheet read: counts reads; `fail` makes the next ones raise; `gate` holds them."""

    def __init__(self):
        self.reads, self.fail, self.gate = 0, None, None
        self.reading = threading.Event()

    def __call__(self, settings: Settings) -> PageData:
        self.reads += 1
        self.reading.set()
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail is not None:
            raise self.fail
        return PageData([{"invoice": f"read {self.reads}"}], ["invoice"], settings.sheet_label)


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"not read by the stand-in")
    return Settings(local_sheet_path=path)


def _touch(path, seconds_later: int = 5) -> None:
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds_later * 1_000_000_000))


def test_a_local_workbook_is_read_again_when_the_file_changes_and_not_before(workbook):
    reader = Reader()
    cache = SheetCache(reader)
    assert cache.get(workbook).records == [{"invoice": "read 1"}]
    assert cache.get(workbook).records == [{"invoice": "read 1"}]
    _touch(workbook.local_sheet_path)
    assert cache.get(workbook).records == [{"invoice": "read 2"}]
    workbook.local_sheet_path.write_bytes(b"a different size, same second")
    assert cache.get(workbook).records == [{"invoice": "read 3"}]
    assert cache.get(workbook).records == [{"invoice": "read 3"}]


def test_another_workbook_or_worksheet_is_another_read(workbook, tmp_path):
    reader = Reader()
    cache = SheetCache(reader)
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"x")
    cache.get(workbook)
    assert cache.get(dataclasses.replace(workbook, local_sheet_path=other)).records == [{"invoice": "read 2"}]
    assert cache.get(dataclasses.replace(workbook, inv_worksheet="2026")).records == [{"invoice": "read 3"}]


def test_a_google_sheet_is_read_again_after_dashboard_cache_seconds():
    reader, clock = Reader(), FakeClock()
    cache = SheetCache(reader, clock)
    google = Settings(sheet_backend="google", google_sheet_id="abc", dashboard_cache_seconds=30)
    assert cache.get(google).records == [{"invoice": "read 1"}]
    clock.advance(29.9)
    assert cache.get(google).records == [{"invoice": "read 1"}]
    clock.advance(0.1)
    assert cache.get(google).records == [{"invoice": "read 2"}]
    every_time = dataclasses.replace(google, dashboard_cache_seconds=0)
    assert cache.get(every_time).records == [{"invoice": "read 3"}]
    assert cache.get(every_time).records == [{"invoice": "read 4"}]


def test_a_failed_read_is_raised_and_never_kept(workbook):
    reader = Reader()
    cache = SheetCache(reader)
    reader.fail = SheetUnavailable("Google answered 503 five times")
    with pytest.raises(SheetUnavailable):
        cache.get(workbook)
    reader.fail = None
    assert cache.get(workbook).records == [{"invoice": "read 2"}]


def test_one_thread_reads_while_the_others_wait_for_it(workbook):
    reader = Reader()
    reader.gate = threading.Event()
    cache = SheetCache(reader)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get(workbook).records)) for _ in range(4)]
    for thread in threads:
        thread.start()
    reader.gate.set()
    for thread in threads:
        thread.join(5)
    assert (reader.reads, answers) == (1, [[{"invoice": "read 1"}]] * 4)


def test_while_one_thread_reads_a_changed_sheet_the_others_keep_the_copy_they_have(workbook):
    reader = Reader()
    cache = SheetCache(reader)
    cache.get(workbook)
    _touch(workbook.local_sheet_path)
    reader.gate, reader.reading = threading.Event(), threading.Event()
    refill = threading.Thread(target=cache.get, args=(workbook,))
    refill.start()
    assert reader.reading.wait(5)
    try:
        assert cache.get(workbook).records == [{"invoice": "read 1"}]   # no wait behind the slow read
    finally:
        reader.gate.set()
        refill.join(5)
    assert cache.get(workbook).records == [{"invoice": "read 2"}]


# --- in the app: what a page shows ------------------------------------------------------------------------------

def _overview_count(client) -> str:
    answer = client.post(CALLBACK, json={
        "output": "..overview-sankey.figure...overview-by-status.figure...overview-by-month.figure...overview-cards"
                  ".children..",
        "outputs": [{"id": i, "property": p} for i, p in [("overview-sankey", "figure"), ("overview-by-status", "figure"),
                                                          ("overview-by-month", "figure"), ("overview-cards", "children")]],
        "inputs": [{"id": "overview-status", "property": "value", "value": None},
                   {"id": "overview-party", "property": "value", "value": None},
                   {"id": "overview-from", "property": "value", "value": None},
                   {"id": "overview-to", "property": "value", "value": None}],
        "changedPropIds": ["overview-status.value"]})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return _find(answer.get_json()["response"]["overview-cards"]["children"], "overview-count")["children"]


def _find(tree, component_id: str) -> dict | None:
    """The props of the component `component_id` in a Dash JSON tree."""
    if isinstance(tree, list):
        return next((found for item in tree if (found := _find(item, component_id)) is not None), None)
    if isinstance(tree, dict) and "props" in tree:
        props = tree["props"]
        return props if props.get("id") == component_id else _find(props.get("children"), component_id)
    return None


def _book(path, invoices: int) -> None:
    if path.exists():
        path.unlink()
    LocalWorkbook.create(path, {"inv_tbl": table(*(sheet_row(f"A-{i}") for i in range(invoices)))})


def test_the_app_shows_an_edited_workbook_on_the_next_request_and_reads_it_once_per_change(
        staff_client, point_app, tmp_path, monkeypatch):
    settings = point_app(local_sheet_path=tmp_path / "book.xlsx")
    reads = []
    real = acd.load_inv_table
    monkeypatch.setattr(acd, "load_inv_table", lambda s: reads.append(s) or real(s))
    _book(settings.local_sheet_path, 3)
    assert _overview_count(staff_client) == "3"
    assert b"3 invoices" in staff_client.post(CALLBACK, json=_router("/")).data
    assert _overview_count(staff_client) == "3"
    assert len(reads) == 1
    _book(settings.local_sheet_path, 5)
    assert _overview_count(staff_client) == "5"
    assert len(reads) == 2


def test_a_sheet_that_breaks_is_the_message_on_the_page(staff_client, point_app, tmp_path):
    settings = point_app(local_sheet_path=tmp_path / "book.xlsx")
    _book(settings.local_sheet_path, 2)
    assert _overview_count(staff_client) == "2"
    settings.local_sheet_path.unlink()
    page = staff_client.post(CALLBACK, json=_router("/")).get_data(as_text=True)
    assert "The spreadsheet cannot be shown" in page and "does not exist" in page


def _router(path: str) -> dict:
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"]}


def test_a_copy_of_the_sheet_remembers_its_last_results_and_forgets_the_oldest():
    data, computed = PageData(), []
    remember = lambda key: data.remember(key, lambda: computed.append(key) or f"result {key}")   # noqa: E731
    assert [remember(k) for k in ("a", "b", "a")] == ["result a", "result b", "result a"]
    assert computed == ["a", "b"]
    for key in range(40):
        remember(key)
    remember("a")
    assert computed.count("a") == 2    # 32 newer results pushed it out
    assert PageData().remember("a", lambda: "fresh") == "fresh"   # another copy of the sheet remembers nothing
