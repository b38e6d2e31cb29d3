"""The finance tracker's Dash app. `create_app(settings)` builds it; nothing starts at import time.

    python app.py                 serve on HOST:PORT (default 127.0.0.1:8050)
    gunicorn -c gunicorn.conf.py  app:server in 4 workers; the jobs run in the one holding the scheduler leader
                                  lease (README, "Deployment")
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from flask import session
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import is_running_from_reloader

from tracker import db
from tracker.errors import TrackerError
from tracker.logging_setup import configure_logging
from tracker.auth import AccessPolicy, current_user
from tracker.account import PATH as PASSWORD_PAGE, init_account
from tracker.login import init_auth
from tracker.sessions import CSRF_KEY
from tracker.users import bootstrap_admin
from tracker.headers import init_headers
from pages import _access as access
from quickbooks.connection import open_quickbooks
from quickbooks.sync import SyncService
from quickbooks.web import init_oauth_routes
from quickbooks import demo
from quickbooks.settings import QbSettings, load_qb_settings
from tracker.settings import Settings, load_settings

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, qb_settings: QbSettings | None = None, *,
               start_scheduler: bool | None = None) -> Dash:
    """Build the app: settings, database (migrated), QuickBooks connection, pages, and the scheduler.

    `start_scheduler=None` follows SCHEDULER_ENABLED; under the debug reloader only the serving child starts it.
    Stored QuickBooks tokens that QB_TOKEN_KEY cannot decrypt stop it here, with a message saying so.
    """
    if settings is None or qb_settings is None:
        settings, qb_settings = settings or load_settings(), qb_settings or load_qb_settings()
    configure_logging(settings.log_level, log_format=settings.log_format, log_file=settings.log_file)
    demo.ensure_demo_workbook(settings, qb_settings)
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine)
    bootstrap_admin(engine, settings.admin_username, settings.admin_password_hash)
    quickbooks = open_quickbooks(qb_settings, engine)

    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        suppress_callback_exceptions=True,
        title="Finance tracker",
        update_title=None,
    )
    server = app.server
    init_headers(server, script_hashes=app.csp_hashes)   # first: an oversized body is refused before any guard
    sync = SyncService(settings, quickbooks, engine)
    server.extensions["quickbooks"] = quickbooks
    server.extensions["sync"] = sync
    server.config.update(TRACKER_SETTINGS=settings, TRACKER_ENGINE=engine, SECRET_KEY=settings.secret_key)
    app.layout = _shell
    server.add_url_rule("/healthz", "healthz", lambda: {"status": "ok"})
    policy = AccessPolicy(access.ROUTES, access.CALLBACKS, access.PAGE_RULES)
    # Dash fills callback_map (and adds its page router) on the first request: give each its role check there.
    server.before_request(lambda: policy.protect_callbacks(app.callback_map))
    store = init_auth(server, engine, policy, secure_cookie=settings.cookie_secure or not qb_settings.is_local,
                      idle_minutes=settings.session_idle_minutes)
    init_account(server, engine, store, strict=not qb_settings.is_local)
    init_oauth_routes(server, quickbooks)
    policy.protect_views(server)

    wanted = settings.scheduler_enabled if start_scheduler is None else start_scheduler
    if wanted and (not settings.debug or is_running_from_reloader()):
        from tracker.scheduler import start_scheduler as start

        server.extensions["tracker_scheduler"] = start(settings, engine, sync.scheduled_jobs())
    return app


def _shell():
    links = [dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact", id=f"nav-{page['module'].split('.')[-1]}"))
             for page in dash.page_registry.values()]
    return html.Div([
        dbc.NavbarSimple(links + _account(), brand="Finance tracker", color="dark", dark=True, className="mb-3"),
        dbc.Container(dash.page_container, fluid=True),
    ])


def _account() -> list:
    """Who is logged in, and the logout button: a POST with the session's CSRF token (logout is never a GET)."""
    user = current_user()
    if user is None:
        return []
    return [dbc.NavItem(html.Span(f"{user.username} ({user.role})", id="nav-user", className="navbar-text ms-3 me-2")),
            dbc.NavItem(html.A("Password", href=PASSWORD_PAGE, id="nav-password", className="nav-link me-2")),
            dbc.NavItem(html.Form([dcc.Input(type="hidden", name="csrf", value=session.get(CSRF_KEY, "")),
                                   html.Button("Log out", type="submit", id="nav-logout",
                                               className="btn btn-sm btn-outline-light")],
                                  action="/logout", method="POST", className="d-inline"))]


def __getattr__(name: str):
    """`gunicorn app:server` builds the app on first access, not at import time."""
    if name == "server":
        global server
        server = create_app(*load_all_settings()).server
        return server
    raise AttributeError(name)


def load_all_settings() -> tuple[Settings, QbSettings]:
    """Settings for a real start: in QB_ENV=local, missing secrets are generated into .env first."""
    demo.announce_generated(demo.ensure_local_secrets())
    return load_settings(), load_qb_settings()


def main() -> int:
    try:
        settings, qb_settings = load_all_settings()
        app = create_app(settings, qb_settings)
    except TrackerError as exc:
        print(f"Cannot start the finance tracker:\n{exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"Cannot start the finance tracker: the database at DATABASE_URL cannot be used "
              f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})", file=sys.stderr)
        return 2
    log.info("Serving on http://%s:%d (data: %s)", settings.host, settings.port, settings.sheet_label)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
