"""Changing one's own password on the web (/account/password): who may, what it checks, and which sessions end."""

from __future__ import annotations

import itertools
import re

import pytest
from flask import Flask

from tests.conftest import login
from tracker import db, throttle
from tracker.account import PATH, init_account
from tracker.auth import PUBLIC, STAFF, AccessPolicy
from tracker.login import init_auth
from tracker.users import add_user, authenticate

OLD, NEW = "old-password-for-tests", "New-password-2026!"
_names = itertools.count()


@pytest.fixture
def user(tracker_app):
    """A staff user of its own (the shared `staff` and `admin` must keep their passwords for other tests)."""
    name = f"pw{next(_names)}"
    add_user(tracker_app.server.config["TRACKER_ENGINE"], name, OLD, "staff", strict=False)
    yield name
    throttle.forget(tracker_app.server.config["TRACKER_ENGINE"], username=name)


def _client(app, username: str, password: str = OLD):
    client = app.server.test_client()
    assert login(client, username, password, next_path="/").status_code == 302
    return client


def _csrf(client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(PATH).get_data(as_text=True)).group(1)


def _change(client, current=OLD, new=NEW, confirm=None, csrf=None):
    form = {"current": current, "new": new, "confirm": new if confirm is None else confirm}
    form["csrf"] = _csrf(client) if csrf is None else csrf
    return client.post(PATH, data=form)


def _props_of(node, component_id: str) -> dict | None:
    """The props of the component with `component_id` in a Dash layout (JSON), or None."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == component_id:
            return props
        node = list(node.values())
    if isinstance(node, list):
        return next((found for child in node if (found := _props_of(child, component_id)) is not None), None)
    return None


def _logged_in(client) -> bool:
    return client.get("/_dash-layout").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(tracker_app):
    response = tracker_app.server.test_client().get(PATH)
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next={PATH}"


def test_the_page_is_linked_from_the_navigation_bar(tracker_app, user):
    client = _client(tracker_app, user)
    assert _props_of(client.get("/_dash-layout").get_json(), "nav-password")["href"] == PATH
    assert f"Change the password of {user}" in client.get(PATH).get_data(as_text=True)


def test_a_change_ends_the_other_sessions_and_keeps_this_one(tracker_app, user):
    engine = tracker_app.server.config["TRACKER_ENGINE"]
    here, elsewhere = _client(tracker_app, user), _client(tracker_app, user)
    response = _change(here)
    assert response.status_code == 200 and "1 other session(s) were logged out" in response.get_data(as_text=True)
    assert _logged_in(here) and not _logged_in(elsewhere)
    assert authenticate(engine, user, NEW) is not None and authenticate(engine, user, OLD) is None


@pytest.mark.parametrize("case, form, status, message", [
    ("wrong current password", {"current": "not-it"}, 401, "The current password is wrong."),
    ("the two new ones differ", {"confirm": NEW + "x"}, 400, "The two new passwords differ"),
    ("no CSRF token", {"csrf": ""}, 400, "The form expired"),
    ("a forged CSRF token", {"csrf": "forged"}, 400, "The form expired"),
    ("an empty new password", {"new": "", "confirm": ""}, 400, "The password is empty"),
])
def test_a_refused_change_says_why_and_keeps_the_password(tracker_app, user, case, form, status, message):
    client = _client(tracker_app, user)
    response = _change(client, **form)
    assert response.status_code == status, case
    assert message in response.get_data(as_text=True)
    assert authenticate(tracker_app.server.config["TRACKER_ENGINE"], user, OLD) is not None


def test_wrong_current_passwords_count_toward_the_login_throttle(tracker_app, user):
    client = _client(tracker_app, user)
    answers = [_change(client, current=f"guess-{n}").status_code for n in range(throttle.LIMIT + 1)]
    assert answers == [401] * throttle.LIMIT + [429]
    assert _change(client).status_code == 429               # even the right one waits now
    assert login(tracker_app.server.test_client(), user, OLD).status_code == 429


@pytest.fixture
def strict_server(tmp_path):
    """The page outside demo mode: a plain Flask server with the real login, sessions and guard."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    db.upgrade(engine)
    add_user(engine, "dana", OLD, "staff", strict=False)
    server = Flask(__name__)
    server.secret_key = "test"
    policy = AccessPolicy({"/login": PUBLIC, "/logout": PUBLIC, PATH: STAFF, "/": STAFF}, {}, frozenset({PATH}))
    server.add_url_rule("/", "home", lambda: "home")
    store = init_auth(server, engine, policy, secure_cookie=False, idle_minutes=60)
    init_account(server, engine, store, strict=True)
    policy.protect_views(server)
    yield server, engine
    engine.dispose()


@pytest.mark.parametrize("new, accepted", [("short1!", False), ("alllowercaseletters", False),
                                           ("dana-Password-1", False), (NEW, True)])
def test_outside_demo_mode_the_new_password_must_be_strong(strict_server, new, accepted):
    server, engine = strict_server
    client = server.test_client()
    assert login(client, "dana", OLD, next_path="/").status_code == 302
    response = _change(client, new=new)
    assert (response.status_code == 200) is accepted, response.get_data(as_text=True)
    assert (authenticate(engine, "dana", new) is not None) is accepted
    if not accepted:
        assert "Refused: the password" in response.get_data(as_text=True)
