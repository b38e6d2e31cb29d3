"""Logging in and out on the shared app: server-side sessions that end, login throttling, and a safe `next`."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest
from itsdangerous import Signer
from sqlalchemy import select, update

from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, login
from tracker import throttle
from tracker.db import login_failures, sessions
from tracker.sessions import ServerSessionInterface, SessionStore
from tracker.users import add_user, set_password


def _engine(tracker_app):
    return tracker_app.server.config["TRACKER_ENGINE"]


def _logged_in(client) -> bool:
    return client.get("/_dash-layout").status_code == 200


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _row_of(tracker_app, cookie: str) -> str:
    token = Signer(tracker_app.server.secret_key, salt=ServerSessionInterface.salt,
                   digest_method=hashlib.sha256).unsign(cookie).decode()
    return SessionStore.row_id(token)


def _csrf(client) -> str:
    """The logout form's CSRF token, as the navigation bar of the Dash layout carries it."""
    def walk(node):
        if isinstance(node, dict):
            if node.get("name") == "csrf":
                yield node["value"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    return next(walk(client.get("/_dash-layout").get_json()))


def _session_ids(tracker_app) -> set[str]:
    with _engine(tracker_app).connect() as connection:
        return set(connection.execute(select(sessions.c.id)).scalars())


def test_the_cookie_carries_only_a_session_id_kept_on_the_server(tracker_app, admin_client):
    cookie = _cookie(admin_client)
    assert "admin" not in cookie and "{" not in cookie and "." in cookie
    assert _row_of(tracker_app, cookie) in _session_ids(tracker_app)
    token = cookie.rsplit(".", 1)[0]
    database = Path(tracker_app.server.config["TRACKER_SETTINGS"].database_url.split("///", 1)[1])
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    assert token.encode() not in stored, "the database keeps only the token's hash"


def test_a_login_starts_a_new_session_each_time(tracker_app):
    client = tracker_app.server.test_client()
    login(client, "staff", STAFF_PASSWORD)
    first = _cookie(client)
    login(client, "staff", STAFF_PASSWORD)
    assert _cookie(client) != first
    assert _row_of(tracker_app, first) not in _session_ids(tracker_app)


def test_logout_is_post_only_and_needs_the_csrf_token(tracker_app, staff_client):
    staff_client.get("/logout")
    assert _logged_in(staff_client), "a GET must not log out (a link or an image could)"
    assert staff_client.post("/logout").status_code == 400
    assert staff_client.post("/logout", data={"csrf": "forged"}).status_code == 400
    assert _logged_in(staff_client)


def test_logout_ends_the_session_on_the_server(tracker_app, staff_client):
    cookie = _cookie(staff_client)
    response = staff_client.post("/logout", data={"csrf": _csrf(staff_client)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not _logged_in(staff_client)
    assert _row_of(tracker_app, cookie) not in _session_ids(tracker_app)
    replay = tracker_app.server.test_client()
    replay.set_cookie("session", cookie)   # a copy of the old cookie is worth nothing now
    assert replay.get("/_dash-layout").status_code == 401
    assert replay.get("/admin").status_code == 302


def test_a_session_ends_after_the_idle_time(tracker_app, staff_client):
    idle = tracker_app.server.config["TRACKER_SETTINGS"].session_idle_minutes
    assert idle == 480
    row = _row_of(tracker_app, _cookie(staff_client))
    with _engine(tracker_app).begin() as connection:
        connection.execute(update(sessions).where(sessions.c.id == row)
                           .values(last_seen_at=time.time() - idle * 60 + 120))
    assert _logged_in(staff_client), "two minutes short of the idle time: still valid"
    with _engine(tracker_app).begin() as connection:
        connection.execute(update(sessions).where(sessions.c.id == row)
                           .values(last_seen_at=time.time() - idle * 60 - 1))
    assert not _logged_in(staff_client)
    assert row not in _session_ids(tracker_app)


def test_a_password_change_ends_the_users_other_sessions(tracker_app):
    engine = _engine(tracker_app)
    add_user(engine, "carol", "First-pass-of-C-1", "staff")
    here, elsewhere = tracker_app.server.test_client(), tracker_app.server.test_client()
    for client in (here, elsewhere):
        assert login(client, "carol", "First-pass-of-C-1").status_code == 302
    ended = set_password(engine, "carol", "Second-pass-of-C-2", keep_session=_row_of(tracker_app, _cookie(here)))
    assert ended == 1
    assert _logged_in(here) and not _logged_in(elsewhere)
    assert login(tracker_app.server.test_client(), "carol", "First-pass-of-C-1").status_code == 401
    assert login(tracker_app.server.test_client(), "carol", "Second-pass-of-C-2").status_code == 302


# --- throttling -----------------------------------------------------------------------------------------------

def _attempt(tracker_app, username, password, address):
    client = tracker_app.server.test_client()
    started = time.monotonic()
    response = login(client, username, password, environ_base={"REMOTE_ADDR": address})
    return response, time.monotonic() - started


def test_five_failures_for_a_user_refuse_the_sixth_attempt_from_anywhere(tracker_app, forget_failed_logins):
    for n in range(throttle.LIMIT):
        assert _attempt(tracker_app, "staff", "wrong", f"10.1.0.{n}")[0].status_code == 401
    refused, took = _attempt(tracker_app, "staff", STAFF_PASSWORD, "10.1.0.99")
    assert refused.status_code == 429, "even the right password is refused while the user is blocked"
    assert "Too many failed logins" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= throttle.WINDOW_SECONDS
    assert took < 1.0, "refused at once, without sleeping"
    assert _attempt(tracker_app, "admin", ADMIN_PASSWORD, "10.1.0.99")[0].status_code == 302, "others may log in"
    with forget_failed_logins.connect() as connection:
        assert len(connection.execute(select(login_failures)).all()) == throttle.LIMIT, "refusals are not counted"


def test_five_failures_from_an_address_refuse_every_user_from_it(tracker_app, forget_failed_logins):
    for n in range(throttle.LIMIT):
        assert _attempt(tracker_app, f"guess{n}", "wrong", "10.2.0.1")[0].status_code == 401
    assert _attempt(tracker_app, "staff", STAFF_PASSWORD, "10.2.0.1")[0].status_code == 429
    assert _attempt(tracker_app, "staff", STAFF_PASSWORD, "10.2.0.2")[0].status_code == 302


def test_the_block_ends_when_the_failures_are_old_and_a_login_forgets_them(tracker_app, forget_failed_logins):
    for n in range(throttle.LIMIT):
        _attempt(tracker_app, "staff", "wrong", "10.3.0.1")
    assert _attempt(tracker_app, "staff", STAFF_PASSWORD, "10.3.0.1")[0].status_code == 429
    with forget_failed_logins.begin() as connection:
        connection.execute(update(login_failures).values(failed_at=login_failures.c.failed_at - throttle.WINDOW_SECONDS))
    assert _attempt(tracker_app, "staff", "wrong", "10.3.0.2")[0].status_code == 401
    assert _attempt(tracker_app, "staff", STAFF_PASSWORD, "10.3.0.2")[0].status_code == 302
    with forget_failed_logins.connect() as connection:
        assert connection.execute(select(login_failures).where(login_failures.c.username == "staff")).all() == []


def test_the_throttle_counts_in_the_database_for_every_worker(tracker_app, forget_failed_logins):
    """Another worker process sees the same failures: they are rows, not memory."""
    for n in range(throttle.LIMIT):
        throttle.record_failure(forget_failed_logins, "staff", f"10.4.0.{n}")
    assert throttle.retry_after(forget_failed_logins, "STAFF ", "10.4.9.9") > 0
    assert _attempt(tracker_app, "staff", STAFF_PASSWORD, "10.4.9.9")[0].status_code == 429


# --- next -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/admin\r\nSet-Cookie: a=b", "/admin\nx", "/\tadmin", "/ad\x00min", "/ad\x7fmin",
                                    "/\\evil.example", "//evil.example", "https://evil.example/", "admin", "/ad min",
                                    "/caf\u00e9"])
def test_an_unsafe_next_goes_to_the_default_page(tracker_app, target):
    client = tracker_app.server.test_client()
    form = client.get("/login", query_string={"next": target})
    assert form.status_code == 200 and 'name="next" value="/"' in form.get_data(as_text=True)
    response = login(client, "staff", STAFF_PASSWORD, next_path="/")
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf": csrf, "username": "staff", "password": STAFF_PASSWORD,
                                           "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_control_character_in_a_page_path_is_no_error(tracker_app, staff_client):
    for client, status in ((tracker_app.server.test_client(), 401), (staff_client, 404)):
        response = client.get("/admin%0d%0aSet-Cookie:%20a=b")
        assert response.status_code == status and "a=b" not in response.headers.get("Set-Cookie", "")
    assert tracker_app.server.test_client().get("/admin%09x").headers["Location"] == "/login?next=/admin%09x"
