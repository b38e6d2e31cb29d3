"""The demo emulator's saved state is plain JSON: a crafted pickle is never executed, a file of the wrong shape is
refused with a warning (the emulator starts with a fresh demo company), and everything the demo needs survives a
restart: objects, created log, sequences, tokens and their grants, requestid answers and behaviour."""

from __future__ import annotations

import json
import logging
import pickle
from urllib.parse import urlencode

import pytest
import requests

from emulators.qbo import QboEmulator
from emulators.qbo_behaviour import DEFAULTS
from tests.builders import consent, query_params

REDIRECT_URI = "http://localhost:8765/callback"
AUTH = ("emulator-client", "emulator-secret")


class _Payload:
    """Unpickling this calls open(marker, "w"): the file appears only if the loader runs code from the data."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def _crafted_pickle(path, marker) -> None:
    # The shape the old loader expected, so it would have loaded "successfully" after running the payload.
    path.write_bytes(pickle.dumps({"company": {}, "oauth": {}, "replies": {}, "behaviour": {},
                                   "payload": _Payload(marker)}))


def _api(emu, tokens) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"}


def _invoice(emu, tokens, request_id: str | None = None, number: str = "ST-1") -> requests.Response:
    query = f"?{urlencode({'requestid': request_id})}" if request_id else ""
    return requests.post(f"{emu.base_url}/v3/company/{emu.realm_id}/invoice{query}", headers=_api(emu, tokens),
                         timeout=5, json={"CustomerRef": {"value": "1"}, "DocNumber": number, "Line": [
                             {"Amount": 5.0, "DetailType": "SalesItemLineDetail",
                              "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})


def test_a_crafted_pickle_is_not_executed_and_the_emulator_starts_fresh(tmp_path, caplog):
    state, marker = tmp_path / "qbo_emulator.json", tmp_path / "code-ran"
    _crafted_pickle(state, marker)
    with caplog.at_level(logging.WARNING, logger="emulators.qbo"):
        emu = QboEmulator(state_file=state)
    assert not marker.exists(), "loading the state file ran code from it"
    assert str(state) in caplog.text and "refused the saved state" in caplog.text
    assert "not valid JSON" in caplog.text
    assert emu.created("Invoice") == [] and emu.behaviour() == DEFAULTS
    assert any(c["DisplayName"] == "Globex LLC" for c in emu.company.query("SELECT * FROM Customer")["Customer"]), \
        "the fresh demo company is there"
    with emu.start():
        assert _invoice(emu, emu.issue_tokens()).status_code == 200
    assert json.loads(state.read_text())["format"] == "qbo-emulator-state", "the next change writes JSON over it"
    assert len(QboEmulator(state_file=state).created("Invoice")) == 1
    assert not marker.exists()


def test_the_whole_state_round_trips_through_json_across_a_restart(tmp_path):
    state = tmp_path / "qbo_emulator.json"
    first = QboEmulator(state_file=state, redirect_uris=(REDIRECT_URI,))
    with first.start():
        tokens = first.issue_tokens()
        replied = _invoice(first, tokens, request_id="rid-1", number="ST-1")
        assert replied.status_code == 200 and _invoice(first, tokens, number="ST-2").status_code == 200
        assert requests.post(f"{first.base_url}/__emulator__/behaviour", json={"bill_duplicates": "per_vendor",
                             "custom_txn_numbers_bill": False}, timeout=5).status_code == 200
        authorize = f"{first.base_url}/oauth2/authorize?" + urlencode({
            "client_id": "emulator-client", "redirect_uri": REDIRECT_URI, "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting", "state": "s"})
        code = query_params(consent(authorize))["code"]   # issued, not yet exchanged
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["format"] == "qbo-emulator-state" and "rid-1" in saved["replies"]
    assert not list(tmp_path.glob("*.tmp")), "no temp file left behind"

    second = QboEmulator(state_file=state, redirect_uris=(REDIRECT_URI,))
    assert second.company.objects == first.company.objects
    assert second.company.created_log == first.company.created_log
    assert second.company._sequences == first.company._sequences
    assert (second.company._next_doc_number, second.company._next_bill_number) == \
        (first.company._next_doc_number, first.company._next_bill_number)
    assert second._replies == first._replies
    assert second.behaviour() == {**DEFAULTS, "bill_duplicates": "per_vendor", "custom_txn_numbers_bill": False}
    with second.start():
        assert _invoice(second, tokens, request_id="rid-1").content == replied.content, "the requestid replays"
        fresh = _invoice(second, tokens, number="ST-3").json()["Invoice"]
        assert int(fresh["Id"]) > max(int(i["Id"]) for i in first.created("Invoice")), "the sequences went on"
        exchanged = requests.post(f"{second.base_url}/oauth2/v1/tokens/bearer", auth=AUTH, timeout=5, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
        assert exchanged.status_code == 200, "the authorization code survived"
        assert requests.post(f"{second.base_url}/oauth2/v1/tokens/revoke", auth=AUTH, timeout=5,
                             json={"token": tokens["refresh_token"]}).status_code == 200
        assert _invoice(second, tokens, number="ST-4").status_code == 401, \
            "revoking the refresh token revoked its access token too: one grant, as before the restart"
        assert _invoice(second, exchanged.json(), number="ST-5").status_code == 200, "another grant is untouched"


@pytest.mark.parametrize("content, reason", [
    (b"\x80\x04not json", "not valid JSON"),
    (b'{"format": "qbo-emulator-state"', "not valid JSON"),
    (b"[1, 2, 3]", "the file: expected a JSON object"),
    (b'{"format": "something-else", "version": 1}', "not a QuickBooks emulator state file"),
    (b'{"format": "qbo-emulator-state", "version": 1, "company": {"objects": {"Invoice": []}}, "oauth": {}}',
     "company.objects.Invoice: expected a JSON object"),
    (b'{"format": "qbo-emulator-state", "version": 1, "company": {}, "oauth": {"families": [], '
     b'"access_tokens": {"abcdefghij": {"family": 0, "expires_at": 1}}}}', "expected the index of one of the 0"),
    (b'{"format": "qbo-emulator-state", "version": 1, "company": {}, "oauth": {}, '
     b'"behaviour": {"requestid_mode": "sometimes"}}', "behaviour: requestid_mode must be one of"),
    (b'{"format": "qbo-emulator-state", "version": 1, "company": {}, "oauth": {}, '
     b'"replies": {"r": {"status": 200, "body": "***", "content_type": "x"}}}', "replies.r.body: expected base64"),
    (b'{"format": "qbo-emulator-state", "version": 1, "company": {"voided": "Invoice:101"}, "oauth": {}}',
     "company.voided: expected a JSON array"),
    (b'{"format": "qbo-emulator-state", "version": 1, "company": {"deleted": {"Estimate": {}}}, "oauth": {}}',
     "company.deleted: unknown entity 'Estimate'"),
    (b'{"format": "qbo-emulator-state", "version": 1, "company": {"change_order": {"Invoice:101": "1"}}, '
     b'"oauth": {}}', "company.change_order.Invoice:101: expected a whole number"),
], ids=["pickle-bytes", "truncated", "array", "other-format", "bad-objects", "bad-family", "bad-behaviour",
        "bad-reply", "bad-voided", "bad-tombstones", "bad-change-order"])
def test_a_file_of_the_wrong_shape_is_refused_with_a_clear_message(tmp_path, caplog, content, reason):
    state = tmp_path / "qbo_emulator.json"
    state.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="emulators.qbo"):
        emu = QboEmulator(state_file=state)
    assert reason in caplog.text and "starts with a fresh demo company" in caplog.text
    assert emu.created("Invoice") == [] and emu.behaviour() == DEFAULTS
    assert emu.company._next_doc_number == 1001 and emu.oauth.access_tokens == {}
