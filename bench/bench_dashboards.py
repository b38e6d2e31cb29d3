"""Benchmark: what the dashboards cost a browser and the server on a large `inv_tbl`.

    .venv/bin/python -m bench.bench_dashboards [--rows 50000] [--repeat 3]

Builds a workbook of `--rows` demo rows in a temp folder, serves the app through the Flask test client logged in
(the admin, who sees what staff see), and prints bytes (up = request bodies, down = answers), seconds and the
worst HTTP status for:

- each page as a browser loads it: Dash's index, its layout, the page router's content, and the callback the page
  fires as it appears (the overview's unfiltered figures; the grid's first block, or the old table's fill); once
  right after the workbook changed (the sheet is read), then warm;
- a filter click on the overview (first time for that filter, then again), a search on the invoices page, the
  next block of the same search, and a block with a new sort and column filter;
- 4 invoices-page loads at once (threads, each its own session), right after a workbook change and again.

Times of "again", "warm" pages and "its next block" are the best of `--repeat`; the others are single runs,
because a second run would be answered from what the first one left behind. No assertions on time.

The callbacks are found in the app's `callback_map` and their bodies built from the page's own layout, so the
same script measures an older version of the pages (records in a `dcc.Store` and sent back as State: above
2 MB, MAX_CONTENT_LENGTH answers 413).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import threading
import time
from pathlib import Path

from cryptography.fernet import Fernet
from werkzeug.security import generate_password_hash

from app import create_app
from quickbooks.settings import QbSettings
from spreadsheet.demo_rows import scaled_inv_tbl
from spreadsheet.local import LocalWorkbook
from tracker.settings import Settings

PASSWORD = "bench-password"
CALLBACK = "/_dash-update-component"
ROUTER = ".._pages_content.children..._pages_store.data.."
SEARCH = "Zoë"
BLOCK = {"startRow": 100, "endRow": 200, "sortModel": [{"colId": "inv_dollars", "sort": "desc"}],
         "filterModel": {"status": {"filterType": "text", "type": "contains", "filter": "pending"}}}


def login(client) -> None:
    page = client.get("/login?next=/").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf": csrf, "username": "admin", "password": PASSWORD, "next": "/"})
    assert answer.status_code == 302, answer.status_code


def post(client, output: str, spec: dict, values: dict) -> tuple[int, int, int, object]:
    """POST one callback with `values` ("id.prop" -> value) for its inputs and state: (status, up, down, json)."""
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in output.strip(".").split("...")]
    given = lambda deps: [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in deps]   # noqa: E731
    body = json.dumps({"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
                       "inputs": given(spec["inputs"]), "state": given(spec.get("state", [])),
                       "changedPropIds": [f"{d['id']}.{d['property']}" for d in spec["inputs"][:1]]})
    answer = client.post(CALLBACK, data=body, content_type="application/json")
    return answer.status_code, len(body), len(answer.data), answer.get_json(silent=True)


def load_page(client, app, path: str) -> tuple[int, int, int, dict]:
    """The requests a browser makes for a page, with the callbacks the page fires as it appears (the overview's
    unfiltered figures; the grid's first block, or the old table's fill). Returns (worst status, up, down, tree)."""
    index, layout = client.get(path), client.get("/_dash-layout")
    values = {"_pages_location.pathname": path, "_pages_location.search": ""}
    status, up, down, answer = post(client, ROUTER, app.callback_map[ROUTER], values)
    assert status == 200, status
    tree = answer["response"]["_pages_content"]["children"]
    first, up_first, down_first, _json = first_callback(client, app, path, tree)
    return max(first, index.status_code, layout.status_code), up + up_first, \
        len(index.data) + len(layout.data) + down + down_first, tree


def first_callback(client, app, path: str, tree) -> tuple[int, int, int, object]:
    values = page_values(tree)
    if path == "/":
        return post(client, *server_callback(app, "overview-sankey"), values)
    grid = server_callback(app, "getRowsResponse")
    if grid:
        return post(client, *grid, {**values, "invoices-table.getRowsRequest": {"startRow": 0, "endRow": 100}})
    return post(client, *server_callback(app, "invoices-table.rowData"), values)


def props_by_id(tree, found: dict | None = None) -> dict:
    """Every component's props in a Dash JSON tree, by id."""
    found = {} if found is None else found
    if isinstance(tree, list):
        for item in tree:
            props_by_id(item, found)
    elif isinstance(tree, dict) and "props" in tree:
        if isinstance(tree["props"].get("id"), str):
            found[tree["props"]["id"]] = tree["props"]
        props_by_id(tree["props"].get("children"), found)
    return found


def page_values(tree) -> dict:
    """"id.prop" -> value for every prop of the page, as the browser would send them as callback state."""
    return {f"{cid}.{prop}": value for cid, props in props_by_id(tree).items() for prop, value in props.items()}


