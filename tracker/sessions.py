"""Server-side sessions: the signed cookie carries only a random session token; the rest lives in `sessions`.

A row per logged-in session (user, created, last seen, a little data such as the logout form's CSRF token, the
OAuth `state` and the admin page's one-time message), keyed by the SHA-256 of the token, so the database file
holds no usable session. A session ends when its row goes: logout, SESSION_IDLE_MINUTES without a request, a
password change or the user's removal (tracker/users.py). A cookie whose row is gone is worth nothing, even if
someone kept a copy. Anonymous visitors get no row and no cookie; Flask's `session` is then an empty dict whose
changes are not kept (the login form's CSRF token travels in its own cookie, see tracker/login.py).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Callable

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from werkzeug.datastructures import CallbackDict

from tracker.db import sessions, users
from tracker.users import User

TOUCH_SECONDS = 60   # last_seen_at is written at most once a minute per session, not on every poll
CSRF_KEY = "csrf"


def _row_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """Flask's `session`: a dict, plus the token and user of a logged-in session (both None when anonymous)."""

    def __init__(self, data: dict | None = None, token: str | None = None, user: User | None = None,
                 stale_cookie: bool = False):
        def on_update(self_) -> None:
            self_.modified = True

        super().__init__(data or {}, on_update)
        self.token, self.user, self.stale_cookie = token, user, stale_cookie
        self.modified = self.fresh = self.ended = False


class SessionStore:
    def __init__(self, engine: Engine, idle_seconds: float, clock: Callable[[], float] = time.time):
        self.engine, self.idle_seconds, self.clock = engine, idle_seconds, clock

    def create(self, user_id: int, data: dict) -> str:
        token, now = secrets.token_urlsafe(32), self.clock()
        with self.engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.last_seen_at < now - self.idle_seconds))
            connection.execute(insert(sessions).values(id=_row_id(token), user_id=user_id, created_at=now,
                                                       last_seen_at=now, data_json=json.dumps(data)))
        return token

    def load(self, token: str) -> tuple[User, dict] | None:
        """The session's user and data, None when it ended or idled out; marks it as seen now."""
        now, row_id = self.clock(), _row_id(token)
        with self.engine.connect() as connection:
            row = connection.execute(
                select(sessions.c.last_seen_at, sessions.c.data_json, users.c.id, users.c.username, users.c.role)
                .join(users, users.c.id == sessions.c.user_id).where(sessions.c.id == row_id)).first()
        if row is None:
            return None
        if row.last_seen_at < now - self.idle_seconds:
            self.end(token)
            return None
        if now - row.last_seen_at >= TOUCH_SECONDS:
            with self.engine.begin() as connection:
                connection.execute(update(sessions).where(sessions.c.id == row_id).values(last_seen_at=now))
        return User(row.id, row.username, row.role), json.loads(row.data_json or "{}")

    def save_data(self, token: str, data: dict) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(sessions).where(sessions.c.id == _row_id(token))
                               .values(data_json=json.dumps(data)))

    def end(self, token: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.id == _row_id(token)))

    @staticmethod
    def row_id(token: str) -> str:
        """The `sessions.id` of a token (for `users.set_password(keep_session=...)`)."""
        return _row_id(token)


class ServerSessionInterface(SessionInterface):
    """Flask's session machinery on top of `SessionStore`; cookie flags come from the app's SESSION_COOKIE_*."""

    salt = "tracker-session"

    def __init__(self, store: SessionStore):
        self.store = store

    def _signer(self, app: Flask) -> Signer:
        return Signer(app.secret_key, salt=self.salt, digest_method=hashlib.sha256)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return ServerSession()
        try:
            token = self._signer(app).unsign(cookie).decode()
        except BadSignature:
            return ServerSession(stale_cookie=True)
        found = self.store.load(token)
        if found is None:
            return ServerSession(stale_cookie=True)
        user, data = found
        return ServerSession(data, token, user)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        name, domain, path = self.get_cookie_name(app), self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.token is None:
            if session.ended or session.stale_cookie:
                response.delete_cookie(name, domain=domain, path=path, secure=self.get_cookie_secure(app),
                                       httponly=True, samesite=self.get_cookie_samesite(app))
            return
        response.vary.add("Cookie")
        if session.modified:
            self.store.save_data(session.token, dict(session))
        if session.fresh:
            response.set_cookie(name, self._signer(app).sign(session.token).decode(), domain=domain, path=path,
                                 httponly=self.get_cookie_httponly(app), secure=self.get_cookie_secure(app),
                                 samesite=self.get_cookie_samesite(app))


def begin(session: ServerSession, store: SessionStore, user: User) -> None:
    """Log `user` in on this request: a new session (a new token: no fixation), with its own CSRF token."""
    if session.token:
        store.end(session.token)
    data = {CSRF_KEY: secrets.token_urlsafe(32)}
    token = store.create(user.id, data)
    session.clear()
    session.update(data)
    session.token, session.user, session.fresh, session.modified = token, user, True, False


def finish(session: ServerSession, store: SessionStore) -> None:
    """Log out: the row goes (so a copied cookie is worthless) and the browser is told to forget the cookie."""
    if session.token:
        store.end(session.token)
    session.clear()
    session.token, session.user, session.ended, session.modified = None, None, True, False
