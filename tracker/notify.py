"""Word to a person: mail (SMTP) and an optional chat webhook, and the outbox that makes each event go out once.

Off, silently, while neither `NOTIFY_SMTP_HOST` nor `NOTIFY_WEBHOOK_URL` is set. A message that a channel could not
take (mail server down, webhook refusing) stays in `notifications_sent` for that channel and goes out at the next
cycle; nothing here raises into its caller's work. The SMTP password and the webhook address (its secret) never
reach a log line or an outcome sentence. What the events are is the caller's business (quickbooks/notify.py).
"""

from __future__ import annotations

import json
import logging
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Callable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from tracker.db import notifications_sent
from tracker.leases import new_holder, release, try_acquire
from tracker.settings import Settings

log = logging.getLogger(__name__)

MAIL, WEBHOOK = "mail", "webhook"
SUBJECT_PREFIX = "[Finance tracker] "
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
NOTIFY_LEASE, NOTIFY_LEASE_SECONDS = "notify", 600   # longer than a flush of a few messages, each timing out


class NotifyError(Exception):
    """A channel did not take a message; the text names the channel and the reason, never a secret."""


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def channels(settings: Settings) -> tuple[str, ...]:
    """The configured channels; () means notifications are off."""
    return (*((MAIL,) if settings.notify_smtp_host else ()), *((WEBHOOK,) if settings.notify_webhook_url else ()))


def redact(text: str, settings: Settings) -> str:
    """`text` without the secrets of the settings (the SMTP password, the webhook address)."""
    for secret in (settings.notify_smtp_password, settings.notify_webhook_url):
        if secret:
            text = text.replace(secret, "***")
    return text


def send(settings: Settings, channel: str, message: Message) -> None:
    """Hand `message` to one channel; NotifyError (plain words, no secret) when it does not take it."""
    try:
        (_send_mail if channel == MAIL else _post_webhook)(settings, message)
    except (OSError, smtplib.SMTPException, ssl.SSLError, ValueError) as exc:
        raise NotifyError(f"{_channel_name(settings, channel)}: {_reason(exc, settings)}") from None


def _channel_name(settings: Settings, channel: str) -> str:
    if channel == MAIL:
        return f"mail server {settings.notify_smtp_host}:{smtp_port(settings)}"
    return "chat webhook"


def _reason(exc: Exception, settings: Settings) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"answered HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, Exception) else exc
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer within {settings.notify_timeout_seconds:g} s"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "refused NOTIFY_SMTP_USER / NOTIFY_SMTP_PASSWORD"
    if isinstance(exc, smtplib.SMTPNotSupportedError) and settings.notify_smtp_security == "starttls":
        return "does not offer STARTTLS (set NOTIFY_SMTP_SECURITY to ssl, or none for a server on this machine)"
    text = redact(str(exc) or type(exc).__name__, settings)
    return f"{type(exc).__name__}: {text}"[:300]


def smtp_port(settings: Settings) -> int:
    return settings.notify_smtp_port or DEFAULT_PORTS[settings.notify_smtp_security]


def _send_mail(settings: Settings, message: Message) -> None:
    mail = EmailMessage()
    mail["Subject"] = SUBJECT_PREFIX + message.subject
    mail["From"] = settings.notify_from
    mail["To"] = ", ".join(settings.notify_to)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=settings.notify_from.rsplit("@", 1)[-1].strip(">") or None)
    mail.set_content(message.body)
    host, port, timeout = settings.notify_smtp_host, smtp_port(settings), settings.notify_timeout_seconds
    context = ssl.create_default_context()
    if settings.notify_smtp_security == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if settings.notify_smtp_security == "starttls":
            server.starttls(context=context)
        if settings.notify_smtp_user:
            server.login(settings.notify_smtp_user, settings.notify_smtp_password)
        server.send_message(mail)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):   # a redirected POST would lose its body: refuse, say so
        return None


def _post_webhook(settings: Settings, message: Message) -> None:
    body = json.dumps({"text": f"{message.subject}\n\n{message.body}"}, ensure_ascii=False).encode()
    request = urllib.request.Request(settings.notify_webhook_url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=settings.notify_timeout_seconds) as answer:
        answer.read(4096)


def send_test(settings: Settings) -> str:
    """The admin page's "Send test message": send one on every configured channel; a sentence saying what happened."""
    return try_test_message(settings)[1]


