"""pages/_access.py gives every route, page and Dash callback a role, and both checks follow it.

A route, page or callback that nobody declared fails the classification tests here. The table-driven tests then
check every declared entry both ways, for an anonymous visitor, a staff user and an admin; and again with the
before_request guard taken away, to prove that each view and callback checks its role itself (`requires`).
"""

from __future__ import annotations

import re

import dash
import pytest

from pages import _access as access
from quickbooks.sync import SYNC_LEASE
from tracker.auth import ADMIN, PUBLIC, RANK, STAFF
from tracker.leases import release, try_acquire

CALLBACK_PATH = "/_dash-update-component"
ROUTER = "..%s.." % "...".join(("_pages_content.children", "_pages_store.data"))


@pytest.fixture
def callback_map(tracker_app, staff_client):
    """The app's callbacks: Dash moves the @callback functions of pages/ into `callback_map` on the first request."""
    assert staff_client.get("/_dash-layout").status_code == 200
    return tracker_app.callback_map


def _rules(tracker_app) -> set[str]:
    return {rule.rule for rule in tracker_app.server.url_map.iter_rules()}


def _page_paths() -> set[str]:
    return {page["path"] for page in dash.page_registry.values()}


def test_every_callback_has_a_role(callback_map):
    assert sorted(set(callback_map) - set(access.CALLBACKS)) == []


def test_every_route_and_page_has_a_role(tracker_app):
    """Flask rules as url_map spells them, and Dash page paths (all served by "/" and the catch-all rule)."""
    assert sorted((_rules(tracker_app) | _page_paths()) - set(access.ROUTES)) == []


def test_every_declared_entry_exists_and_every_role_is_known(tracker_app, callback_map):
    assert sorted(set(access.ROUTES) - _rules(tracker_app) - _page_paths()) == []
    assert sorted(set(access.CALLBACKS) - set(callback_map)) == []
    assert {role for role in [*access.ROUTES.values(), *access.CALLBACKS.values()]} <= set(RANK)
    assert access.PAGE_RULES <= _rules(tracker_app)


def test_only_the_login_health_check_and_static_assets_are_public():
    assert sorted(name for name, role in access.ROUTES.items() if role == PUBLIC) == sorted([
        "/login", "/logout", "/healthz", "/static/<path:filename>", "/assets/<path:filename>",
        "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>", "/_favicon.ico"])
    assert [key for key, role in access.CALLBACKS.items() if role == PUBLIC] == []


def test_every_view_and_callback_checks_its_declared_role_itself(tracker_app, callback_map):
    server = tracker_app.server
    views = {rule.rule: getattr(server.view_functions[rule.endpoint], "required_role", None)
             for rule in server.url_map.iter_rules()}
    assert {rule: marked for rule, marked in views.items()
            if access.ROUTES[rule] != PUBLIC and marked != access.ROUTES[rule]} == {}
    callbacks = {key: getattr(spec["callback"], "required_role", None) for key, spec in callback_map.items()
                 if "callback" in spec}   # a clientside callback has no server function
    assert {key: marked for key, marked in callbacks.items() if marked != access.CALLBACKS[key]} == {}


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


PROTECTED_ROUTES = sorted(name for name, role in access.ROUTES.items() if role != PUBLIC)


def _assert_anonymous_refused(tracker_app, client, rule):
    url = _url(rule)
    response = client.get(url)
    if rule in _rules(tracker_app) and rule not in access.PAGE_RULES and rule != CALLBACK_PATH:
        assert response.status_code == 401
    else:   # a Dash page (a GET of the POST-only callback route is one too): the browser is sent to log in
        assert response.status_code == 302 and response.headers["Location"] == f"/login?next={url}"
    assert client.post(url).status_code in (401, 405)   # never the page; 405: a GET-only rule


@pytest.mark.parametrize("rule", PROTECTED_ROUTES)
def test_a_protected_route_refuses_anonymous_requests(tracker_app, rule):
    _assert_anonymous_refused(tracker_app, tracker_app.server.test_client(), rule)


@pytest.mark.parametrize("rule", [r for r in PROTECTED_ROUTES if r != CALLBACK_PATH])   # callbacks: below
def test_each_role_reaches_exactly_its_routes(tracker_app, staff_client, admin_client, rule):
    staff, admin = staff_client.get(_url(rule)).status_code, admin_client.get(_url(rule)).status_code
    assert admin not in (401, 403)
    assert staff == 403 if access.ROUTES[rule] == ADMIN else staff not in (401, 403)


