"""gunicorn's settings for the finance tracker (README, "Deployment"): `gunicorn -c gunicorn.conf.py`, from the
project folder. The command line wins over this file (`-w 8`, `-b 0.0.0.0:8050`); `WEB_CONCURRENCY` sets the
number of workers.

Every worker builds its own app from `app:server` (create_app: settings, database, QuickBooks connection, pages and
a scheduler whose jobs run only in the worker holding the leader lease, tracker/scheduler.py). The app itself is not
preloaded: a scheduler started in the master would not survive the fork, and one database pool would be shared by
every worker. The master only imports the app's modules, which start nothing, so the workers fork with dash, plotly,
Flask and SQLAlchemy already loaded: they boot in a fraction of the time and share that memory.
"""

import os

wsgi_app = "app:server"
bind = "127.0.0.1:8050"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = 60            # a worker silent this long is restarted (no request runs a sync: Sync now runs in a thread)
graceful_timeout = 30   # on SIGTERM or a restart, requests in flight get this long to finish
preload_app = False


def on_starting(server):
    """In the master, before any worker forks: the imports only (`import app` creates nothing)."""
    import app  # noqa: F401
