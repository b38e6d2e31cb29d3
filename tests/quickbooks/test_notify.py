"""Notifications end to end: real sync runs against the QuickBooks emulator, mail to a real SMTP server (aiosmtpd on
loopback) and a chat webhook (http.server on loopback). Asserted on what arrives: one mail per event, its recipients
and text, none on a quiet cycle; a mail server that fails never breaks a run and the mail goes out on the next."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from spreadsheet.base import CellUpdate
from spreadsheet.local import LocalWorkbook
from tests.builders import HEADER, sheet_row, table
from tracker import db
from tracker.notify import send_test, try_test_message

ROWS = table(
    sheet_row("ACD-1"),
    sheet_row("ACD-5", status="pending", to_client="Unknown Client", inv_dollars="10"),
    sheet_row("ACD-7", status="pending", to_client="Nobody Ltd", inv_dollars="1,234.50"),
)
TO = ("finance@example.com", "ops@example.com")


class Mailbox:
    """An aiosmtpd handler keeping every message; `refuse` makes it answer 451 (a mail server in trouble)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Requested action aborted: local error in processing"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]

    def body(self, index: int = -1) -> str:
        return self.messages[index].get_content()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    """A real SMTP server on 127.0.0.1 (aiosmtpd), stopped after the test."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    """A chat webhook on loopback that keeps each POST; set `.status` to make it fail."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.posts, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/B000/secret-part"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sheet_settings(make_settings, mailbox):
    settings = make_settings(notify_smtp_host="127.0.0.1", notify_smtp_port=mailbox.port,
                             notify_smtp_security="none", notify_from="Finance tracker <tracker@example.com>",
                             notify_to=TO, notify_timeout_seconds=5)
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": ROWS})
    return settings


def test_one_digest_of_newly_failed_rows_and_none_on_a_quiet_cycle(make_service, sheet_settings, mailbox):
    service = make_service()
    assert service.run("schedule").status == "ok"
    assert mailbox.subjects() == ["[Finance tracker] 2 rows newly failed to sync to QuickBooks"]
    assert mailbox.recipients == [list(TO)]
    assert mailbox.messages[0]["To"] == "finance@example.com, ops@example.com"
    assert mailbox.messages[0]["From"] == "Finance tracker <tracker@example.com>"
    body = mailbox.body()
    assert "- Invoice ACD-5 (sheet row 3; Unknown Client, 10): Customer 'Unknown Client' is not in QuickBooks" in body
    assert "- Invoice ACD-7 (sheet row 4; Nobody Ltd, 1,234.50): Customer 'Nobody Ltd' is not in QuickBooks" in body
    assert "ACD-1" not in body

    service.run("schedule")   # the same rows fail again with the same messages: nothing is new
    service.run("schedule")
    assert len(mailbox.messages) == 1

    column = HEADER.index("to_client") + 1   # ACD-5 now fails for another reason: that is news, ACD-7 is not
    LocalWorkbook(sheet_settings.local_sheet_path).worksheet("inv_tbl").write_cells([CellUpdate(3, column, "Zed Co")])
    service.run("schedule")
    assert mailbox.subjects()[1:] == ["[Finance tracker] 1 row newly failed to sync to QuickBooks"]
    assert "ACD-5" in mailbox.body() and "Zed Co" in mailbox.body() and "ACD-7" not in mailbox.body()


def test_a_dry_run_sends_nothing(make_service, sheet_settings, mailbox):
    make_service().run("cli", dry_run=True)
    assert mailbox.messages == []


def test_reconnect_is_told_once_until_connected_again(make_service, sheet_settings, mailbox, connected, engine):
    service = make_service()
    service.run("schedule")   # the digest of failed rows
    connected.store.mark_dead("Intuit answered invalid_grant")
    for _ in range(3):
        service.run("schedule")
    reconnect = [m for m in mailbox.messages if "needs reconnecting" in m["Subject"]]
    assert len(reconnect) == 1 and len(mailbox.messages) == 2
    assert "Intuit answered invalid_grant" in reconnect[0].get_content()
    assert "Connect QuickBooks" in reconnect[0].get_content()

    with engine.begin() as connection:   # connected again (as a new consent does), then lost again: told again
        connection.execute(update(db.qb_tokens).values(reconnect_reason=None))
    service.run("schedule")
    connected.store.mark_dead("the grant was revoked")
    service.run("schedule")
    assert [m["Subject"] for m in mailbox.messages].count("[Finance tracker] QuickBooks needs reconnecting") == 2


