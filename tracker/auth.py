"""Who may reach what: roles, the `requires` decorator, and the guard in front of every request.

Three roles, each including the one before: `public` (anyone), `staff` (the dashboards, the admin page's
read-only card, Sync now, Preview) and `admin` (also connecting and disconnecting QuickBooks). The user comes
from the server-side session (tracker/sessions.py); users live in the database (tracker/users.py).

The role of every route and Dash callback is declared in one place (pages/_access.py, which app.py hands to
`AccessPolicy`; tracker/ imports neither pages/ nor quickbooks/) and checked twice:

- `AccessPolicy.guard`, a `before_request` hook, refuses a request whose route, Dash page or callback needs more
  than the user has (deny by default: a callback or route nobody declared needs the admin);
- `requires(role)` on every staff/admin view and Dash callback checks the role inside the function itself, so
  a way in that skips `before_request` (another transport, a test client, a future refactor) still meets it.
  Dash's own views and its page-router callback get the same check from `protect_views` / `protect_callbacks`.

Anonymous: 401 (a browser asking for a Dash page is sent to /login instead); logged in without the role: 403.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Collection, Mapping, MutableMapping
from urllib.parse import quote

from flask import Flask, abort, has_request_context, redirect, request, session

from tracker.users import User

log = logging.getLogger(__name__)

PUBLIC, STAFF, ADMIN = "public", "staff", "admin"
RANK = {PUBLIC: 0, STAFF: 1, ADMIN: 2}
CALLBACK_PATH = "/_dash-update-component"


def current_user() -> User | None:
    """The logged-in user of this request, or None (anonymous, or no request at all)."""
    return getattr(session, "user", None) if has_request_context() else None


def has_role(role: str) -> bool:
    if role == PUBLIC:
        return True
    user = current_user()
    return user is not None and RANK.get(user.role, 0) >= RANK[role]


def refuse(role: str) -> None:
    """Abort with 401 (not logged in) or 403 (logged in without `role`) unless the user has `role`."""
    if not has_role(role):
        abort(401 if current_user() is None else 403)


def requires(role: str) -> Callable:
    """Decorate a Flask view or Dash callback: the role is checked inside it, whatever route led there."""
    if role not in RANK:
        raise ValueError(f"unknown role {role!r}")

    def decorate(func: Callable) -> Callable:
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def checked(*args, **kwargs):
                refuse(role)
                return await func(*args, **kwargs)
        else:
            @functools.wraps(func)
            def checked(*args, **kwargs):
                refuse(role)
                return func(*args, **kwargs)

        checked.required_role = role   # functools.wraps carries it to Dash's wrapper too
        return checked

    return decorate


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def page_path(path: str) -> str:
    """The path as Dash's page router reads it: "/admin/" and "/admin" are the same page."""
    return "/" + path.strip("/")


def callback_output() -> str:
    """The callback a Dash POST asks for: its `output`, the key Dash looks the callback up by."""
    body = request.get_json(silent=True)
    return str(body.get("output", "")) if isinstance(body, dict) else ""


def strictest(*roles: str) -> str:
    return max(roles, key=lambda role: RANK.get(role, RANK[ADMIN]))


class AccessPolicy:
    """The declared role of every route (Flask rules, and Dash page paths) and every Dash callback.

    `page_rules`: the rules that serve Dash's index for a page path ("/" and the catch-all); a request for one
    also needs the role of the page path it asks for, and an anonymous GET is sent to the login form.
    """

    def __init__(self, routes: Mapping[str, str], callbacks: Mapping[str, str], page_rules: Collection[str]):
        unknown = {name: role for name, role in {**routes, **callbacks}.items() if role not in RANK}
        if unknown:
            raise ValueError(f"unknown roles: {unknown}")
        self.routes, self.callbacks, self.page_rules = dict(routes), dict(callbacks), frozenset(page_rules)

    def role_of_request(self) -> str:
        rule = request.url_rule.rule if request.url_rule is not None else None
        role = self.routes.get(rule, ADMIN) if rule else STAFF   # no rule matched: a 404 or 405, for users only
        if rule in self.page_rules:
            role = strictest(role, self.routes.get(page_path(request.path), role))
        if rule == CALLBACK_PATH:
            role = strictest(role, self.callbacks.get(callback_output(), ADMIN))
        return role

    def enforce(self):
        """The request's answer when the user lacks its role (a redirect to /login for a page), else None."""
        role = self.role_of_request()
        if has_role(role):
            return None
        rule = request.url_rule.rule if request.url_rule is not None else None
        if current_user() is None and rule in self.page_rules and request.method in ("GET", "HEAD"):
            return redirect(login_url(page_path(request.path)))
        refuse(role)
        return None

    def guard(self):
        """The before_request hook."""
        return self.enforce()

    def view_check(self, view: Callable, role: str) -> Callable:
        """Wrap one of Dash's own views (which we cannot decorate where they are defined) with `enforce`."""
        if inspect.iscoroutinefunction(view):
            @functools.wraps(view)
            async def checked(*args, **kwargs):
                refused = self.enforce()
                return refused if refused is not None else await view(*args, **kwargs)
        else:
            @functools.wraps(view)
            def checked(*args, **kwargs):
                refused = self.enforce()
                return refused if refused is not None else view(*args, **kwargs)

        checked.required_role = role
        return checked

    def protect_views(self, server: Flask) -> None:
        """Check every view's declared role inside the view: ours carry `requires`, Dash's get `view_check`."""
        for rule in server.url_map.iter_rules():
            role = self.routes.get(rule.rule, ADMIN)
            view = server.view_functions[rule.endpoint]
            marked = getattr(view, "required_role", None)
            if marked is not None and marked != role:
                raise ValueError(f"{rule.rule} is declared {role} but its view requires {marked}")
            if role != PUBLIC and marked is None:
                server.view_functions[rule.endpoint] = self.view_check(view, role)

    def protect_callbacks(self, callback_map: MutableMapping[str, dict]) -> None:
        """Give every server-side Dash callback not decorated with `requires` (Dash's page router) its role."""
        for key, spec in callback_map.items():
            func = spec.get("callback")
            if func is not None and getattr(func, "required_role", None) is None:
                role = self.callbacks.get(key, ADMIN)
                if role != PUBLIC:
                    spec["callback"] = requires(role)(func)
