"""Settings: defaults, .env + environment precedence, and one message naming every bad variable."""

from pathlib import Path

import pytest

from tracker.errors import ConfigError
from tracker.settings import load_settings


def test_defaults_run_on_a_fresh_machine():
    settings = load_settings(environ={}, env_file=None)
    assert settings.sheet_backend == "local"
    assert settings.local_sheet_path == Path("data/finance_tracker.xlsx")
    assert settings.database_url == "sqlite:///finance_tracker.db"
    assert settings.scheduler_enabled is True
    assert (settings.host, settings.port) == ("127.0.0.1", 8050)
    assert len(settings.secret_key) >= 32


@pytest.mark.parametrize("name, value, expected_words", [
    ("PORT", "eighty", "PORT='eighty': expected a whole number"),
    ("PORT", "70000", "port number from 1 to 65535"),
    ("SCHEDULER_ENABLED", "maybe", "expected true or false"),
    ("SHEET_BACKEND", "excel", "expected one of local, google"),
    ("DATABASE_URL", "not a url", "SQLAlchemy URL"),
    ("SNAPSHOT_HOUR_UTC", "24", "hour from 0 to 23"),
    ("SHEET_TIMEOUT_SECONDS", "-1", "number above 0"),
    ("GOOGLE_SHEETS_API_URL", "sheets.example", "http:// or https://"),
    ("LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING or ERROR"),
], ids=lambda v: v if isinstance(v, str) and v.isupper() else None)
def test_a_wrong_value_names_the_variable(name, value, expected_words):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={name: value}, env_file=None)
    assert name in str(info.value)
    assert expected_words in str(info.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"PORT": "x", "DEBUG": "perhaps", "DEMO_ROWS": "0"}, env_file=None)
    assert len(info.value.problems) == 3
    for name in ("PORT", "DEBUG", "DEMO_ROWS"):
        assert name in str(info.value)


def test_google_backend_needs_an_id_and_an_existing_key_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"SHEET_BACKEND": "google",
                               "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json")}, env_file=None)
    message = str(info.value)
    assert "GOOGLE_SHEET_ID is required" in message
    assert "missing.json" in message and "no such file" in message


def test_a_sheet_id_alone_selects_the_google_backend(tmp_path):
    key = tmp_path / "key.json"
    key.write_text("{}")
    settings = load_settings(environ={"GOOGLE_SHEET_ID": "abc", "GOOGLE_APPLICATION_CREDENTIALS": str(key)},
                             env_file=None)
    assert settings.sheet_backend == "google"
    assert settings.sheet_label == "Google Sheet abc"


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9001\nHOST=0.0.0.0\n# a comment\nSECRET_KEY=from-dotenv\n")
    settings = load_settings(environ={"PORT": "9002"}, env_file=env_file)
    assert settings.port == 9002
    assert settings.host == "0.0.0.0"
    assert settings.secret_key == "from-dotenv"


def test_secret_key_is_not_in_the_repr():
    settings = load_settings(environ={"SECRET_KEY": "hunter2-very-secret"}, env_file=None)
    assert "hunter2" not in repr(settings)


def test_env_example_documents_every_variable():
    from quickbooks.settings import QB_SETTING_NAMES
    from tracker.settings import SETTING_NAMES

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    undocumented = [name for name in (*SETTING_NAMES, *QB_SETTING_NAMES) if f"\n{name}=" not in example]
    assert undocumented == []