def test_token_expiry_within_14_days_is_told_once_per_token(make_service, sheet_settings, mailbox, engine):
    service = make_service()
    in_ten_days = time.time() + 10 * 86400 + 3600
    with engine.begin() as connection:
        connection.execute(update(db.qb_tokens).values(refresh_expires_at=in_ten_days))
    service.run("schedule")
    service.run("schedule")
    expiry = [m for m in mailbox.messages if "expires" in m["Subject"]]
    assert [m["Subject"] for m in expiry] == ["[Finance tracker] QuickBooks connection expires in 10 days"]
    assert "Connect QuickBooks" in expiry[0].get_content()

    with engine.begin() as connection:   # a new token that also ends soon: its own warning
        connection.execute(update(db.qb_tokens).values(refresh_expires_at=in_ten_days + 2 * 86400))
    service.run("schedule")
    assert len([m for m in mailbox.messages if "expires" in m["Subject"]]) == 2


def test_a_run_that_cannot_finish_is_told_once_until_runs_finish_again(make_service, sheet_settings, mailbox):
    service = make_service()
    service.run("schedule")
    mailbox.messages.clear()
    book = sheet_settings.local_sheet_path
    saved = book.read_bytes()
    book.unlink()   # the workbook is gone: the run fails, every cycle, the same way
    for _ in range(3):
        report = service.run("schedule")
        assert report.status == "failed"
    assert len(mailbox.messages) == 1
    assert mailbox.subjects() == [f"[Finance tracker] Sync run {report.run_id - 2} could not finish"]
    assert str(book) in mailbox.body() and "schedule" in mailbox.body()

    book.write_bytes(saved)   # it finishes again; the next failure is news again
    assert service.run("schedule").status == "ok"
    book.unlink()
    service.run("schedule")
    assert len(mailbox.messages) == 2


def test_an_unexpected_crash_is_told_and_still_raised(make_service, sheet_settings, mailbox, monkeypatch):
    service = make_service()
    service.run("schedule")
    mailbox.messages.clear()

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the sync")

    monkeypatch.setattr("quickbooks.sync.SyncRun.execute", broken)
    with pytest.raises(RuntimeError):
        service.run("schedule")
    assert len(mailbox.messages) == 1 and "could not finish" in mailbox.subjects()[0]
    assert "unexpected error: RuntimeError: a bug in the sync" in mailbox.body()


@pytest.mark.parametrize("trouble", ["refuses", "down"])
def test_a_failing_mail_server_never_breaks_the_run_and_the_mail_goes_next_cycle(make_service, sheet_settings,
                                                                                 mailbox, trouble, caplog):
    service = make_service()
    if trouble == "refuses":
        mailbox.refuse = True
    else:
        service.settings = dataclasses.replace(service.settings, notify_smtp_port=free_port())   # nobody listens
    assert service.run("schedule").status == "ok"
    assert mailbox.messages == []
    assert "not delivered, tried again at the next sync" in caplog.text

    mailbox.refuse = False
    service.settings = sheet_settings
    service.run("schedule")
    assert mailbox.subjects() == ["[Finance tracker] 2 rows newly failed to sync to QuickBooks"]
    service.run("schedule")
    assert len(mailbox.messages) == 1


def test_the_webhook_gets_each_event_once_and_never_logs_its_address(make_service, sheet_settings, mailbox,
                                                                     webhook, caplog):
    service = make_service()
    service.settings = dataclasses.replace(sheet_settings, notify_webhook_url=webhook.url)
    webhook.status = 500
    service.run("schedule")   # mail goes; the webhook fails and waits
    assert len(mailbox.messages) == 1 and len(webhook.posts) == 1
    assert webhook.url not in caplog.text and "secret-part" not in caplog.text
    assert "chat webhook: answered HTTP 500" in caplog.text

    webhook.status = 200
    service.run("schedule")
    service.run("schedule")
    assert len(mailbox.messages) == 1   # the mail is not sent twice because the webhook failed
    assert len(webhook.posts) == 2
    path, content_type, payload = webhook.posts[-1]
    assert path == "/hooks/T000/B000/secret-part" and content_type.startswith("application/json")
    assert payload["text"].startswith("2 rows newly failed to sync to QuickBooks")
    assert "Customer 'Unknown Client' is not in QuickBooks" in payload["text"]