STAFF_CALLBACKS = sorted(key for key, role in access.CALLBACKS.items() if role == STAFF)
ADMIN_CALLBACKS = sorted(key for key, role in access.CALLBACKS.items() if role == ADMIN)


def _post_callback(tracker_app, client, key, callback_map) -> int:
    """Post the callback with the sync lease held, so that no callback starts a sync or a preview."""
    sync = tracker_app.server.extensions["sync"]
    assert try_acquire(sync.engine, SYNC_LEASE, "test-access", ttl=60)
    try:
        return client.post(CALLBACK_PATH, json=_body(key, callback_map[key])).status_code
    finally:
        release(sync.engine, SYNC_LEASE, "test-access")


@pytest.mark.parametrize("key", sorted(access.CALLBACKS))
def test_an_anonymous_callback_is_refused_and_runs_nothing(tracker_app, callback_map, key):
    sync = tracker_app.server.extensions["sync"]
    runs_before = len(sync.runs.recent(1000))
    assert tracker_app.server.test_client().post(CALLBACK_PATH, json=_body(key, callback_map.get(key))).status_code == 401
    assert len(sync.runs.recent(1000)) == runs_before, "an anonymous callback ran"


CLIENTSIDE = {"_pages_dummy.children", "invoices-table.paginationGoTo"}   # run in the browser: nothing to post


@pytest.mark.parametrize("key", [k for k in STAFF_CALLBACKS if k not in CLIENTSIDE])
def test_staff_and_admin_run_staff_callbacks(tracker_app, callback_map, staff_client, admin_client, key):
    assert _post_callback(tracker_app, staff_client, key, callback_map) in (200, 204)
    assert _post_callback(tracker_app, admin_client, key, callback_map) in (200, 204)


@pytest.mark.parametrize("key", ADMIN_CALLBACKS)
def test_only_an_admin_runs_admin_callbacks(tracker_app, callback_map, staff_client, admin_client, key):
    assert _post_callback(tracker_app, staff_client, key, callback_map) == 403
    assert _post_callback(tracker_app, admin_client, key, callback_map) in (200, 204)


@pytest.mark.parametrize("body", [
    _body("admin-sync-message.children.x"),
    _body("not-listed.children"),
    _body("..admin-sync-message.children..."),
    {"output": ["admin-sync-message.children"]},
    {"inputs": []},
    ["admin-sync-message.children"],
], ids=["near-miss", "unknown", "mangled-multi", "list-output", "no-output", "not-an-object"])
def test_an_undeclared_callback_needs_the_admin(tracker_app, staff_client, body):
    assert tracker_app.server.test_client().post(CALLBACK_PATH, json=body).status_code == 401
    assert staff_client.post(CALLBACK_PATH, json=body).status_code == 403


def _router(callback_map, path: str) -> dict:
    body = _body(ROUTER, callback_map[ROUTER])
    for value, prop in zip((path, ""), ("pathname", "search")):
        next(i for i in body["inputs"] if i["property"] == prop)["value"] = value
    return body


def test_staff_see_the_admin_page_without_connect_or_disconnect(tracker_app, callback_map, staff_client,
                                                                admin_client):
    staff = staff_client.post(CALLBACK_PATH, json=_router(callback_map, "/admin"))
    assert staff.status_code == 200
    assert b"admin-sync-now" in staff.data and b"admin-preview-btn" in staff.data
    assert b"admin-connect\"" not in staff.data and b"admin-disconnect" not in staff.data
    assert b"admin-connect-admin-only" in staff.data
    admin = admin_client.post(CALLBACK_PATH, json=_router(callback_map, "/admin"))
    assert b"admin-connect\"" in admin.data and b"admin-disconnect-btn" in admin.data


@pytest.mark.parametrize("path", ["/", "/invoices"])
def test_the_dashboards_need_a_login(tracker_app, callback_map, path):
    anonymous = tracker_app.server.test_client()
    response = anonymous.get(path)
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next={path}"
    assert anonymous.post(CALLBACK_PATH, json=_router(callback_map, path)).status_code == 401


