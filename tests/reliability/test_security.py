"""Secrets stay secret: no token, client secret, Fernet key, session key or admin password in the database
file, the logs, the sheet, the CLI output or any page; and every sheet write is RAW."""

from __future__ import annotations

import dataclasses
import re
import secrets
import time

import acd
from tracker import db
from quickbooks.rules.directions import Direction
from quickbooks.wire.tokens import TokenSet, TokenStore
from tests.conftest import ADMIN_PASSWORD
from tests.reliability.conftest import make_world, ready_rows


def _assert_absent(secret_values: dict[str, str], haystacks: dict[str, str | bytes]) -> None:
    leaks = []
    for where, text in haystacks.items():
        blob = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
        leaks += [f"{name} in {where}" for name, value in secret_values.items() if value.encode() in blob]
    assert leaks == []


def test_no_secret_in_the_database_logs_sheet_or_cli_output(tmp_path, qbo):
    world = make_world(tmp_path, qbo, ready_rows(40), SECRET_KEY=secrets.token_urlsafe(32),
                       ADMIN_PASSWORD=secrets.token_urlsafe(12), LOG_FILE="logs/quickbooks_sync.log")
    engine = db.make_engine(world.settings.database_url)
    first = TokenStore(engine, world.env["QB_TOKEN_KEY"], "sandbox").load()
    qbo.expire_access_tokens()   # the run must refresh: rotated tokens pass through the code and the logs
    outputs = [world.cli("run-once"), world.cli("status"), world.cli("run-once", "--dry-run")]
    assert outputs[0].returncode == 0, outputs[0].stderr
    latest = TokenStore(engine, world.env["QB_TOKEN_KEY"], "sandbox").load()
    assert latest.refresh_token != first.refresh_token, "the test must have seen a refresh"
    secret_values = {"access token": first.access_token, "refresh token": first.refresh_token,
                     "new access token": latest.access_token, "new refresh token": latest.refresh_token,
                     "client secret": world.env["QB_CLIENT_SECRET"], "token key": world.env["QB_TOKEN_KEY"],
                     "secret key": world.env["SECRET_KEY"], "admin password": world.env["ADMIN_PASSWORD"]}
    engine.dispose()
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("sync.db")}
    files["log"] = (tmp_path / "logs" / "quickbooks_sync.log").read_bytes()
    cells = acd.open_sheet(world.settings).worksheet("inv_tbl").read_all()
    files["sheet"] = "\n".join("\t".join(row) for row in cells)
    for n, out in enumerate(outputs):
        files[f"cli output {n}"] = out.stdout + out.stderr
    _assert_absent(secret_values, files)


def test_no_secret_in_any_page(tracker_app):
    sync = tracker_app.server.extensions["sync"]
    tokens = sync.qb.emulator.issue_tokens()
    sync.qb.store.save(TokenSet.from_response(tokens, tokens["realm_id"], time.time()))
    client = tracker_app.server.test_client()
    page = client.get("/login?next=/admin").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf": csrf, "username": "admin", "password": ADMIN_PASSWORD, "next": "/admin"})
    pages = {path: client.get(path).get_data() for path in ("/", "/invoices", "/admin", "/login", "/_dash-layout",
                                                             "/_dash-dependencies", "/healthz")}
    refresh = {"output": "..admin-connection.children...admin-counts.children..."
                         "admin-recent.children...admin-runs-chart.figure...admin-progress.value...admin-progress.label..."
                         "admin-progress.animated...admin-last-runs.children...admin-db-busy.children..",
               "outputs": [{"id": i, "property": p} for i, p in (
                   ("admin-connection", "children"), ("admin-counts", "children"),
                   ("admin-recent", "children"), ("admin-runs-chart", "figure"), ("admin-progress", "value"), ("admin-progress", "label"),
                   ("admin-progress", "animated"), ("admin-last-runs", "children"), ("admin-db-busy", "children"))],
               "inputs": [{"id": "admin-poll", "property": "n_intervals", "value": 1}],
               "changedPropIds": ["admin-poll.n_intervals"], "state": []}
    answer = client.post("/_dash-update-component", json=refresh)
    assert answer.status_code == 200 and b"admin-connection-state" in answer.data
    pages["admin refresh callback"] = answer.data
    qb = sync.qb.settings
    _assert_absent({"access token": tokens["access_token"], "refresh token": tokens["refresh_token"],
                    "client secret": qb.client_secret, "token key": qb.token_key, "admin password": ADMIN_PASSWORD},
                   pages)


def test_every_sheet_write_is_raw(tmp_path, qbo, sheets_emulator, google_settings):
    rows = ready_rows(35)
    world = make_world(tmp_path, qbo, [r[:17] for r in rows])   # without the qb_* columns: migrate writes too
    settings = google_settings()
    sheets_emulator.add_spreadsheet(settings.google_sheet_id, sheets={"inv_tbl": [r[:17] for r in rows]})
    world.settings = dataclasses.replace(settings, database_url=world.settings.database_url)
    ws = acd.open_sheet(world.settings).worksheet("inv_tbl")
    ws.add_columns([h for h in rows[0][17:]])
    service = world.service()
    assert service.run("cli").ok
    assert service.reset_row("R-0003", Direction.INVOICE, force=True).startswith("Reset")
    options = sheets_emulator.stats()["value_input_options"]
    assert set(options) == {"RAW"} and options["RAW"] >= 3, options
