"""The sync's two small JSON config files, read once per run: `config/qb_directions.json` and
`config/qb_customers.json` (see config/README.md).

A broken file stops the run with a `ConfigError` that names the file and says how to fix it, since guessing
would mis-book money.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from quickbooks.rules.directions import DirectionMap, normalised_names
from quickbooks.rules.values import normalize_name
from tracker.errors import ConfigError

__all__ = ["load_directions", "load_name_map"]


def _read_json(path: Path, example: str) -> Any:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path} is missing: create it, e.g. {example} (see config/README.md)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read ({exc.__class__.__name__}): check the file and its "
                          "permissions; it must be UTF-8 text") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}): "
                          f"fix it so it reads like {example}") from None


_DIRECTIONS_EXAMPLE = '{"money_in": ["ACD"], "money_out": ["Accelebrate"]}'


def load_directions(path: str | Path) -> DirectionMap:
    """Read `config/qb_directions.json`; every problem in it is reported at once, naming the file.

    Both keys are required (an empty list is fine). Keys starting with ``_`` are allowed as comments; any other
    extra key is refused because it is most likely a misspelt ``money_in``/``money_out``.
    """
    path = Path(path)
    data = _read_json(path, _DIRECTIONS_EXAMPLE)
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold one JSON object like {_DIRECTIONS_EXAMPLE}, "
                          f"not a {type(data).__name__}")
    problems: list[str] = []
    lists: dict[str, list[str]] = {}
    for key in ("money_in", "money_out"):
        value = data.get(key)
        if key not in data:
            problems.append(f"{path}: the key \"{key}\" is missing; add it as a list of inv_from names "
                            "(an empty list [] is fine)")
        elif not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            problems.append(f"{path}: \"{key}\" must be a list of non-blank names in quotes, e.g. [\"ACD\"]")
        else:
            lists[key] = value
    unknown = sorted(k for k in data if k not in ("money_in", "money_out") and not str(k).startswith("_"))
    if unknown:
        problems.append(f"{path}: unknown key(s) {', '.join(unknown)}; only \"money_in\" and \"money_out\" "
                        "are read (start a key with _ for a comment)")
    if not problems:
        clash = normalised_names(lists["money_in"]) & normalised_names(lists["money_out"])
        if clash:
            shown = sorted({n for n in lists["money_in"] if normalize_name(n) in clash})
            problems.append(f"{path}: {', '.join(repr(n) for n in shown)} listed under both money_in and "
                            "money_out; keep each name in one list")
    if problems:
        raise ConfigError(problems)
    return DirectionMap(frozenset(lists["money_in"]), frozenset(lists["money_out"]))


_NAME_MAP_EXAMPLE = '{"Acme": "Acme Corporation"}'


def load_name_map(path: str | Path) -> dict[str, str]:
    """Read `config/qb_customers.json`: sheet name -> QuickBooks DisplayName or Id, keys normalised.

    A missing file means "no explicit mappings" (exact name matching still works), so it returns ``{}``;
    a file that exists but is broken is a `ConfigError`, as is one sheet name mapped to two different targets.
    """
    path = Path(path)
    if not path.exists():
        return {}
    data = _read_json(path, _NAME_MAP_EXAMPLE)
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold one JSON object mapping sheet names to QuickBooks names or Ids, "
                          f"e.g. {_NAME_MAP_EXAMPLE}")
    problems: list[str] = []
    result: dict[str, str] = {}
    for sheet_name, target in data.items():
        if str(sheet_name).startswith("_"):
            continue  # a comment
        key = normalize_name(sheet_name)
        if not key:
            problems.append(f"{path}: a blank sheet name is mapped to {target!r}; remove that entry")
            continue
        if not isinstance(target, str) or not target.strip():
            problems.append(f"{path}: {sheet_name!r} must map to a QuickBooks name or Id in quotes, not {target!r}")
            continue
        if key in result and normalize_name(result[key]) != normalize_name(target):
            problems.append(f"{path}: {sheet_name!r} is mapped twice (to {result[key]!r} and {target.strip()!r}); "
                            "keep one")
            continue
        result[key] = target.strip()
    if problems:
        raise ConfigError(problems)
    return result
