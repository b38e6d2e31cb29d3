"""The operator's command line: `python quickbooks_sync.py COMMAND` (same as `python -m quickbooks`).

Errors end with one plain message and a non-zero exit code (2 for configuration), never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import webbrowser

import acd
import db
from errors import ConfigError, TrackerError
from logging_setup import configure_logging
from quickbooks.callback_server import CallbackServer
from quickbooks.connection import QuickBooks, open_quickbooks
from quickbooks.oauth import disconnect, finish_connect, start_connect
from quickbooks.settings import ensure_local_token_key, load_qb_settings
from sankey_helpers import QB_BILL_HEADERS, QB_INVOICE_HEADERS
from settings import load_settings

log = logging.getLogger("quickbooks_sync")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quickbooks_sync.py",
        description="Sync the inv_tbl sheet to QuickBooks Online. Settings come from the environment and .env "
                    "(see .env.example).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    auth = commands.add_parser("auth", help="connect QuickBooks (OAuth 2.0) and store the tokens encrypted",
                               description="Open Intuit's consent page, receive the redirect on QB_REDIRECT_URI "
                                           "(default http://localhost:8765/callback) and store the tokens.")
    browser = auth.add_mutually_exclusive_group()
    browser.add_argument("--open-browser", action="store_true", default=True,
                         help="open the consent page in the default browser (default)")
    browser.add_argument("--no-browser", dest="open_browser", action="store_false",
                         help="print the consent page's address instead of opening it")
    auth.add_argument("--timeout", type=float, default=300, help="seconds to wait for the redirect (default 300)")
    auth.add_argument("--disconnect", action="store_true",
                      help="revoke the stored connection at Intuit and delete the tokens instead")

    migrate = commands.add_parser("migrate", help="upgrade the database and add missing qb_* columns to the sheet")
    migrate.add_argument("--mode", choices=("invoice_only", "dual"), default=None,
                         help="which columns to add (default: QB_SYNC_MODE)")

    commands.add_parser("status", help="show the QuickBooks connection (never the tokens)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if ensure_local_token_key():
            log.warning("QB_TOKEN_KEY was missing: generated one into .env (fine for QB_ENV=local; "
                        "set your own for sandbox or production)")
        qb_settings = load_qb_settings()
        engine = db.make_engine(settings.database_url)
        db.upgrade(engine)
        if args.command == "migrate":
            return _migrate(settings, args.mode or qb_settings.sync_mode)
        quickbooks = open_quickbooks(qb_settings, engine)
        try:
            return {"auth": _auth, "status": _status}[args.command](quickbooks, args)
        finally:
            quickbooks.close()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TrackerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _auth(quickbooks: QuickBooks, args) -> int:
    if args.disconnect:
        disconnect(quickbooks.oauth, quickbooks.store)
        print("QuickBooks disconnected: the grant was revoked at Intuit and the stored tokens deleted.")
        return 0
    session: dict = {}
    url = start_connect(quickbooks.oauth, session)
    with CallbackServer(quickbooks.settings.redirect_uri) as callback:
        print(f"Open this address, sign in to Intuit and choose the company:\n\n  {url}\n", flush=True)
        if args.open_browser:
            webbrowser.open(url)
        print(f"Waiting up to {args.timeout:.0f} s for Intuit to redirect to {quickbooks.settings.redirect_uri} ...",
              flush=True)
        params = callback.wait(args.timeout)
    if params is None:
        print("error: no answer from Intuit in time; run the command again", file=sys.stderr)
        return 1
    result = finish_connect(quickbooks.oauth, quickbooks.store, session, params,
                            expected_realm=quickbooks.settings.realm_id)
    company = quickbooks.client.company_info().get("CompanyName", "")
    quickbooks.store.set_company_name(company)
    print(f"Connected to {company or 'the company'} (realm {result.realm_id}, {quickbooks.environment_label}).")
    if quickbooks.settings.is_local:
        print("Note: QB_ENV=local uses an emulator that lives only as long as this command; "
              "use the app's admin page to connect the demo.")
    return 0


def _status(quickbooks: QuickBooks, _args) -> int:
    info = quickbooks.store.info()
    if info is None:
        print(f"QuickBooks ({quickbooks.environment_label}): not connected. Run `python quickbooks_sync.py auth`.")
        return 1
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    stamp = lambda t: dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")  # noqa: E731
    print(f"QuickBooks ({quickbooks.environment_label}): company {info.company_name or '?'} (realm {info.realm_id})")
    print(f"  connected {stamp(info.connected_at)}, tokens refreshed {stamp(info.refreshed_at)}")
    print(f"  access token valid until {stamp(info.access_expires_at)}; refresh token until "
          f"{stamp(info.refresh_expires_at)}")
    reason = info.needs_reconnect(now)
    if reason:
        print(f"  RECONNECT NEEDED: {reason}")
        return 1
    if info.reconnect_soon(now):
        print("  The refresh token ends within a week: connect again soon.")
    return 0


def _migrate(settings, mode: str) -> int:
    wanted = [*QB_INVOICE_HEADERS, *(QB_BILL_HEADERS if mode == "dual" else ())]
    worksheet = acd.open_sheet(settings).worksheet(settings.inv_worksheet)
    added = worksheet.add_columns(wanted)
    print("Database schema is up to date.")
    print(f"Added to {settings.inv_worksheet}: {', '.join(added)}" if added
          else f"{settings.inv_worksheet} already has every qb_* column for mode {mode}.")
    return 0
