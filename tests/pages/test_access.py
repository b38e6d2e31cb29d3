"""pages/_access.py classifies every route, page and Dash callback, and the login guard follows it.

A new admin callback, route or page that nobody listed fails the classification tests here; the table-driven
tests then check, for every listed admin entry, that an anonymous request is refused and the admin's is not.
"""

from __future__ import annotations

import re

import dash
import pytest

from pages import _access as access
from quickbooks.sync import SYNC_LEASE
from tracker.leases import release, try_acquire

ROUTE_LISTS = {"ADMIN_ROUTES": access.ADMIN_ROUTES, "PUBLIC_ROUTES": access.PUBLIC_ROUTES,
               "DASHBOARD_ROUTES": access.DASHBOARD_ROUTES}
CALLBACK_LISTS = {"ADMIN_CALLBACKS": access.ADMIN_CALLBACKS, "PUBLIC_CALLBACKS": access.PUBLIC_CALLBACKS}
CALLBACK_PATH = "/_dash-update-component"


def _holders(name: str, lists: dict[str, frozenset[str]]) -> list[str]:
    return [list_name for list_name, entries in lists.items() if name in entries]


@pytest.fixture(scope="module")
def callback_map(tracker_app):
    """The app's callbacks: Dash moves the @callback functions of pages/ into `callback_map` on the first request."""
    assert tracker_app.server.test_client().get("/_dash-layout").status_code == 200
    return tracker_app.callback_map


def _rules(tracker_app) -> set[str]:
    return {rule.rule for rule in tracker_app.server.url_map.iter_rules()}


def _page_paths() -> set[str]:
    return {page["path"] for page in dash.page_registry.values()}


def test_every_callback_is_listed_exactly_once(callback_map):
    assert {key: _holders(key, CALLBACK_LISTS) for key in callback_map
            if len(_holders(key, CALLBACK_LISTS)) != 1} == {}


def test_every_listed_callback_exists(callback_map):
    listed = access.ADMIN_CALLBACKS | access.PUBLIC_CALLBACKS
    assert sorted(listed - set(callback_map)) == []


def test_every_route_and_page_is_listed_exactly_once(tracker_app):
    """Flask rules as url_map spells them, and Dash page paths (all served by the catch-all rule)."""
    names = _rules(tracker_app) | _page_paths()
    assert {name: _holders(name, ROUTE_LISTS) for name in names if len(_holders(name, ROUTE_LISTS)) != 1} == {}


def test_every_listed_route_exists(tracker_app):
    listed = access.ADMIN_ROUTES | access.PUBLIC_ROUTES | access.DASHBOARD_ROUTES
    assert sorted(listed - _rules(tracker_app) - _page_paths()) == []


@pytest.fixture
def admin(admin_client):
    return admin_client


def _url(rule: str) -> str:
    """A concrete URL for a rule: every <converter:variable> becomes 1."""
    return re.sub(r"<[^>]+>", "1", rule)


def _body(key: str, spec: dict | None = None) -> dict:
    """The JSON Dash's renderer posts for the callback `key` (every input None)."""
    outputs = [dict(zip(("id", "property"), out.rsplit(".", 1))) for out in key.strip(".").split("...")]
    inputs = [{"id": i["id"], "property": i["property"], "value": None} for i in (spec or {}).get("inputs", [])]
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0], "inputs": inputs,
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs[:1]],
            "state": [{"id": s["id"], "property": s["property"]} for s in (spec or {}).get("state", [])]}


@pytest.mark.parametrize("rule", sorted(access.ADMIN_ROUTES))
def test_an_admin_route_needs_the_login(tracker_app, admin, rule):
    url = _url(rule)
    anonymous = tracker_app.server.test_client()
    response = anonymous.get(url)
    if rule in _rules(tracker_app):
        assert response.status_code == 401
    else:   # a Dash page: the browser is sent to the login form, and back afterwards
        assert response.status_code == 302 and response.headers["Location"] == f"/login?next={url}"
    assert anonymous.post(url).status_code in (401, 405)   # never the redirect; 405: a GET-only rule
    assert admin.get(url).status_code != 401


@pytest.mark.parametrize("key", sorted(access.ADMIN_CALLBACKS))
def test_an_admin_callback_needs_the_login(tracker_app, callback_map, admin, key):
    sync = tracker_app.server.extensions["sync"]
    runs_before = len(sync.runs.recent(1000))
    body = _body(key, callback_map[key])
    assert tracker_app.server.test_client().post(CALLBACK_PATH, json=body).status_code == 401
    assert len(sync.runs.recent(1000)) == runs_before, "an anonymous callback ran"
    # Logged in, the callback runs; the sync lease is held so no callback starts a sync or a preview.
    assert try_acquire(sync.engine, SYNC_LEASE, "test-access", ttl=60)
    try:
        assert admin.post(CALLBACK_PATH, json=body).status_code in (200, 204)
    finally:
        release(sync.engine, SYNC_LEASE, "test-access")


@pytest.mark.parametrize("body", [
    _body("admin-sync-message.children.x"),
    _body("not-listed.children"),
    _body("..admin-sync-message.children..."),
    {"output": ["admin-sync-message.children"]},
    {"inputs": []},
    ["admin-sync-message.children"],
], ids=["near-miss", "unknown", "mangled-multi", "list-output", "no-output", "not-an-object"])
def test_an_unlisted_callback_is_refused_anonymously(tracker_app, callback_map, body):
    assert tracker_app.server.test_client().post(CALLBACK_PATH, json=body).status_code == 401


def test_the_page_router_is_public_and_the_admin_layout_asks_for_the_login(tracker_app, callback_map):
    key = "..%s.." % "...".join(("_pages_content.children", "_pages_store.data"))
    body = _body(key, callback_map[key])
    for value, prop in zip(("/admin", ""), ("pathname", "search")):
        next(i for i in body["inputs"] if i["property"] == prop)["value"] = value
    response = tracker_app.server.test_client().post(CALLBACK_PATH, json=body)
    assert response.status_code == 200
    assert b"admin-login-link" in response.data and b"admin-sync-now" not in response.data


@pytest.mark.parametrize("path", sorted(access.DASHBOARD_ROUTES | {"/login", "/healthz", "/_dash-layout"}))
def test_public_routes_are_open(tracker_app, path):
    assert tracker_app.server.test_client().get(path).status_code == 200
