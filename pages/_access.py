"""Who may reach what: the role of every Flask route, Dash page and Dash callback of the app, declared by hand.

Roles (tracker/auth.py): `public` (anyone), `staff` (the dashboards, the admin page's read-only card, Sync now,
Preview, Retry of a failed row), `admin` (also connecting and disconnecting QuickBooks). app.py hands these tables to
`tracker.auth.AccessPolicy`: its before_request guard refuses what a user's role does not reach, anything not
declared here needs the admin (deny by default), and every staff/admin view and callback also checks its role
itself (`@requires(...)`). tests/pages/test_access.py fails until every route of `app.server.url_map`, every Dash
page path and every key of `app.callback_map` has a role here, and checks each one both ways. Adding a page, route
or callback therefore means adding it here. (The leading underscore keeps Dash from importing this as a page.)

Routes are spelled as `url_map` spells its rules. Dash pages have no rule of their own: "/" and the catch-all
"/<path:path>" (PAGE_RULES) serve them all, so a page is declared by its registered path ("/admin") and a request
needs both the rule's and the page's role. Callbacks are named by their `callback_map` key: "id.prop" for one
output, "..id.prop...id.prop.." for several.
"""

from __future__ import annotations

from tracker.auth import ADMIN, PUBLIC, STAFF


def _outputs(*outputs: str) -> str:
    """The `callback_map` key Dash gives a callback with several outputs."""
    return ".." + "...".join(outputs) + ".."


# The rules that serve an HTML page (Dash's index for a page path, and the password form): an anonymous browser
# asking for one goes to /login, and comes back after logging in.
PAGE_RULES = frozenset({"/", "/<path:path>", "/account/password"})

ROUTES: dict[str, str] = {
    # Open to anyone: the login itself, the health check, static assets (the login page's CSS, Dash's bundles).
    "/login": PUBLIC,
    "/logout": PUBLIC,                 # POST only; without a session it only sends the browser to /login
    "/healthz": PUBLIC,
    "/static/<path:filename>": PUBLIC,
    "/assets/<path:filename>": PUBLIC,
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": PUBLIC,
    "/_favicon.ico": PUBLIC,
    # The Dash app: its index for every page path, its layout, its callbacks, the dev reloader.
    "/": STAFF,                        # pages/overview.py (also a Flask rule of Dash's)
    "/<path:path>": STAFF,             # Dash's index for every other page path
    "/_dash-layout": STAFF,
    "/_dash-dependencies": STAFF,
    "/_dash-update-component": STAFF,  # every callback: the guard then needs the callback's role (below)
    "/_reload-hash": STAFF,
    # Dash pages.
    "/invoices": STAFF,                # pages/invoices.py
    "/admin": STAFF,                   # pages/admin.py: staff see it without Connect/Disconnect
    # tracker/account.py: every logged-in user changes their own password
    "/account/password": STAFF,
    # quickbooks/web.py
    "/qbo/invoice/<qb_id>/pdf": STAFF,
    "/qbo/connect": ADMIN,
    "/qbo/callback": ADMIN,
}

CALLBACKS: dict[str, str] = {
    # pages/overview.py and pages/invoices.py
    _outputs("overview-sankey.figure", "overview-by-status.figure", "overview-by-month.figure",
             "overview-cards.children"): STAFF,
    _outputs("invoices-table.getRowsResponse", "invoices-count.children"): STAFF,   # a block of the grid
    "invoices-table.paginationGoTo": STAFF,    # clientside (a new search refetches the grid): no server function
    "invoices-download.data": STAFF,           # export_rows: the filtered rows as CSV or Excel
    "overview-source.children": STAFF,         # the header line, following the filters
    # pages/admin.py
    _outputs("admin-connection.children", "admin-counts.children", "admin-recent.children",
             "admin-runs-chart.figure", "admin-progress.value", "admin-progress.label", "admin-progress.animated",
             "admin-last-runs.children", "admin-db-busy.children"): STAFF,     # refresh (read-only)
    _outputs("admin-offer-connect.style", "admin-offer-disconnect.style", "admin-progress.color",
             "admin-outcome.children", "admin-run-marker.data"): STAFF,       # refresh_controls (read-only)
    _outputs("admin-failed.children", "admin-not-syncing.children", "admin-receivables.children"): STAFF,  # refresh_rows
    _outputs("admin-recent-list.children", "admin-recent-page.data"): STAFF,  # recent_page (read-only)
    "admin-retry-message.children": STAFF,                                    # retry: a failed row, as `reset` does
    "admin-sync-message.children": STAFF,                                     # sync_now
    "admin-preview.children": STAFF,                                          # preview (a dry run, kept)
    "admin-notify-result.children": ADMIN,                                    # notify_test: a test message
    "admin-flash-area.children": ADMIN,                                       # disconnect_clicked
    # Dash pages' router (renders whichever page the URL names) and its client-side title updater.
    _outputs("_pages_content.children", "_pages_store.data"): STAFF,
    "_pages_dummy.children": STAFF,
}
