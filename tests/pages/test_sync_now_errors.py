"""A database or disk that fails as "Sync now" is pressed gives a plain message on the page, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

BODY = {"output": "admin-sync-message.children", "outputs": {"id": "admin-sync-message", "property": "children"},
        "inputs": [{"id": "admin-sync-now", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["admin-sync-now.n_clicks"]}


def _read_only(url: str):
    """The app's own SQLite database opened read-only: every write fails as on a full or read-only disk."""
    return create_engine(url.replace("sqlite:///", "sqlite:///file:", 1) + "?mode=ro&uri=true")


@pytest.mark.parametrize("broken, detail", [
    (lambda url, tmp: _read_only(url), "attempt to write a readonly database"),
    (lambda url, tmp: create_engine(f"sqlite:///{tmp / 'gone' / 'db.sqlite'}"), "unable to open database file"),
], ids=["read-only-database", "missing-disk"])
def test_sync_now_on_a_failing_database_is_a_message_not_a_500(tracker_app, admin_client, monkeypatch, tmp_path,
                                                                broken, detail):
    sync = tracker_app.server.extensions["sync"]
    before = len(sync.runs.recent(1000))
    monkeypatch.setattr(sync, "engine", broken(sync.settings.database_url, tmp_path))
    response = admin_client.post("/_dash-update-component", json=BODY)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert "The sync could not start: the disk or database is not available" in text
    assert detail in text and "admin-sync-failed" in text
    assert "Traceback" not in text and "INSERT" not in text and "UPDATE" not in text
    monkeypatch.undo()
    assert len(sync.runs.recent(1000)) == before, "nothing was started"
    assert sync.running() is None, "no lease left behind"
