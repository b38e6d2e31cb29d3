"""Every response carries the security headers (a Content-Security-Policy Dash works under, no framing, no
sniffing, a referrer policy), and a request body over MAX_CONTENT_LENGTH is refused with 413 before it is read."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

PATHS = ["/", "/invoices", "/admin", "/login", "/healthz", "/_dash-layout", "/_dash-dependencies",
         "/assets/bootstrap.min.css", "/qbo/connect", "/no-such-file.js"]


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(tracker_app, path):
    response = tracker_app.server.test_client().get(path)
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    policy = _directives(headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]


def test_the_errors_and_anonymous_refusals_carry_them_too(tracker_app):
    client = tracker_app.server.test_client()
    for response in (client.post("/_dash-update-component", json={"output": "admin-sync-message.children"}),
                     client.post("/login", data={"username": "x"}), client.get("/qbo/invoice/1/pdf")):
        assert response.headers["X-Frame-Options"] == "DENY", response.status
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_policy_allows_exactly_dash_s_inline_scripts(admin_client):
    """Dash starts its renderer from an inline <script>: the policy names its hash, so it runs and nothing else."""
    response = admin_client.get("/")
    assert response.status_code == 200
    page = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)   # Dash's IE-only note
    inline = [body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
              if "src=" not in attrs and "application/json" not in attrs and body.strip()]
    assert len(inline) >= 2, "Dash's renderer start-up and the pages' title callback are inline scripts"
    allowed = _directives(response.headers["Content-Security-Policy"])["script-src"]
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in allowed


@pytest.mark.parametrize("path, content_type", [
    ("/_dash-update-component", "application/json"),
    ("/login", "application/x-www-form-urlencoded"),
    ("/qbo/connect", "application/octet-stream"),
], ids=["callback", "login", "other-route"])
def test_a_41_mb_anonymous_post_is_refused_with_413(tracker_app, path, content_type):
    body = b"{" + b" " * (41 * 1024 * 1024) + b"}"
    response = tracker_app.server.test_client().post(path, data=body, content_type=content_type)
    assert response.status_code == 413
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_normal_callback_body_is_not_refused(tracker_app):
    response = tracker_app.server.test_client().post("/_dash-update-component", json={"output": "x" * 10_000})
    assert response.status_code != 413
