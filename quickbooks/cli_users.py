"""`python quickbooks_sync.py users add|list|remove|set-password`: who may log in to the web app.

Passwords are read from a prompt (twice, not echoed) or, for scripts, from one line of stdin with
`--password-stdin`; never from the command line, where `ps` and shell history would keep them. Outside demo
mode (QB_ENV=local) weak passwords are refused (tracker/users.py `password_problem`). `list` never prints hashes.
Changing a password or removing a user ends that user's sessions at once.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timezone

from quickbooks.settings import parse_env
from tracker import db
from tracker.settings import Settings, read_environment
from tracker.users import (ROLES, STAFF, UserError, add_user, bootstrap_admin, list_users, remove_user,
                           set_password)


def add_parser(commands) -> None:
    users = commands.add_parser("users", help="manage who may log in to the web app (staff or admin)",
                                description="Users of the web app. Passwords are asked for at a prompt, or read "
                                            "from stdin with --password-stdin; never given on the command line.")
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, default=STAFF, help=f"what the user may do (default {STAFF}): staff "
                                                                  "see everything and may sync; admin may also "
                                                                  "connect and disconnect QuickBooks")
    add.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    actions.add_parser("list", help="list the users, their roles and open sessions (never passwords)")
    remove = actions.add_parser("remove", help="remove a user and end their sessions")
    remove.add_argument("username")
    change = actions.add_parser("set-password", help="change a user's password and end their sessions")
    change.add_argument("username")
    change.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")


def demo_mode() -> bool:
    """QB_ENV=local (the default): weak passwords are accepted there, as the demo is local."""
    try:
        return parse_env(read_environment().get("QB_ENV", "") or "local") == "local"
    except ValueError:
        return False


def _password(args, username: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {username}: ")
    if getpass.getpass("The same password again: ") != first:
        raise UserError("The two passwords differ; nothing was changed")
    return first


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if epoch else "never"


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = db.make_engine(settings.database_url)
    try:
        db.upgrade(engine)
        if bootstrap_admin(engine, settings.admin_username, settings.admin_password_hash):
            print(f"No users yet: added admin {settings.admin_username or 'admin'} from ADMIN_PASSWORD(_HASH).")
        return _action(args, engine)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _action(args: argparse.Namespace, engine) -> int:
    strict = not demo_mode()
    if args.users_command == "add":
        user = add_user(engine, args.username, _password(args, args.username), args.role, strict=strict)
        print(f"Added {user.username} ({user.role}).")
    elif args.users_command == "set-password":
        ended = set_password(engine, args.username, _password(args, args.username), strict=strict)
        print(f"Password of {args.username.strip().lower()} changed; {ended} session(s) ended.")
    elif args.users_command == "remove":
        remove_user(engine, args.username)
        print(f"Removed {args.username.strip().lower()}; their sessions ended.")
    else:
        rows = list_users(engine)
        print(f"{'user':<24} {'role':<6} {'created':<21} {'last login':<21} sessions")
        for info in rows:
            print(f"{info.username:<24} {info.role:<6} {_when(info.created_at):<21} {_when(info.last_login_at):<21} "
                  f"{info.sessions}")
        if not rows:
            print("(no users: add one with `python quickbooks_sync.py users add NAME --role admin`)")
    return 0
