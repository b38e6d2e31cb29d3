"""Security headers on every response, and a cap on request bodies.

    init_headers(server, script_hashes=app.csp_hashes)

Every response (pages, Dash's JSON, assets, redirects, errors) gets:

    Content-Security-Policy   scripts only from this origin, plus the inline scripts whose hashes
                              `script_hashes()` returns (Dash's renderer start-up line, see `Dash.csp_hashes`);
                              no plug-ins, no <base> elsewhere, forms post here only, and no framing
    X-Frame-Options: DENY     the same "never in a frame" for browsers without frame-ancestors
    X-Content-Type-Options: nosniff
    Referrer-Policy: same-origin   addresses (with their query) never leave for other sites

Styles allow 'unsafe-inline': Dash components and Plotly set inline styles and add <style> elements at run time;
CSS cannot run code. Images allow data: and blob: (Bootstrap's icons, Plotly's "download as PNG").

Request bodies are capped by Flask's MAX_CONTENT_LENGTH (default 2 MB, far above any form or callback here):
a bigger body is answered 413 before anything reads it, whoever sends it, logged in or not.
"""

from __future__ import annotations

from typing import Callable, Iterable

from flask import Flask, Response, abort, request

MAX_BODY_BYTES = 2 * 1024 * 1024

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    policy = {**POLICY, "script-src": [*POLICY["script-src"], *script_hashes]}
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


def init_headers(server: Flask, script_hashes: Callable[[], Iterable[str]] = tuple,
                 max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Register the headers and the body cap on `server`; call it before other `before_request` guards, so an
    oversized body is refused before they run."""
    if server.config.get("MAX_CONTENT_LENGTH") is None:   # Flask's default is None: no limit at all
        server.config["MAX_CONTENT_LENGTH"] = max_body_bytes

    @server.before_request
    def refuse_big_bodies():
        limit = server.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and (request.content_length or 0) > limit:
            abort(413)   # a chunked body without a length is cut at the limit by Werkzeug when read

    @server.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(script_hashes()))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response
