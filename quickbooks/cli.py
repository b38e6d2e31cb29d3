"""The operator's command line: `python quickbooks_sync.py COMMAND` (same as `python -m quickbooks`).

Errors end with one plain message and a non-zero exit code (2 for configuration), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import webbrowser

import acd
from quickbooks import cli_users, demo
from quickbooks.connection import QuickBooks, open_quickbooks
from quickbooks.rules.directions import Direction
from quickbooks.rules.statuses import RunStatus
from quickbooks.settings import load_qb_settings
from quickbooks.status import report_lines
from quickbooks.sync import SyncService
from quickbooks.wire.callback_server import CallbackServer
from spreadsheet.schema import QB_BILL_HEADERS, QB_INVOICE_HEADERS
from tracker import db
from tracker.errors import ConfigError, TrackerError
from tracker.logging_setup import configure_logging
from tracker.notify import try_test_message
from tracker.settings import load_settings

log = logging.getLogger("quickbooks_sync")
EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG, EXIT_BUSY = 0, 1, 2, 3


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

    run_once = commands.add_parser("run-once", help="sync once and exit (for cron)",
                                   description="Create the QuickBooks Invoices/Bills for ready rows and write the "
                                               "results back. Exit codes: 0 the run completed (rows QuickBooks "
                                               "refused are marked failed in the sheet), 1 the run could not "
                                               "finish (QuickBooks unreachable, reconnect needed, sheet problem), "
                                               "2 configuration error, 3 another sync is running.")
    _run_options(run_once)
    daemon = commands.add_parser("daemon", help="sync every --interval seconds until stopped (SIGTERM/Ctrl-C "
                                                "finishes the batch in flight, then exits)")
    daemon.add_argument("--interval", type=float, default=600, help="seconds between runs (default 600)")
    daemon.add_argument("--direction", choices=("invoice", "bill"), help="only this direction")

    reset = commands.add_parser("reset", help="forget a row's sync state so it is pushed again")
    reset.add_argument("--row", required=True, metavar="KEY", help="the row's invoice number")
    reset.add_argument("--direction", choices=("invoice", "bill"), default="invoice")
    reset.add_argument("--force", action="store_true",
                       help="reset even when QuickBooks already has this DocNumber (it is then adopted, not "
                            "created twice)")

    commands.add_parser("status", help="show the connection, the sync counts and the last runs (never tokens)")
    commands.add_parser("notify-test", help="send a test message by mail and to the chat webhook (NOTIFY_* settings)",
                        description="Send a test message on every configured notification channel (NOTIFY_SMTP_* "
                                    "mail, NOTIFY_WEBHOOK_URL chat) and say whether each took it. Exit 0 when "
                                    "every channel took it, 1 otherwise (or when notifications are off).")
    cli_users.add_parser(commands)
    return parser


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, metavar="N", help="create at most N transactions this run")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the payloads and what each row would become; change nothing anywhere")
    parser.add_argument("--backfill", action="store_true", help="also take rows already marked paid")
    parser.add_argument("--direction", choices=("invoice", "bill"), help="only this direction")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, log_format=settings.log_format, log_file=settings.log_file)
        demo.announce_generated(demo.ensure_local_secrets())
        if args.command == "users":   # needs only the database (and ADMIN_* for the first admin)
            return cli_users.run(args, load_settings())
        if args.command == "notify-test":   # needs only the NOTIFY_* settings
            delivered, outcome = try_test_message(settings)
            print(outcome)
            return EXIT_OK if delivered else EXIT_PROBLEMS
        qb_settings = load_qb_settings()
        demo.ensure_demo_workbook(settings, qb_settings)
        engine = db.make_engine(settings.database_url)
        db.upgrade(engine)
        if args.command == "migrate":
            return _migrate(settings, args.mode or qb_settings.sync_mode)
        quickbooks = open_quickbooks(qb_settings, engine)
        try:
            if args.command in ("run-once", "daemon", "reset", "status"):
                service = SyncService(settings, quickbooks, engine)
                return {"run-once": _run_once, "daemon": _daemon, "reset": _reset,
                        "status": _status}[args.command](service, args)
            return _auth(quickbooks, args)
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
        quickbooks.disconnect()
        print("QuickBooks disconnected: the grant was revoked at Intuit and the stored tokens deleted.")
        return 0
    session: dict = {}
    url = quickbooks.connect_url(session)
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
    print(quickbooks.finish_connect(session, params))
    if quickbooks.settings.is_local:
        print("Note: QB_ENV=local talks to the bundled emulator, whose state is saved in "
              f"{quickbooks.settings.emulator_state_file}; a running app sees this connection after a restart.")
    return 0


def _status(service: SyncService, _args) -> int:
    lines, healthy = report_lines(service)
    print("\n".join(lines))
    return EXIT_OK if healthy else EXIT_PROBLEMS


def _migrate(settings, mode: str) -> int:
    wanted = [*QB_INVOICE_HEADERS, *(QB_BILL_HEADERS if mode == "dual" else ())]
    worksheet = acd.open_sheet(settings).worksheet(settings.inv_worksheet)
    added = worksheet.add_columns(wanted)
    print("Database schema is up to date.")
    print(f"Added to {settings.inv_worksheet}: {', '.join(added)}" if added
          else f"{settings.inv_worksheet} already has every qb_* column for mode {mode}.")
    return 0


class Progress:
    """A progress line on stderr: redrawn in place on a terminal, a line per 10% otherwise."""

    def __init__(self, stream=sys.stderr):
        self.stream, self.last = stream, -1

    def __call__(self, done: int, total: int) -> None:
        if not total:
            return
        if self.stream.isatty():
            self.stream.write(f"\rSending to QuickBooks: {done}/{total} rows")
            self.stream.flush()
        elif done * 10 // total > self.last:
            self.last = done * 10 // total
            print(f"Sending to QuickBooks: {done}/{total} rows", file=self.stream, flush=True)

    def close(self) -> None:
        if self.stream.isatty():
            self.stream.write("\n")


def _directions(args) -> list[Direction] | None:
    return [Direction(args.direction)] if getattr(args, "direction", None) else None


def _run_once(service: SyncService, args) -> int:
    progress = Progress()
    report = service.run("cli", _directions(args), limit=args.limit, dry_run=args.dry_run,
                         backfill=args.backfill, progress=progress)
    progress.close()
    if args.dry_run:
        for item in report.planned:
            print(json.dumps(item, ensure_ascii=False, sort_keys=True))
    print(_summary(report))
    return {RunStatus.OK: EXIT_OK, RunStatus.BUSY: EXIT_BUSY}.get(report.status, EXIT_PROBLEMS)


def _summary(report) -> str:
    return f"Sync {report.status}: {report.counts.summary()}" + (f"\n{report.error}" if report.error else "")


def _daemon(service: SyncService, args) -> int:
    stop = threading.Event()

    def request_stop(signum, _frame):
        log.info("Signal %d: finishing the batch in flight, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info("Sync daemon started: a run every %.0f s", args.interval)
    while not stop.is_set():
        report = service.run("daemon", _directions(args), should_stop=stop.is_set)
        log.info(_summary(report))
        stop.wait(args.interval)
    log.info("Sync daemon stopped")
    return EXIT_OK


def _reset(service: SyncService, args) -> int:
    outcome = service.reset_row(args.row, Direction(args.direction), force=args.force)
    print(outcome)
    return EXIT_OK if outcome.startswith("Reset") else EXIT_PROBLEMS