@pytest.mark.parametrize("part", ["overview-sankey", "invoices-table.getRowsResponse"])
def test_an_anonymous_dashboard_callback_gets_no_records(tracker_app, callback_map, part):
    key = next(k for k in access.CALLBACKS if part in k)
    body = _body(key, callback_map[key])
    for given in body["inputs"]:
        given["value"] = {"startRow": 0, "endRow": 100} if given["property"] == "getRowsRequest" else None
    response = tracker_app.server.test_client().post(CALLBACK_PATH, json=body)
    assert response.status_code == 401 and b"overview" not in response.data and b"rowData" not in response.data


@pytest.mark.parametrize("path", ["/login", "/healthz", "/assets/bootstrap.min.css"])
def test_public_routes_are_open(tracker_app, path):
    assert tracker_app.server.test_client().get(path).status_code == 200


def test_dash_bundles_are_public_but_the_layout_is_not(tracker_app, staff_client):
    index = staff_client.get("/").get_data(as_text=True)
    bundle = re.search(r'src="(/_dash-component-suites/[^"]+)"', index).group(1)
    anonymous = tracker_app.server.test_client()
    assert anonymous.get(bundle).status_code == 200
    assert anonymous.get("/_dash-layout").status_code == 401
    assert anonymous.get("/_dash-dependencies").status_code == 401


# --- without the before_request guard: every view and callback still checks its role itself --------------------

@pytest.fixture
def without_guard(tracker_app, callback_map):
    hooks = tracker_app.server.before_request_funcs[None]
    guard = next(hook for hook in hooks if getattr(hook, "__name__", "") == "guard")
    position = hooks.index(guard)
    hooks.remove(guard)
    yield
    hooks.insert(position, guard)


@pytest.mark.parametrize("rule", PROTECTED_ROUTES)
def test_without_the_guard_a_protected_route_still_refuses_anonymous_requests(tracker_app, without_guard, rule):
    _assert_anonymous_refused(tracker_app, tracker_app.server.test_client(), rule)


@pytest.mark.parametrize("key", sorted(access.CALLBACKS))
def test_without_the_guard_a_callback_still_refuses_anonymous_requests(tracker_app, callback_map, without_guard,
                                                                       key):
    body = _body(key, callback_map.get(key))
    assert tracker_app.server.test_client().post(CALLBACK_PATH, json=body).status_code == 401


@pytest.mark.parametrize("rule", sorted(name for name, role in access.ROUTES.items() if role == ADMIN))
def test_without_the_guard_staff_still_cannot_connect(tracker_app, staff_client, without_guard, rule):
    assert staff_client.get(_url(rule)).status_code == 403


def test_without_the_guard_staff_still_cannot_disconnect(tracker_app, callback_map, staff_client, without_guard):
    qb = tracker_app.server.extensions["sync"].qb
    calls = []
    original, qb.disconnect = qb.disconnect, lambda: calls.append("disconnect")
    try:
        body = _body("admin-flash-area.children", callback_map["admin-flash-area.children"])
        body["inputs"][0]["value"] = 1
        assert staff_client.post(CALLBACK_PATH, json=body).status_code == 403
    finally:
        qb.disconnect = original
    assert calls == []


def test_the_callback_functions_refuse_outside_any_route(tracker_app):
    """Called directly, as another transport would call them (no guard, no Dash view): the role still holds."""
    from flask import session
    from werkzeug.exceptions import Forbidden, Unauthorized

    from pages import admin, invoices
    from tracker.users import User

    with tracker_app.server.test_request_context("/"):
        with pytest.raises(Unauthorized):
            invoices.grid_rows({"startRow": 0, "endRow": 100}, "x")
        with pytest.raises(Unauthorized):
            admin.sync_now(1)
        session.user = User(0, "someone", STAFF)
        with pytest.raises(Forbidden):
            admin.disconnect_clicked(1)
        assert invoices.grid_rows({"startRow": 0, "endRow": 100}, "")[0]["rowData"] == []   # this app has no sheet


def test_requires_checks_async_functions_too(tracker_app):
    import asyncio

    from werkzeug.exceptions import Unauthorized

    from tracker.auth import requires

    @requires(STAFF)
    async def callback():
        return "ran"

    assert callback.required_role == STAFF
    with tracker_app.server.test_request_context("/"):
        with pytest.raises(Unauthorized):
            asyncio.run(callback())
