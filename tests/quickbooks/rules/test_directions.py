"""Direction map (`inv_from` -> Invoice or Bill) and the two JSON config loaders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.errors import ConfigError
from quickbooks.config import load_directions, load_name_map
from quickbooks.rules.directions import Direction, DirectionMap

REPO_CONFIG = Path(__file__).resolve().parents[3] / "config"


def test_direction_names():
    assert (Direction.INVOICE.entity, Direction.INVOICE.party) == ("Invoice", "customer")
    assert (Direction.BILL.entity, Direction.BILL.party) == ("Bill", "vendor")
    assert Direction("bill") is Direction.BILL and Direction.INVOICE == "invoice"


@pytest.mark.parametrize("inv_from, expected", [
    ("ACD", Direction.INVOICE), ("  acd ", Direction.INVOICE), ("Accelebrate", Direction.BILL),
    ("BHANALYTICS", Direction.BILL), ("BH  analytics", None), ("VendorXYZ", None), ("", None),
], ids=["exact", "case-and-spaces", "money-out", "upper-case", "different-spacing-inside-word", "unknown", "blank"])
def test_repo_config_directions(inv_from, expected):
    assert load_directions(REPO_CONFIG / "qb_directions.json").direction_of(inv_from) is expected


def test_repo_config_files_are_as_shipped():
    assert json.loads((REPO_CONFIG / "qb_directions.json").read_text()) == {
        "money_in": ["ACD"], "money_out": ["Accelebrate", "BHanalytics"]}
    assert load_name_map(REPO_CONFIG / "qb_customers.json") == {}


def test_direction_map_normalises_and_refuses_overlap():
    directions = DirectionMap(frozenset({" Big  Broker "}), frozenset())
    assert directions.money_in == frozenset({"big broker"})
    assert directions.direction_of("big broker") is Direction.INVOICE
    with pytest.raises(ValueError, match="both"):
        DirectionMap(frozenset({"ACD"}), frozenset({"acd"}))


@pytest.mark.parametrize("content, fragments", [
    (None, ["is missing: create it"]),
    ('{"money_in": ["ACD"],}', ["is not valid JSON (line 1"]),
    ("[]", ["must hold one JSON object"]),
    ('{"money_in": ["ACD"]}', ['"money_out" is missing']),
    ('{"money_in": "ACD", "money_out": [""]}', ['"money_in" must be a list', '"money_out" must be a list']),
    ('{"money_in": ["ACD"], "money_out": [], "mony_out": ["X"]}', ["unknown key(s) mony_out"]),
    ('{"money_in": ["ACD"], "money_out": [" acd "]}', ["'ACD' listed under both money_in and money_out"]),
], ids=["missing-file", "invalid-json", "not-an-object", "missing-key", "wrong-types", "misspelt-key",
        "name-in-both-lists"])
def test_load_directions_errors_name_the_file(tmp_path, content, fragments):
    path = tmp_path / "qb_directions.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_directions(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_load_directions_allows_comments_and_empty_lists(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{"_comment": "pilot", "money_in": ["ACD"], "money_out": []}', encoding="utf-8")
    assert load_directions(path) == DirectionMap(frozenset({"acd"}), frozenset())


@pytest.mark.parametrize("content, expected", [
    (None, {}),
    ("{}", {}),
    ('{"  Acme   CORP ": " Acme Corporation ", "Zoë": "61", "_note": "x"}', {"acme corp": "Acme Corporation", "zoë": "61"}),
], ids=["missing-file-is-empty", "empty", "normalised-keys"])
def test_load_name_map(tmp_path, content, expected):
    path = tmp_path / "qb_customers.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert load_name_map(path) == expected


@pytest.mark.parametrize("content, fragment", [
    ('["Acme"]', "must hold one JSON object"),
    ('{"Acme": 5}', "'Acme' must map to a QuickBooks name or Id"),
    ('{"Acme": "1", "ACME": "2"}', "is mapped twice"),
    ('{"Acme": "1"', "is not valid JSON"),
], ids=["not-an-object", "number-value", "same-name-twice", "invalid-json"])
def test_load_name_map_errors(tmp_path, content, fragment):
    path = tmp_path / "qb_customers.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_name_map(path)
    assert fragment in str(info.value) and str(path) in str(info.value)
