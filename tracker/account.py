"""A logged-in user changes their own password: GET/POST /account/password.

Why on the web and not only in the CLI: staff have no shell on the server, and a password someone else set (the
admin's `users add`) should be replaced by one only its owner knows. The form needs the current password (a
session left open on a shared desk must not be enough to take the account over), the session's CSRF token, and
the same strength rule as `users add` outside demo mode. Wrong current passwords count toward the login
throttle (tracker/throttle.py), so the form is no side door for guessing. On success every other session of the
user ends (tracker/users.set_password); this one stays.
"""

from __future__ import annotations

import hmac
import logging
import math

from flask import Flask, render_template_string, request, session
from sqlalchemy.engine import Engine

from tracker import throttle, users
from tracker.auth import current_user
from tracker.sessions import CSRF_KEY, SessionStore

log = logging.getLogger(__name__)

PATH = "/account/password"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Finance tracker: change password</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width: 460px; margin-top: 8vh">
<h1 class="h4 mb-3">Change the password of {{ username }}</h1>
{% if error %}<div class="alert alert-danger" id="password-error">{{ error }}</div>{% endif %}
{% if done %}<div class="alert alert-success" id="password-done">{{ done }}</div>{% endif %}
<form method="post" action="{{ path }}">
  <input type="hidden" name="csrf" value="{{ csrf }}">
  <div class="mb-3"><label class="form-label" for="current">Current password</label>
    <input class="form-control" id="current" name="current" type="password" autocomplete="current-password" required></div>
  <div class="mb-3"><label class="form-label" for="new">New password</label>
    <input class="form-control" id="new" name="new" type="password" autocomplete="new-password" required>
    {% if strict %}<div class="form-text">At least {{ min_length }} characters, mixing at least two of lower case,
    upper case, digits and symbols.</div>{% endif %}</div>
  <div class="mb-3"><label class="form-label" for="confirm">New password again</label>
    <input class="form-control" id="confirm" name="confirm" type="password" autocomplete="new-password" required></div>
  <button class="btn btn-primary" id="password-submit" type="submit">Change password</button>
  <a class="btn btn-link" href="/" id="password-back">Back to the tracker</a>
</form></main></body></html>"""


def _page(error: str | None = None, done: str | None = None, status: int = 200, headers: dict | None = None,
          *, strict: bool):
    body = render_template_string(PAGE, username=current_user().username, error=error, done=done, path=PATH,
                                  csrf=session.get(CSRF_KEY, ""), strict=strict, min_length=users.MIN_PASSWORD_LENGTH)
    return body, status, headers or {}


def _change(engine: Engine, store: SessionStore, strict: bool):
    """POST: CSRF, throttle, current password, the two new ones, then the change (other sessions end)."""
    user, address = current_user(), request.remote_addr or "unknown"
    if not hmac.compare_digest(request.form.get("csrf", "").encode(), str(session.get(CSRF_KEY, "")).encode()):
        return _page("The form expired: open it again.", status=400, strict=strict)
    wait = throttle.retry_after(engine, user.username, address)
    if wait:
        return _page(f"Too many wrong passwords. Try again in {math.ceil(wait / 60)} minute(s).", status=429,
                     headers={"Retry-After": str(wait)}, strict=strict)
    if users.authenticate(engine, user.username, request.form.get("current", "")) is None:
        throttle.record_failure(engine, user.username, address)
        log.warning("Password change for %s from %s refused: wrong current password", user.username, address)
        return _page("The current password is wrong.", status=401, strict=strict)
    new = request.form.get("new", "")
    if new != request.form.get("confirm", ""):
        return _page("The two new passwords differ: type the same one twice.", status=400, strict=strict)
    try:
        ended = users.set_password(engine, user.username, new, strict=strict, keep_session=store.row_id(session.token))
    except users.UserError as exc:
        return _page(str(exc), status=400, strict=strict)
    others = f" {ended} other session(s) were logged out." if ended else ""
    return _page(done=f"Password changed.{others}", strict=strict)


def init_account(server: Flask, engine: Engine, store: SessionStore, *, strict: bool) -> None:
    """The page, for every logged-in user (staff and admin); `strict` outside demo mode. Its role (staff) is
    declared in pages/_access.py; `AccessPolicy.protect_views` checks it inside the view, sending an anonymous
    browser to the login page and back (a bare `requires` could only answer 401)."""

    @server.route(PATH, methods=["GET", "POST"])
    def change_password():
        if request.method == "GET":
            return _page(strict=strict)
        return _change(engine, store, strict)
