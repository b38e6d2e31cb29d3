"""Which way the money flows for a row, and the two small JSON config files the mapping reads.

`inv_from` decides it: a name under ``money_in`` (ACD itself) makes a QuickBooks Invoice to the client, a name
under ``money_out`` (a vendor or broker billing ACD) makes a Bill. Names compare the way people type them:
case, surrounding and doubled spaces do not matter. The only I/O here is reading the config files once per
run; a broken file stops the run with a `ConfigError` that names the file, since guessing would mis-book money.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Iterable

from tracker.errors import ConfigError
from quickbooks.rules.values import normalize_name

__all__ = ["Direction", "DirectionMap", "load_directions", "load_name_map"]


class Direction(str, Enum):
    """The QuickBooks transaction a row becomes; the value is what the audit and the sheet store."""

    INVOICE = "invoice"
    BILL = "bill"

    @property
    def entity(self) -> str:
        """The QuickBooks entity name (``Invoice``/``Bill``), as used in URLs and response keys."""
        return "Invoice" if self is Direction.INVOICE else "Bill"

    @property
    def party(self) -> str:
        """Who the transaction is with, in words for messages: ``customer`` or ``vendor``."""
        return "customer" if self is Direction.INVOICE else "vendor"


@dataclass(frozen=True)
class DirectionMap:
    """The ``money_in``/``money_out`` name sets, normalised on construction so lookups forgive case and spaces."""

    money_in: frozenset[str]
    money_out: frozenset[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "money_in", _normalised(self.money_in))
        object.__setattr__(self, "money_out", _normalised(self.money_out))
        both = self.money_in & self.money_out
        if both:
            raise ValueError("listed under both money_in and money_out: " + ", ".join(sorted(both)))

    def direction_of(self, inv_from: str) -> Direction | None:
        """Invoice for a money-in name, Bill for a money-out name, None when the name is in neither list."""
        name = normalize_name(inv_from)
        if name in self.money_in:
            return Direction.INVOICE
        if name in self.money_out:
            return Direction.BILL
        return None


def _normalised(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in (normalize_name(name) for name in names) if n)


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
        clash = _normalised(lists["money_in"]) & _normalised(lists["money_out"])
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
