"""QBO emulator: throttling (reference §3), injected faults, the control API and the standalone CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.emulators.qbo_helpers import Api, invoice_body

ROOT = Path(__file__).resolve().parents[2]


def assert_throttled(answer):
    assert answer.status_code == 429
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert '<Fault type="SERVICE"><Error code="3001">' in answer.text
    assert "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>" in answer.text
    assert "<Detail>The request limit was reached.  Try again later</Detail>" in answer.text


# -------------------------------------------------------------------------------------------- limits
def test_requests_per_minute_sliding_window(make_qbo, qbo_clock):
    api = Api(make_qbo(requests_per_minute=5))
    for _ in range(5):
        assert api.query("select * from Item").status_code == 200
        qbo_clock.advance(10)
    assert_throttled(api.query("select * from Item"))  # 5 in the last 60 s
    qbo_clock.advance(11)  # the first request left the window
    assert api.query("select * from Item").status_code == 200
    stats = api.emu.stats()
    assert stats["throttled_429"] == 1 and stats["throttled_by"] == {"requests_per_minute": 1}
    assert stats["max_requests_per_minute"] == 6  # what the client tried, throttled one included


def test_batch_per_minute(make_qbo, qbo_clock):
    api = Api(make_qbo(batch_per_minute=2))
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Item"}]}
    assert [api.post("batch", json=batch).status_code for _ in range(2)] == [200, 200]
    assert_throttled(api.post("batch", json=batch))
    assert api.query("select * from Item").status_code == 200  # plain requests are not batch-limited
    qbo_clock.advance(60)
    assert api.post("batch", json=batch).status_code == 200
    stats = api.emu.stats()
    assert stats["throttled_by"] == {"batch_per_minute": 1} and stats["max_batch_per_minute"] == 3


def test_batch_counts_toward_requests_per_minute(make_qbo):
    api = Api(make_qbo(requests_per_minute=2))
    api.post("batch", json={"BatchItemRequest": []})
    api.query("select * from Item")
    assert_throttled(api.post("batch", json={"BatchItemRequest": []}))


def test_limits_and_clock_can_be_changed_at_runtime(qbo_api):
    now = [1000.0]
    qbo_api.emu.clock = lambda: now[0]
    qbo_api.emu.requests_per_minute, qbo_api.emu.batch_per_minute = 2, 1
    assert (qbo_api.emu.requests_per_minute, qbo_api.emu.batch_per_minute) == (2, 1)
    assert qbo_api.post("batch", json={"BatchItemRequest": []}).status_code == 200
    assert_throttled(qbo_api.post("batch", json={"BatchItemRequest": []}))
    assert qbo_api.query("select * from Item").status_code == 200
    assert_throttled(qbo_api.query("select * from Item"))
    now[0] += 60
    assert qbo_api.query("select * from Item").status_code == 200


def test_concurrency_limit(make_qbo):
    emu = make_qbo(concurrent_limit=2)
    emu.set_latency(0.5)
    api = Api(emu)
    results, barrier = [], threading.Barrier(4)

    def call():
        session = requests.Session()
        session.headers.update(api.session.headers)
        barrier.wait()
        results.append(session.get(api.base + "query", params={"query": "select * from Item"}, timeout=5))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = [r.status_code for r in results]
    assert set(statuses) == {200, 429} and statuses.count(200) >= 2  # 4 at once, 2 allowed in flight
    assert_throttled(next(r for r in results if r.status_code == 429))
    stats = emu.stats()
    assert stats["peak_concurrency"] >= 3 and stats["throttled_by"] == {"concurrency": statuses.count(429)}


def test_latency_runs_requests_concurrently(make_qbo):
    emu = make_qbo()
    emu.set_latency(0.5)
    api = Api(emu)
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: api.query("select * from Item")) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - started < 1.5  # not 5 x 0.5 s behind one lock
    assert emu.stats()["peak_concurrency"] == 5 and emu.stats()["throttled_429"] == 0


# ------------------------------------------------------------------------------------ injected faults
def _system_fault(status):
    def check(answer):
        assert answer.json()["Fault"]["type"] == "SystemFault"
        assert answer.json()["Fault"]["Error"][0]["code"] == "10000"
    return check


@pytest.mark.parametrize("kind, status, check", [
    ("500", 500, _system_fault(500)),
    ("503", 503, _system_fault(503)),
    ("429", 429, assert_throttled),
    ("html_502", 502, lambda a: a.headers["Content-Type"].startswith("text/html") and "502 Bad Gateway" in a.text
     or pytest.fail(a.text)),
], ids=["500", "503", "429", "html-502"])
def test_injected_faults(qbo_api, kind, status, check):
    qbo_api.emu.inject(kind, count=2)
    for _ in range(2):
        answer = qbo_api.query("select * from Item")
        assert answer.status_code == status
        check(answer)
    assert qbo_api.query("select * from Item").status_code == 200
    stats = qbo_api.emu.stats()
    assert stats["injected_faults"] == 2 and stats["throttled_429"] == 0


@pytest.mark.parametrize("match, hit, miss", [
    ("batch", ("POST", "batch", {"json": {"BatchItemRequest": []}}), ("GET", "query?query=select * from Item", {})),
    ("invoice", ("POST", "invoice", {"json": invoice_body()}), ("POST", "customer", {"json": {"DisplayName": "Z"}})),
    ("query", ("GET", "query?query=select * from Item", {}), ("GET", "invoice/1", {})),
    ("/companyinfo/", ("GET", "companyinfo/9130350000000001", {}), ("GET", "query?query=select * from Item", {})),
], ids=["operation-batch", "entity-invoice", "operation-query", "path-substring"])
def test_fault_match_filters(qbo_api, match, hit, miss):
    qbo_api.emu.inject("503", match=match)
    assert qbo_api.request(miss[0], miss[1], **miss[2]).status_code != 503
    assert qbo_api.request(hit[0], hit[1], **hit[2]).status_code == 503


def test_injected_fault_on_the_token_endpoint(qbo_api):
    qbo_api.emu.inject("500", match="token")
    assert qbo_api.query("select * from Item").status_code == 200  # API requests are not matched
    answer = requests.post(f"{qbo_api.emu.base_url}/oauth2/v1/tokens/bearer", timeout=5,
                           data={"grant_type": "refresh_token", "refresh_token": qbo_api.tokens["refresh_token"]},
                           auth=(qbo_api.emu.client_id, qbo_api.emu.client_secret))
    assert (answer.status_code, answer.json()) == (500, {"error": "server_error"})


def test_drop_after_commit_create(qbo_api):
    """The invoice exists but the client saw a dropped connection; a requestid retry gets the original answer."""
    qbo_api.emu.inject("drop_after_commit", match="invoice")
    with pytest.raises((requests.ConnectionError, requests.Timeout)):
        qbo_api.post("invoice?requestid=drop-1", json=invoice_body(DocNumber="D-1"))
    created = qbo_api.emu.created("Invoice")
    assert [i["DocNumber"] for i in created] == ["D-1"]
    retry = qbo_api.post("invoice?requestid=drop-1", json=invoice_body(DocNumber="D-1"))
    assert retry.status_code == 200 and retry.json()["Invoice"] == created[0]
    plain_retry = qbo_api.post("invoice", json=invoice_body(DocNumber="D-1"))
    assert plain_retry.json()["Fault"]["Error"][0]["code"] == "6140"
    assert qbo_api.emu.stats()["dropped"] == 1


def test_drop_after_commit_defaults_to_writes(qbo_api):
    qbo_api.emu.inject("drop_after_commit")
    assert qbo_api.query("select * from Invoice").status_code == 200
    with pytest.raises(requests.ConnectionError):
        qbo_api.post("batch", json={"BatchItemRequest": [{"bId": "1", "operation": "create",
                                                          "Invoice": invoice_body()}]})
    assert len(qbo_api.emu.created("Invoice")) == 1


def test_inject_rejects_unknown_kinds(qbo):
    with pytest.raises(ValueError):
        qbo.inject("418")


# -------------------------------------------------------------------------------------- control API
def test_control_endpoints(qbo_api):
    control = qbo_api.control
    assert control("POST", "customers", json={"name": "Stark Industries"}).json()["DisplayName"] == "Stark Industries"
    assert control("POST", "vendors", json={"name": "Freelance Fran"}).json()["Vendor1099"] is False
    assert control("POST", "customers", json={"name": "Initech"}).status_code == 400  # duplicate
    stark = qbo_api.query("select * from Customer where DisplayName = 'Stark Industries'").json()
    invoice = qbo_api.post("invoice", json=invoice_body(stark["QueryResponse"]["Customer"][0]["Id"],
                                                        DocNumber="C-1")).json()["Invoice"]
    assert control("GET", "created", params={"entity": "Invoice"}).json() == {"entity": "Invoice",
                                                                              "created": [invoice]}
    assert control("GET", "docnumbers", params={"entity": "Invoice"}).json()["counts"] == {"C-1": 1}
    stats = control("GET", "stats").json()
    assert stats["create"] == 1 and stats["query"] == 1 and stats["statuses"]["200"] >= 2

    assert control("POST", "faults", json={"kind": "503", "count": 1, "match": "query"}).json()["faults"] == [
        {"kind": "503", "remaining": 1, "match": "query", "probability": 1.0}]
    assert qbo_api.query("select * from Item").status_code == 503
    control("POST", "faults", json={"kind": "500", "count": 3})
    assert control("POST", "faults", json={"clear": True}).json()["faults"] == []
    assert control("POST", "faults", json={"kind": "nope"}).status_code == 400

    assert control("POST", "edition", json={"edition": "simple start"}).json()["edition"] == "Simple Start"
    assert qbo_api.post("bill", json={}).json()["Fault"]["Error"][0]["code"] == "5020"
    assert control("POST", "edition", json={"edition": "Gold"}).status_code == 400

    assert control("POST", "latency", json={"seconds": 0.2}).json()["latency"] == 0.2
    started = time.monotonic()
    qbo_api.query("select * from Item")
    assert time.monotonic() - started >= 0.2
    control("POST", "latency", json={"seconds": 0})

    control("POST", "expire_tokens")
    assert qbo_api.query("select * from Item").status_code == 401
    fresh = control("POST", "tokens").json()
    assert fresh["realm_id"] == qbo_api.emu.realm_id and fresh["refresh_token"].startswith("AB11")
    qbo_api.session.headers["Authorization"] = f"Bearer {fresh['access_token']}"
    assert qbo_api.query("select * from Item").status_code == 200
    control("POST", "revoke_all")
    assert qbo_api.query("select * from Item").status_code == 401

    assert control("POST", "reset_stats").status_code == 200
    assert control("GET", "stats").json()["api_requests"] == 0
    config = control("GET", "config").json()
    assert config["client_id"] == "emulator-client" and config["base_url"] == qbo_api.emu.base_url
    assert control("GET", "nothing-here").status_code == 404


# ---------------------------------------------------------------------------------------------- CLI
def test_cli_help():
    done = subprocess.run([sys.executable, "-m", "emulators.qbo", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=20)
    assert done.returncode == 0 and "--edition" in done.stdout and "--port" in done.stdout


def test_cli_serves_until_terminated():
    process = subprocess.Popen([sys.executable, "-m", "emulators.qbo", "--port", "0", "--edition", "Essentials"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = [process.stdout.readline() for _ in range(8)]
        text = "".join(lines)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text).group(1)
        assert "emulator-client" in text and "emulator-secret" in text and "9130350000000001" in text
        assert "http://localhost:8765/callback" in text
        tokens = requests.post(f"{url}/__emulator__/tokens", timeout=5).json()
        info = requests.get(f"{url}/v3/company/9130350000000001/companyinfo/9130350000000001", timeout=5,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
        assert {"Name": "OfferingSku", "Value": "QuickBooks Online Essentials"} in info["CompanyInfo"]["NameValue"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()


def test_a_fault_rate_is_reproducible_with_a_seed(qbo, qbo_api):
    def pattern():
        qbo.clear_faults()
        qbo.seed_faults(7)
        qbo.inject("503", count=1000, match="companyinfo", probability=0.3)
        return [qbo_api.get(f"companyinfo/{qbo.realm_id}").status_code for _ in range(40)]

    first = pattern()
    assert first == pattern()
    assert 4 <= first.count(503) <= 20 and first.count(200) >= 20


def test_the_demo_state_survives_a_restart(tmp_path):
    import requests

    from emulators.qbo import QboEmulator

    state = tmp_path / "state.pickle"
    first = QboEmulator(state_file=state)
    with first.start():
        tokens = first.issue_tokens()
        headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"}
        created = requests.post(f"{first.base_url}/v3/company/{first.realm_id}/invoice", headers=headers, timeout=5,
                                json={"CustomerRef": {"value": "1"}, "Line": [{"Amount": 5.0, "DetailType":
                                      "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})
        assert created.status_code == 200, created.text
    second = QboEmulator(state_file=state)
    with second.start():
        again = requests.get(f"{second.base_url}/v3/company/{second.realm_id}/invoice/"
                             f"{created.json()['Invoice']['Id']}", headers=headers, timeout=5)
        assert again.status_code == 200, "the invoice and the access token came back"
        refreshed = requests.post(f"{second.base_url}/oauth2/v1/tokens/bearer", auth=("emulator-client",
                                  "emulator-secret"), data={"grant_type": "refresh_token",
                                                            "refresh_token": tokens["refresh_token"]}, timeout=5)
        assert refreshed.status_code == 200
