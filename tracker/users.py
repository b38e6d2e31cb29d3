"""Who may log in: users in the database, each `staff` or `admin`, with a hashed password.

Passwords are kept only as werkzeug scrypt hashes (`generate_password_hash`'s default: memory-hard, salted, and
werkzeug is already here; no extra native dependency). User names are compared in lower case. Removing a user
or changing a password deletes their sessions (tracker/sessions.py), so it takes effect at once.

`bootstrap_admin` keeps ADMIN_USERNAME / ADMIN_PASSWORD(_HASH) working: when the table is empty, the app and
the CLI create that admin from them; once any user exists they are not read again.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.db import sessions, users
from tracker.errors import TrackerError

log = logging.getLogger(__name__)

STAFF, ADMIN = "staff", "admin"
ROLES = (STAFF, ADMIN)
MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
# Checked when the user name is unknown, so a wrong name costs as long as a wrong password.
@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown user names against (same work as a real one, so timing tells no names apart);
    made on first use, not at import: scrypt costs every CLI start and worker boot a noticeable moment."""
    return generate_password_hash("not a password of anyone")


class UserError(TrackerError):
    """A user cannot be added, changed or removed as asked; the message says why."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str


@dataclass(frozen=True)
class UserInfo:
    """What `users list` shows: never the hash."""
    username: str
    role: str
    created_at: float
    last_login_at: float | None
    sessions: int


def normalize(username: str) -> str:
    return (username or "").strip().lower()


def check_username(username: str) -> str:
    name = normalize(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise UserError(f"User name {username!r}: use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with "
                        "a letter or digit")
    return name


def password_problem(password: str, username: str = "") -> str | None:
    """Why `password` is too weak for a real deployment, or None: 12+ characters, not all of one kind."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password needs at least {MIN_PASSWORD_LENGTH} characters"
    kinds = [any(c.islower() for c in password), any(c.isupper() for c in password),
             any(c.isdigit() for c in password), any(not c.isalnum() for c in password)]
    if sum(kinds) < 2 or len(set(password)) < 4:
        return ("the password is too simple (all one kind of character): mix at least two of lower case, upper "
                "case, digits and symbols")
    if username and normalize(username) in password.lower():
        return "the password contains the user name"
    return None


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"Role {role!r}: expected one of {', '.join(ROLES)}")
    return role


def add_user(engine: Engine, username: str, password: str, role: str, *, strict: bool = True,
             clock: Callable[[], float] = time.time) -> User:
    """Add a user; `strict` (outside demo mode) refuses weak passwords."""
    name, role = check_username(username), _check_role(role)
    _check_password(password, name, strict)
    return add_hashed(engine, name, generate_password_hash(password), role, clock=clock)


def add_hashed(engine: Engine, username: str, password_hash: str, role: str, *,
               clock: Callable[[], float] = time.time) -> User:
    name, now = normalize(username), clock()
    try:
        with engine.begin() as connection:
            user_id = connection.execute(insert(users).values(
                username=name, password_hash=password_hash, role=_check_role(role), created_at=now,
                password_changed_at=now)).inserted_primary_key[0]
    except IntegrityError:
        raise UserError(f"User {name!r} exists already") from None
    log.info("User %s added (%s)", name, role)
    return User(user_id, name, role)


def _check_password(password: str, username: str, strict: bool) -> None:
    if not password:
        raise UserError("The password is empty")
    problem = password_problem(password, username) if strict else None
    if problem:
        raise UserError(f"Refused: {problem}")


def set_password(engine: Engine, username: str, password: str, *, strict: bool = True,
                 keep_session: str | None = None, clock: Callable[[], float] = time.time) -> int:
    """Change a password and end the user's sessions except `keep_session` (a sessions.id); returns how many ended."""
    user = find(engine, username)
    if user is None:
        raise UserError(f"No user {normalize(username)!r}")
    _check_password(password, user.username, strict)
    with engine.begin() as connection:
        connection.execute(update(users).where(users.c.id == user.id).values(
            password_hash=generate_password_hash(password), password_changed_at=clock()))
        ended = connection.execute(delete(sessions).where(sessions.c.user_id == user.id)
                                   .where(sessions.c.id != (keep_session or ""))).rowcount
    log.info("Password of %s changed; %d other session(s) ended", user.username, ended)
    return ended


def remove_user(engine: Engine, username: str) -> None:
    """Remove a user and their sessions; the last admin cannot be removed."""
    user = find(engine, username)
    if user is None:
        raise UserError(f"No user {normalize(username)!r}")
    with engine.begin() as connection:
        admins = connection.execute(select(func.count()).select_from(users).where(users.c.role == ADMIN)).scalar_one()
        if user.role == ADMIN and admins <= 1:
            raise UserError(f"Refused: {user.username} is the last admin; add another admin first")
        connection.execute(delete(sessions).where(sessions.c.user_id == user.id))
        connection.execute(delete(users).where(users.c.id == user.id))
    log.info("User %s removed", user.username)


def find(engine: Engine, username: str) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(users.c.id, users.c.username, users.c.role)
                                 .where(users.c.username == normalize(username))).first()
    return User(row.id, row.username, row.role) if row else None


def authenticate(engine: Engine, username: str, password: str, clock: Callable[[], float] = time.time
                 ) -> User | None:
    """The user if `password` is theirs, else None; as slow for an unknown name as for a wrong password."""
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.username == normalize(username))).first()
    matches = check_password_hash(row.password_hash if row else _dummy_hash(), password)
    if row is None or not matches:
        return None
    with engine.begin() as connection:
        connection.execute(update(users).where(users.c.id == row.id).values(last_login_at=clock()))
    return User(row.id, row.username, row.role)


def list_users(engine: Engine) -> list[UserInfo]:
    count = select(func.count()).select_from(sessions).where(sessions.c.user_id == users.c.id).scalar_subquery()
    with engine.connect() as connection:
        rows = connection.execute(select(users.c.username, users.c.role, users.c.created_at, users.c.last_login_at,
                                         count.label("sessions")).order_by(users.c.username)).all()
    return [UserInfo(r.username, r.role, r.created_at, r.last_login_at, r.sessions) for r in rows]


def bootstrap_admin(engine: Engine, username: str, password_hash: str,
                    clock: Callable[[], float] = time.time) -> User | None:
    """With no user at all, create the admin from ADMIN_USERNAME / ADMIN_PASSWORD(_HASH); else do nothing."""
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(users)).scalar_one():
            return None
    if not password_hash:
        log.warning("No users yet and no ADMIN_PASSWORD or ADMIN_PASSWORD_HASH: nobody can log in. Add one with "
                    "`python quickbooks_sync.py users add NAME --role admin`")
        return None
    try:
        user = add_hashed(engine, normalize(username) or "admin", password_hash, ADMIN, clock=clock)
    except UserError:   # another worker created it at the same moment
        return None
    log.info("No users yet: created admin %s from ADMIN_USERNAME and ADMIN_PASSWORD(_HASH)", user.username)
    return user
