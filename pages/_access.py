"""Who may reach what: every Flask route and every Dash callback of the app, listed by hand as admin or public.

The login guard in tracker/auth.py used to protect any callback whose output id contained `admin-`, so a
callback named otherwise was silently left open. These lists replace that convention: app.py passes them to
`init_auth`, the guard refuses an admin route or callback without the login and refuses a callback listed in
neither set (deny by default), and tests/test_access.py fails until every route of `app.server.url_map`,
every Dash page path and every key of `app.callback_map` is in exactly one list. Adding a page, route or
callback therefore means adding it here. (The leading underscore keeps Dash from importing this as a page.)

Routes are spelled as `url_map` spells its rules. Dash pages have no rule of their own: the catch-all
"/<path:path>" serves them all, so a page is listed by its registered path ("/admin") and the guard checks
the request path too. Callbacks are named by their `callback_map` key: "id.prop" for one output,
"..id.prop...id.prop.." for several.
"""

from __future__ import annotations


def _outputs(*outputs: str) -> str:
    """The `callback_map` key Dash gives a callback with several outputs."""
    return ".." + "...".join(outputs) + ".."


# Need the admin login: the QuickBooks admin page and the OAuth / PDF routes of quickbooks/web.py.
ADMIN_ROUTES = frozenset({
    "/admin",                      # Dash page (pages/admin.py); a GET without the login redirects to /login
    "/qbo/connect",
    "/qbo/callback",
    "/qbo/invoice/<qb_id>/pdf",
})

# The dashboards: open to anyone for now; a later change puts them behind the login.
DASHBOARD_ROUTES = frozenset({
    "/",                           # pages/overview.py (also a Flask rule of Dash's)
    "/invoices",                   # pages/invoices.py
})

# Open to anyone: the login itself, the health check, and the Dash / Flask plumbing.
PUBLIC_ROUTES = frozenset({
    "/login",
    "/logout",
    "/healthz",
    "/static/<path:filename>",
    "/assets/<path:filename>",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
    "/_dash-layout",
    "/_dash-dependencies",
    "/_dash-update-component",     # every callback: the guard decides per callback from the lists below
    "/_reload-hash",
    "/_favicon.ico",
    "/<path:path>",                # Dash's index for every page path; the guard checks the path as well
})

# pages/admin.py: every callback there reads or changes QuickBooks state.
ADMIN_CALLBACKS = frozenset({
    _outputs("admin-connection.children", "admin-counts.children", "admin-failed.children", "admin-recent.children",
             "admin-runs-chart.figure", "admin-progress.value", "admin-progress.label", "admin-progress.animated",
             "admin-last-runs.children", "admin-db-busy.children"),     # refresh
    "admin-sync-message.children",                                      # sync_now
    "admin-preview.children",                                           # preview
    "admin-flash-area.children",                                        # disconnect_clicked
})

PUBLIC_CALLBACKS = frozenset({
    # The dashboards (public for now, like their routes).
    _outputs("overview-sankey.figure", "overview-by-status.figure", "overview-by-month.figure",
             "overview-cards.children"),                                # pages/overview.py
    _outputs("invoices-table.rowData", "invoices-count.children"),      # pages/invoices.py
    # Dash pages' router: renders whichever page the URL names (the admin layout checks the login itself),
    # and its client-side title updater.
    _outputs("_pages_content.children", "_pages_store.data"),
    "_pages_dummy.children",
})
