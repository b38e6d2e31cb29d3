"""NOTIFY_* settings: off by default, mail needs a server, a sender and recipients together, every problem named at
once, and the secrets (SMTP password, webhook address) never repeated in a message or a repr."""

from __future__ import annotations

import pytest

from tracker.errors import ConfigError
from tracker.notify import channels, smtp_port
from tracker.settings import load_settings

MAIL = {"NOTIFY_SMTP_HOST": "smtp.example.com", "NOTIFY_FROM": "Finance tracker <tracker@example.com>",
        "NOTIFY_TO": "finance@example.com, ops@example.com"}


def test_off_by_default():
    settings = load_settings(environ={}, env_file=None)
    assert channels(settings) == ()


def test_mail_and_webhook():
    settings = load_settings(environ={**MAIL, "NOTIFY_WEBHOOK_URL": "https://hooks.example.com/T0/B0/secret-part",
                                      "NOTIFY_SMTP_USER": "tracker", "NOTIFY_SMTP_PASSWORD": "hunter2-secret"},
                             env_file=None)
    assert channels(settings) == ("mail", "webhook")
    assert settings.notify_to == ("finance@example.com", "ops@example.com")
    assert (settings.notify_smtp_security, smtp_port(settings)) == ("starttls", 587)
    assert "hunter2" not in repr(settings) and "secret-part" not in repr(settings)


@pytest.mark.parametrize("security, port", [("starttls", 587), ("ssl", 465), ("none", 25)])
def test_the_port_follows_the_security(security, port):
    settings = load_settings(environ={**MAIL, "NOTIFY_SMTP_SECURITY": security}, env_file=None)
    assert smtp_port(settings) == port
    assert smtp_port(load_settings(environ={**MAIL, "NOTIFY_SMTP_SECURITY": security, "NOTIFY_SMTP_PORT": "2525"},
                                   env_file=None)) == 2525


BAD = {
    "to without a host": ({"NOTIFY_TO": "a@example.com", "NOTIFY_FROM": "t@example.com"}, "NOTIFY_SMTP_HOST is required"),
    "host without recipients": ({**MAIL, "NOTIFY_TO": ""}, "NOTIFY_TO is required"),
    "host without a sender": ({**MAIL, "NOTIFY_FROM": ""}, "NOTIFY_FROM is required"),
    "a recipient that is no address": ({**MAIL, "NOTIFY_TO": "finance"}, "NOTIFY_TO='finance': expected"),
    "two senders": ({**MAIL, "NOTIFY_FROM": "a@example.com,b@example.com"}, "expected one e-mail address"),
    "unknown security": ({**MAIL, "NOTIFY_SMTP_SECURITY": "tls"}, "expected one of starttls, ssl, none"),
    "a user without a password": ({**MAIL, "NOTIFY_SMTP_USER": "u"}, "go together"),
    "a password in clear text": ({**MAIL, "NOTIFY_SMTP_SECURITY": "none", "NOTIFY_SMTP_USER": "u",
                                  "NOTIFY_SMTP_PASSWORD": "hunter2-secret"}, "in clear text"),
    "plain http webhook": ({"NOTIFY_WEBHOOK_URL": "http://hooks.example.com/secret-part"}, "expected an https://"),
    "no address at all": ({"NOTIFY_WEBHOOK_URL": "secret-part"}, "expected an https://"),
}


@pytest.mark.parametrize("environ, words", BAD.values(), ids=BAD.keys())
def test_a_wrong_notify_setting_is_named_and_its_secret_not_shown(environ, words):
    with pytest.raises(ConfigError) as info:
        load_settings(environ=environ, env_file=None)
    assert words in str(info.value)
    assert "hunter2" not in str(info.value) and "secret-part" not in str(info.value)


def test_plain_http_is_accepted_on_loopback_only():
    for url in ("http://127.0.0.1:9000/hook", "http://localhost/hook", "http://[::1]:80/hook"):
        assert channels(load_settings(environ={"NOTIFY_WEBHOOK_URL": url}, env_file=None)) == ("webhook",)