def test_nothing_configured_means_off_silently(make_service, make_settings, caplog):
    settings = make_settings()
    LocalWorkbook.create(settings.local_sheet_path, {"inv_tbl": ROWS})
    service = make_service()
    service.settings = settings
    assert service.run("schedule").status == "ok"
    assert "otif" not in caplog.text
    assert send_test(settings).startswith("Notifications are off")


def _test_cases():
    return {
        "mail": (dict(), True, "Test message sent by mail to finance@example.com, ops@example.com."),
        "mail and webhook": (dict(webhook=True), True, "Test message sent by mail to finance@example.com, "
                                                       "ops@example.com and to the chat webhook."),
        "server down": (dict(port_down=True), False, "Not sent: mail server 127.0.0.1:"),
        "no starttls": (dict(notify_smtp_security="starttls"), False, "does not offer STARTTLS"),
        "webhook refuses": (dict(webhook=True, status=403), False, "chat webhook: answered HTTP 403"),
    }


@pytest.mark.parametrize("case", _test_cases().values(), ids=_test_cases().keys())
def test_send_test_message_says_what_happened(sheet_settings, mailbox, webhook, case):
    changes, delivered, words = case
    changes = dict(changes)
    if changes.pop("webhook", False):
        changes["notify_webhook_url"] = webhook.url
    webhook.status = changes.pop("status", 200)
    if changes.pop("port_down", False):
        changes["notify_smtp_port"] = free_port()
    settings = dataclasses.replace(sheet_settings, **changes)
    ok, outcome = try_test_message(settings)
    assert (ok, words in outcome) == (delivered, True), outcome
    assert "secret-part" not in outcome
    if delivered:
        assert mailbox.subjects() == ["[Finance tracker] Test message"]
        assert mailbox.recipients == [list(TO)]


def test_a_run_whose_process_died_is_told_once(make_service, sheet_settings, mailbox, engine):
    from sqlalchemy import insert

    with engine.begin() as connection:   # a run still "running" although its process is gone (killed, power cut)
        dead = connection.execute(insert(db.sync_runs).values(
            trigger="schedule", directions="invoice", status="running", started_at=time.time() - 60)
        ).inserted_primary_key[0]
    service = make_service()
    service.run("schedule")
    service.run("schedule")
    stopped = [m for m in mailbox.messages if "stopped before it finished" in m["Subject"]]
    assert [m["Subject"] for m in stopped] == [f"[Finance tracker] Sync run {dead} stopped before it finished"]
    assert "killed or crashed" in stopped[0].get_content()


def test_notify_test_command(tmp_path, mailbox):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QB_", "NOTIFY_", "DATABASE_"))}
    env.update(NOTIFY_SMTP_HOST="127.0.0.1", NOTIFY_SMTP_PORT=str(mailbox.port), NOTIFY_SMTP_SECURITY="none",
               NOTIFY_FROM="tracker@example.com", NOTIFY_TO="finance@example.com")

    def run(*args, **extra):
        return subprocess.run([sys.executable, str(root / "quickbooks_sync.py"), *args], cwd=tmp_path,
                              env={**env, **extra}, capture_output=True, text=True, timeout=120)

    assert "notify-test" in run("--help").stdout
    done = run("notify-test")
    assert (done.returncode, done.stdout.strip()) == (0, "Test message sent by mail to finance@example.com.")
    assert mailbox.subjects() == ["[Finance tracker] Test message"]
    down = run("notify-test", NOTIFY_SMTP_PORT=str(free_port()))
    assert down.returncode == 1 and "Not sent: mail server 127.0.0.1:" in down.stdout
    bad = run("notify-test", NOTIFY_WEBHOOK_URL="http://hooks.example.com/T0/secret-part", NOTIFY_TO="")
    assert bad.returncode == 2
    assert "NOTIFY_WEBHOOK_URL" in bad.stderr and "NOTIFY_TO is required" in bad.stderr
    assert "secret-part" not in bad.stderr + bad.stdout