def server_callback(app, wants: str) -> tuple[str, dict] | None:
    """The server-side callback whose output key contains `wants`."""
    return next(((key, spec) for key, spec in app.callback_map.items() if wants in key and "callback" in spec), None)


def timed(measure) -> tuple[float, object]:
    start = time.perf_counter()
    result = measure()
    return time.perf_counter() - start, result


def best(repeat: int, measure) -> tuple[float, object]:
    return min((timed(measure) for _ in range(repeat)), key=lambda run: run[0])


def row(label: str, run: tuple[float, tuple]) -> tuple:
    seconds, (status, up, down, _rest) = run
    return label, up, down, seconds, status


def measure_pages(app, client, repeat: int, workbook: Path) -> list[tuple]:
    os.utime(workbook)   # the first load after a change reads the sheet (each load did, before the cache)
    rows = [row("overview page, sheet changed", timed(lambda: load_page(client, app, "/")))]
    rows.append(row("overview page", best(repeat, lambda: load_page(client, app, "/"))))
    rows.append(row("invoices page", best(repeat, lambda: load_page(client, app, "/invoices"))))
    return rows


def measure_clicks(app, client, repeat: int) -> list[tuple]:
    _status, _up, _down, overview = load_page(client, app, "/")
    values = {**page_values(overview), "overview-status.value": ["paid"], "overview-party.value": None}
    click = lambda: post(client, *server_callback(app, "overview-sankey"), values)   # noqa: E731
    rows = [row("overview filter, first click", timed(click)), row("overview filter, again", best(repeat, click))]

    _status, _up, _down, invoices = load_page(client, app, "/invoices")
    values = {**page_values(invoices), "invoices-search.value": SEARCH}
    grid = server_callback(app, "getRowsResponse")
    if not grid:   # the old page: the search sends every record back and gets the matching ones
        rows.append(row(f"invoices search '{SEARCH}'", timed(
            lambda: post(client, *server_callback(app, "invoices-table.rowData"), values))))
        return rows + [("invoices grid block", None, None, None, "n/a: every row is in the page")]
    ask = lambda request: post(client, *grid, {**values, "invoices-table.getRowsRequest": request})   # noqa: E731
    rows.append(row(f"invoices search '{SEARCH}'", timed(lambda: ask({"startRow": 0, "endRow": 100}))))
    rows.append(row("  its next block", best(repeat, lambda: ask({"startRow": 100, "endRow": 200}))))
    values["invoices-search.value"] = None
    rows.append(row("grid block, new sort+filter", timed(lambda: ask(BLOCK))))
    return rows


def concurrent_loads(app, clients: list, workbook: Path | None) -> float:
    """Seconds until every client has loaded the invoices page (and its first block); `workbook`: touch it first
    (one thread then reads the sheet; the others wait for it, or answer from the copy the process already has)."""
    if workbook is not None:
        os.utime(workbook)

    def load(client):
        load_page(client, app, "/invoices")

    threads = [threading.Thread(target=load, args=(client,)) for client in clients]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def report(rows: int, results: list[tuple], cold: float, warm: float) -> None:
    print(f"inv_tbl with {rows:,} rows")
    print(f"{'step':<28} {'up bytes':>12} {'down bytes':>12} {'seconds':>9}  status")
    for label, up, down, seconds, status in results:
        if seconds is None:
            print(f"{label:<28} {'':>12} {'':>12} {'':>9}  {status}")
            continue
        print(f"{label:<28} {up:>12,} {down:>12,} {seconds:>9.3f}  {status}")
    print(f"{'4 invoices pages at once':<28} {'':>12} {'':>12} {cold:>9.3f}  cold (the workbook just changed)")
    print(f"{'4 invoices pages at once':<28} {'':>12} {'':>12} {warm:>9.3f}  warm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000, help="rows in inv_tbl (default 50000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the best is shown (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(folder) / "book.xlsx"
        started = time.perf_counter()
        LocalWorkbook.create(workbook, {"inv_tbl": scaled_inv_tbl(args.rows)})
        print(f"(workbook written in {time.perf_counter() - started:.1f} s)")
        settings = Settings(local_sheet_path=workbook, database_url=f"sqlite:///{Path(folder) / 'db.sqlite'}",
                            scheduler_enabled=False, secret_key="bench",
                            admin_password_hash=generate_password_hash(PASSWORD))
        app = create_app(settings, QbSettings(token_key=Fernet.generate_key().decode()))
        try:
            clients = [app.server.test_client() for _ in range(4)]
            for client in clients:
                login(client)
            results = measure_pages(app, clients[0], args.repeat, workbook)
            results += measure_clicks(app, clients[0], args.repeat)
            cold = concurrent_loads(app, clients, workbook)
            warm = concurrent_loads(app, clients, None)
        finally:
            app.server.extensions["quickbooks"].close()
    report(args.rows, results, cold, warm)


if __name__ == "__main__":
    main()
