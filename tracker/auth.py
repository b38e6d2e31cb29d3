"""The admin login: one administrator (ADMIN_USERNAME + a hashed password), a signed session cookie.

A `before_request` guard protects every admin surface at once, from explicit lists that app.py passes in
(pages/_access.py keeps them; tracker/ imports neither pages/ nor quickbooks/): the admin routes (Flask URL
rules, or Dash page paths, which Dash serves through its catch-all rule), and the admin Dash callbacks by
their `callback_map` key, so a callback cannot be called around the page. A callback POST whose output is
in neither the admin nor the public list is refused without the login too (deny by default). Session
cookies are HttpOnly, SameSite=Lax, Secure outside demo mode. The login form carries a CSRF token; failed
logins are logged without the password.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Collection
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, render_template_string, request, session
from werkzeug.security import check_password_hash

log = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
SESSION_USER = "admin_user"
SESSION_CSRF = "login_csrf"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Admin login</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width: 420px; margin-top: 10vh">
<h1 class="h4 mb-3">Finance tracker: admin login</h1>
{% if error %}<div class="alert alert-danger" id="login-error">{{ error }}</div>{% endif %}
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="next" value="{{ next }}">
  <div class="mb-3"><label class="form-label" for="username">User</label>
    <input class="form-control" id="username" name="username" autocomplete="username" required></div>
  <div class="mb-3"><label class="form-label" for="password">Password</label>
    <input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required></div>
  <button class="btn btn-primary" id="login-submit" type="submit">Log in</button>
</form></main></body></html>"""


def is_admin() -> bool:
    return bool(session.get(SESSION_USER))


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/") or (target or "").startswith("//"):
        return "/admin"
    return target


def _page_path(path: str) -> str:
    """The path as Dash's page router reads it: "/admin/" and "/admin" are the same page."""
    return "/" + path.strip("/")


def _callback_output() -> str:
    """The callback a Dash POST asks for: its `output`, the key Dash looks the callback up by."""
    body = request.get_json(silent=True)
    return str(body.get("output", "")) if isinstance(body, dict) else ""


def init_auth(server: Flask, username: str, password_hash: str, secure_cookie: bool, *,
              admin_routes: Collection[str], admin_callbacks: Collection[str],
              public_callbacks: Collection[str]) -> None:
    """Session cookie flags, the guard, /login and /logout.

    `admin_routes`: URL rules as `server.url_map` spells them, or Dash page paths; `admin_callbacks` and
    `public_callbacks`: Dash `callback_map` keys. A callback in neither set needs the login.
    """
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=secure_cookie)
    admin_routes, admin_callbacks = frozenset(admin_routes), frozenset(admin_callbacks)
    public_callbacks = frozenset(public_callbacks)

    @server.before_request
    def guard():
        if is_admin():
            return None
        rule = request.url_rule.rule if request.url_rule is not None else request.path
        page = _page_path(request.path)
        if rule in admin_routes or page in admin_routes:
            if request.method == "GET" and rule not in admin_routes:   # a Dash page, served by the catch-all
                return redirect(f"/login?next={page}")
            abort(401)
        if rule == CALLBACK_PATH and request.method == "POST":
            output = _callback_output()
            if output in admin_callbacks or output not in public_callbacks:
                abort(401)
        return None

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            session[SESSION_CSRF] = secrets.token_urlsafe(24)
            return render_template_string(PAGE, csrf=session[SESSION_CSRF], next=_safe_next(request.args.get("next")),
                                          error=None)
        expected_csrf = session.pop(SESSION_CSRF, "")
        given_csrf = request.form.get("csrf", "")
        target = _safe_next(request.form.get("next"))
        user_ok = hmac.compare_digest(request.form.get("username", "").encode(), username.encode())
        password_ok = bool(password_hash) and check_password_hash(password_hash, request.form.get("password", ""))
        if expected_csrf and hmac.compare_digest(given_csrf.encode(), expected_csrf.encode()) and user_ok and password_ok:
            session.clear()
            session[SESSION_USER] = username
            log.info("Admin %s logged in", username)
            return redirect(target)
        log.warning("Failed admin login from %s", request.remote_addr)
        time.sleep(0.5)  # slows guessing a little; the real defence is a long generated password
        session[SESSION_CSRF] = secrets.token_urlsafe(24)
        return render_template_string(PAGE, csrf=session[SESSION_CSRF], next=target,
                                      error="Wrong user or password, or the form expired: try again."), 401

    @server.route("/logout", methods=["POST", "GET"])
    def logout():
        session.clear()
        return redirect("/")
