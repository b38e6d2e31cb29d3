"""QuickBooks fixtures: the emulator on loopback, settings pointed at it, a consent-page "click"."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from cryptography.fernet import Fernet

from tracker import db
from quickbooks.connection import open_quickbooks
from quickbooks.wire.oauth import finish_connect, start_connect
from quickbooks.settings import QbSettings

REDIRECT_URI = "http://localhost:8765/callback"


@pytest.fixture
def qbo_emulator():
    from emulators.qbo import QboEmulator

    emulator = QboEmulator(redirect_uris=(REDIRECT_URI,))
    with emulator.start():
        yield emulator


@pytest.fixture
def engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'qb.db'}")
    db.upgrade(engine)
    return engine


@pytest.fixture
def qb_settings(qbo_emulator):
    """Settings for the emulator: fast retries, a fresh token key; override fields by calling it."""
    base = QbSettings(token_key=Fernet.generate_key().decode(), redirect_uri=REDIRECT_URI, max_attempts=4,
                      backoff_max_seconds=0.05, timeout_seconds=5).with_endpoints(qbo_emulator.base_url)

    def make(**changes) -> QbSettings:
        return dataclasses.replace(base, **changes)

    return make


@pytest.fixture
def quickbooks(qb_settings, engine):
    qb = open_quickbooks(qb_settings(), engine)
    yield qb
    qb.close()


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get").lower(),
                               "fields": {}, "buttons": {}})
        elif tag in ("input", "button") and self.forms:
            name = attrs.get("name")
            if tag == "input" and attrs.get("type", "text") != "submit" and name:
                self.forms[-1]["fields"][name] = attrs.get("value", "")
            elif name or attrs.get("id"):
                self.forms[-1]["buttons"][attrs.get("id") or name] = (name, attrs.get("value", ""))


def consent(authorize_url: str, button: str = "authorize") -> dict[str, str]:
    """Open Intuit's (the emulator's) consent page like a person and press `button`; return the callback query."""
    return dict(parse_qsl(urlsplit(consent_redirect(authorize_url, button)).query))


def consent_redirect(authorize_url: str, button: str = "authorize") -> str:
    """Press `button` on the consent page; return where Intuit redirects the browser (not followed)."""
    page = requests.get(authorize_url, timeout=5)
    page.raise_for_status()
    parser = _FormParser()
    parser.feed(page.text)
    form = next(f for f in parser.forms if button in f["buttons"])
    data = dict(form["fields"])
    name, value = form["buttons"][button]
    if name:
        data[name] = value
    target = urljoin(page.url, form["action"] or page.url)
    answer = (requests.post(target, data=data, allow_redirects=False, timeout=5) if form["method"] == "post"
              else requests.get(target, params=data, allow_redirects=False, timeout=5))
    assert answer.status_code in (302, 303), answer.text[:300]
    return answer.headers["Location"]


@pytest.fixture
def connected(quickbooks):
    """A QuickBooks connection made through the full consent flow."""
    session: dict = {}
    params = consent(start_connect(quickbooks.oauth, session))
    finish_connect(quickbooks.oauth, quickbooks.store, session, params)
    return quickbooks
