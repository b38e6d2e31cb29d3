"""The login form and logout, and `init_auth`, which puts sessions, the guard and both routes on the server.

- The form carries a CSRF token (double submit: a random value in the form and, signed and timed, in a
  cookie of its own), so no session row exists before someone logs in.
- Failed logins are throttled per user name and per client address (tracker/throttle.py): answered at once
  with HTTP 429 and a plain message, never by sleeping. Failed logins are logged without the password.
- Logging in starts a new server-side session (new token); logout is POST only, with the session's CSRF
  token, and deletes the session row, so a copy of the cookie is worthless afterwards.
- `next` is followed only to a same-site path of printable ASCII: anything else goes to the default page.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets

from flask import (Flask, abort, current_app, make_response, redirect, render_template_string, request,
                   session)
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.engine import Engine

from tracker import sessions, throttle, users
from tracker.auth import AccessPolicy, current_user
from tracker.sessions import CSRF_KEY, ServerSessionInterface, SessionStore

log = logging.getLogger(__name__)

DEFAULT_NEXT = "/"
LOGIN_CSRF_COOKIE = "login_csrf"
LOGIN_CSRF_MAX_AGE = 3600

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Finance tracker: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><nav class="navbar navbar-dark bg-dark mb-3" id="login-navbar"><div class="container">
<a class="navbar-brand" href="/">Finance tracker</a></div></nav>
<main class="container" style="max-width: 420px; margin-top: 8vh">
<h1 class="h4 mb-3">Finance tracker: log in</h1>
{% if error %}<div class="alert alert-danger" id="login-error">{{ error }}</div>{% endif %}
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="next" value="{{ next }}">
  <div class="mb-3"><label class="form-label" for="username">User</label>
    <input class="form-control" id="username" name="username" autocomplete="username" value="{{ username }}"
      {% if not username %}autofocus{% endif %} required></div>
  <div class="mb-3"><label class="form-label" for="password">Password</label>
    <input class="form-control" id="password" name="password" type="password" autocomplete="current-password"
      {% if username %}autofocus{% endif %} required></div>
  <button class="btn btn-primary" id="login-submit" type="submit">Log in</button>
</form></main></body></html>"""


def safe_next(target: str | None, default: str = DEFAULT_NEXT) -> str:
    """A same-site path to go to after logging in; anything else (another site, `//host`, a backslash, control
    characters such as CR/LF, spaces or non-ASCII) is unsafe and becomes `default`."""
    value = target or ""
    if (not value.startswith("/") or value.startswith("//") or "\\" in value
            or not all("!" <= char <= "~" for char in value)):
        return default
    return value


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-csrf")


def _form(error: str | None = None, status: int = 200, next_path: str = DEFAULT_NEXT, headers: dict | None = None,
          username: str = ""):
    """The login page with a CSRF token in the form and, signed, in its cookie: the one the browser has already,
    if still valid (two tabs, or a redirected favicon request, must not invalidate each other's forms). After a
    failed attempt the user name stays in its field (Jinja escapes it), the password does not."""
    nonce = _cookie_nonce() or secrets.token_urlsafe(24)
    response = make_response(render_template_string(PAGE, csrf=nonce, next=next_path, error=error,
                                                    username=username), status)
    response.set_cookie(LOGIN_CSRF_COOKIE, _serializer().dumps(nonce), max_age=LOGIN_CSRF_MAX_AGE, path="/login",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    response.headers.update(headers or {})
    return response


def _cookie_nonce() -> str | None:
    try:
        nonce = _serializer().loads(request.cookies.get(LOGIN_CSRF_COOKIE, ""), max_age=LOGIN_CSRF_MAX_AGE)
    except BadData:
        return None
    return nonce if isinstance(nonce, str) and nonce else None


def _login_csrf_ok() -> bool:
    given, nonce = request.form.get("csrf", ""), _cookie_nonce()
    return bool(given and nonce) and hmac.compare_digest(nonce.encode(), given.encode())


def _attempt(engine: Engine, store: SessionStore):
    """POST /login: CSRF, then the throttle, then the password; a new session on success."""
    target = safe_next(request.form.get("next"))
    username = users.normalize(request.form.get("username", ""))[:64]
    address = request.remote_addr or "unknown"
    if not _login_csrf_ok():
        return _form("The form expired: try again.", 400, target, username=username)
    wait = throttle.retry_after(engine, username, address)
    if wait:
        log.warning("Login refused for %r from %s: too many failed attempts", username, address)
        return _form(f"Too many failed logins for this user or from this address. Try again in "
                     f"{math.ceil(wait / 60)} minute(s).", 429, target, {"Retry-After": str(wait)}, username)
    user = users.authenticate(engine, username, request.form.get("password", ""))
    if user is None:
        throttle.record_failure(engine, username, address)
        log.warning("Failed login for %r from %s", username, address)
        return _form("Wrong user or password: try again.", 401, target, username=username)
    throttle.forget(engine, username=username)
    sessions.begin(session, store, user)
    log.info("%s (%s) logged in from %s", user.username, user.role, address)
    return redirect(target)


def init_auth(server: Flask, engine: Engine, policy: AccessPolicy, *, secure_cookie: bool,
              idle_minutes: int) -> SessionStore:
    """Server-side sessions, the guard (before_request), /login and /logout."""
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=secure_cookie)
    store = SessionStore(engine, idle_minutes * 60)
    server.session_interface = ServerSessionInterface(store)
    server.before_request(policy.guard)

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return _form(next_path=safe_next(request.args.get("next")))
        return _attempt(engine, store)

    @server.route("/logout", methods=["POST"])
    def logout():
        user = current_user()
        if user is not None:
            if not hmac.compare_digest(request.form.get("csrf", "").encode(), str(session.get(CSRF_KEY, "")).encode()):
                abort(400)
            sessions.finish(session, store)
            log.info("%s logged out", user.username)
        return redirect("/login")

    return store