def try_test_message(settings: Settings) -> tuple[bool, str]:
    """Send a test message on every configured channel: (every channel took it, a sentence saying what happened)."""
    configured = channels(settings)
    if not configured:
        return False, ("Notifications are off: set NOTIFY_SMTP_HOST, NOTIFY_FROM and NOTIFY_TO (and/or "
                       "NOTIFY_WEBHOOK_URL) in .env, then restart.")
    message = Message("Test message", "This is a test message from the finance tracker. Notifications reach you "
                                      "here: rows that newly failed to sync, QuickBooks needing to be connected "
                                      "again, the connection expiring soon, and sync runs that could not finish.")
    sent, problems = [], []
    for channel in configured:
        try:
            send(settings, channel, message)
            sent.append(f"by mail to {', '.join(settings.notify_to)}" if channel == MAIL else "to the chat webhook")
        except NotifyError as exc:
            problems.append(str(exc))
    if problems:
        log.warning("Test notification not delivered: %s", "; ".join(problems))
    outcome = f"Test message sent {' and '.join(sent)}." if sent else ""
    failed = f"Not sent: {'; '.join(problems)}." if problems else ""
    return not problems, " ".join(part for part in (outcome, failed) if part)


@dataclass(frozen=True)
class Pending:
    id: int
    kind: str
    key: str
    detail: str
    created_at: float
    channels_left: tuple[str, ...]


class Outbox:
    """`notifications_sent`: an event is recorded once (kind, key); each channel then takes it, or it waits."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time):
        self.engine, self.clock = engine, clock

    def record(self, kind: str, key: str, detail: str, for_channels: tuple[str, ...]) -> bool:
        """Queue the event unless (kind, key) was ever recorded; True when it is new."""
        try:
            with self.engine.begin() as connection:
                if connection.execute(select(notifications_sent.c.id).where(
                        notifications_sent.c.kind == kind, notifications_sent.c.key == key[:200])).first():
                    return False
                connection.execute(insert(notifications_sent).values(
                    kind=kind, key=key[:200], detail=detail, created_at=self.clock(),
                    channels_left=",".join(for_channels)))
            return True
        except IntegrityError:   # another process recorded it at the same moment
            return False

    def forget(self, kind: str) -> int:
        """Re-arm a kind (its condition has cleared): the next occurrence is announced again."""
        with self.engine.begin() as connection:
            return connection.execute(delete(notifications_sent).where(notifications_sent.c.kind == kind)).rowcount

    def pending(self) -> list[Pending]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(notifications_sent).where(notifications_sent.c.sent_at.is_(None))
                                      .order_by(notifications_sent.c.id)).all()
        return [Pending(r.id, r.kind, r.key, r.detail, r.created_at, tuple(c for c in r.channels_left.split(",") if c))
                for r in rows]

    def taken(self, items: list[Pending], channel: str) -> None:
        """`channel` took these: drop it from their channels left; sent once none is left."""
        with self.engine.begin() as connection:
            for item in items:
                left = ",".join(c for c in item.channels_left if c != channel)
                connection.execute(update(notifications_sent).where(notifications_sent.c.id == item.id).values(
                    channels_left=left, sent_at=None if left else self.clock()))


def flush(settings: Settings, outbox: Outbox, compose: Callable[[list[Pending]], list[tuple[Message, list[Pending]]]]
          ) -> int:
    """Send what waits, per configured channel, as `compose` groups it (e.g. one digest for many rows); how many
    messages went out. A channel that fails stops for this cycle and is tried again at the next one. One process
    sends at a time (a lease): another that finishes a run meanwhile leaves the sending to it."""
    holder = new_holder("notify")
    if not try_acquire(outbox.engine, NOTIFY_LEASE, holder, NOTIFY_LEASE_SECONDS, outbox.clock):
        return 0
    try:
        return _flush(settings, outbox, compose)
    finally:
        release(outbox.engine, NOTIFY_LEASE, holder)


def _flush(settings: Settings, outbox: Outbox,
           compose: Callable[[list[Pending]], list[tuple[Message, list[Pending]]]]) -> int:
    sent = 0
    for channel in channels(settings):
        mine = [item for item in outbox.pending() if channel in item.channels_left]   # read again: fresh channels
        for message, items in compose(mine) if mine else []:
            try:
                send(settings, channel, message)
            except NotifyError as exc:
                log.warning("Notification %r not delivered, tried again at the next sync: %s", message.subject, exc)
                break
            outbox.taken(items, channel)
            sent += 1
    return sent
