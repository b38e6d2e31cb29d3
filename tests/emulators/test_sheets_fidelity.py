"""Replay Google's own recorded answers (gspread's cassettes) against the emulator and diff them.

Each cassette in tests/fixtures/gspread-cassettes/ (MIT, see README.md/LICENSE.txt there) is one case. Its
Sheets API requests are sent, in order, to a fresh emulator over real HTTP, and the status and JSON body must
equal what Google answered. Drive calls (www.googleapis.com) are not sent; instead, the Drive "create file"
answer tells us which spreadsheet id and title Google made, and we create it in the emulator the way Google
does (one `Sheet1`, 1000 x 26), and a Drive delete removes it.

Deliberate normalisation, all of it listed here:
  * `spreadsheetUrl` is not compared (it is Google's docs.google.com address for the id in both, but it is
    not an API fact worth pinning).
  * `addSheet` replies carry a random sheetId chosen by the server. The emulator's id is mapped to the
    recorded one: the reply is compared with the recorded id put back, and later request bodies that
    name the recorded id (`deleteSheet`) are rewritten to the emulator's.
  * Spreadsheet ids are not normalised: the emulator is given the recorded ids, so they compare exactly.
  * Headers are not compared. Metadata (`defaultFormat`, `spreadsheetTheme`, ...) is compared in full.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

CASSETTE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "gspread-cassettes"
CASSETTES = sorted(CASSETTE_DIR.glob("*.json"))

# Ids the recorded account could not open: Google answered 403 for them.
PRIVATE_IDS = {"ClientTest.test_access_private_spreadsheet": ["1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc"]}


def _body_text(message: dict) -> str | None:
    body = message.get("body")
    if isinstance(body, dict):
        body = body.get("string")
    return body or None


def _rewrite_sheet_ids(node, mapping: dict[int, int]):
    if isinstance(node, dict):
        return {k: (mapping.get(v, v) if k == "sheetId" else _rewrite_sheet_ids(v, mapping)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_sheet_ids(v, mapping) for v in node]
    return node


def _normalise(actual: dict, expected: dict, mapping: dict[int, int]) -> tuple[dict, dict]:
    actual, expected = dict(actual), dict(expected)
    actual.pop("spreadsheetUrl", None)
    expected.pop("spreadsheetUrl", None)
    for got, want in zip(actual.get("replies", []), expected.get("replies", [])):
        if "addSheet" in got and "addSheet" in want:
            ours, theirs = got["addSheet"]["properties"]["sheetId"], want["addSheet"]["properties"]["sheetId"]
            assert isinstance(ours, int) and ours > 0
            mapping[theirs] = ours
            got["addSheet"]["properties"]["sheetId"] = theirs
    return actual, expected


def test_the_cassettes_and_their_attribution_are_present():
    assert len(CASSETTES) == 11
    assert (CASSETTE_DIR / "LICENSE.txt").read_text().startswith("Copyright")
    assert "burnash/gspread" in (CASSETTE_DIR / "README.md").read_text()


@pytest.mark.parametrize("cassette", CASSETTES, ids=[p.stem for p in CASSETTES])
def test_emulator_answers_like_google(cassette: Path, make_emulator):
    emulator = make_emulator()
    for private_id in PRIVATE_IDS.get(cassette.stem, []):
        emulator.deny(private_id)
    interactions = json.loads(cassette.read_text())["interactions"]
    sheet_ids: dict[int, int] = {}  # recorded sheetId -> emulator's
    replayed = 0
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {emulator.issue_token()}"
        for number, interaction in enumerate(interactions):
            request, recorded = interaction["request"], interaction["response"]
            url = urlsplit(request["uri"])
            if url.netloc != "sheets.googleapis.com":
                if request["method"] == "POST" and url.path == "/drive/v3/files":
                    created = json.loads(_body_text(recorded))
                    emulator.add_spreadsheet(created["id"], title=created["name"])
                elif request["method"] == "DELETE" and url.path.startswith("/drive/v3/files/"):
                    emulator.remove_spreadsheet(url.path.rsplit("/", 1)[1])
                continue
            body = _body_text(request)
            if body:
                body = json.dumps(_rewrite_sheet_ids(json.loads(body), sheet_ids))
            target = emulator.base_url + url.path + (f"?{url.query}" if url.query else "")
            response = http.request(request["method"], target, data=body.encode() if body else None,
                                    headers={"Content-Type": "application/json"} if body else {}, timeout=5)
            where = f"{cassette.stem} interaction {number}: {request['method']} {request['uri']}"
            assert response.status_code == recorded["status"]["code"], f"{where}\n{response.text}"
            actual, expected = _normalise(response.json(), json.loads(_body_text(recorded)), sheet_ids)
            assert actual == expected, where
            replayed += 1
    assert replayed >= 2, "every cassette holds several Sheets interactions"
