"""Sheet names to QuickBooks customers and vendors, matched client-side. Pure: the lists come from
`quickbooks/lookups.py`, loaded once per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from quickbooks.rules.values import clean_text, normalize_name

__all__ = ["NameIndex"]


@dataclass(frozen=True)
class _Party:
    id: str
    name: str
    active: bool


class NameIndex:
    """Sheet names -> QuickBooks customers (or vendors), matched client-side.

    Order: the explicit config (`config/qb_customers.json`), then the `qb_customers` worksheet, then an exact
    DisplayName match ignoring case and spacing. Matching happens here rather than in a QuickBooks query
    because queries fail on non-ASCII names. Inactive objects never match; two active objects with the same
    normalised name match nothing (`ambiguous`), because picking one would bill the wrong party.
    """

    def __init__(self, parties: Sequence[_Party] = (), aliases: Mapping[str, tuple[str, str]] | None = None):
        self._by_id = {p.id: p for p in parties}
        self._by_name: dict[str, list[_Party]] = {}
        for party in parties:
            self._by_name.setdefault(normalize_name(party.name), []).append(party)
        self._aliases = dict(aliases or {})

    @classmethod
    def build(cls, qb_objects: Sequence[Mapping[str, Any]], explicit: Mapping[str, str] | None = None,
              sheet_map: Mapping[str, str] | None = None) -> NameIndex:
        """Index QuickBooks Customer/Vendor dicts (``Id``, ``DisplayName``, optional ``Active``) plus the maps."""
        parties = [_Party(str(o.get("Id", "")), str(o.get("DisplayName") or ""), o.get("Active", True) is not False)
                   for o in qb_objects if o.get("Id") not in (None, "")]
        aliases: dict[str, tuple[str, str]] = {}
        for source, mapping in (("config/qb_customers.json", explicit or {}), ("the qb_customers tab", sheet_map or {})):
            for sheet_name, target in mapping.items():
                key, value = normalize_name(sheet_name), clean_text(str(target or ""))
                if key and value:
                    aliases.setdefault(key, (value, source))  # the explicit config wins
        return cls(parties, aliases)

    def alias_of(self, name: str) -> tuple[str, str] | None:
        """(target, where it is mapped) when `name` is mapped explicitly, else None."""
        return self._aliases.get(normalize_name(name))

    def _candidates(self, name: str) -> list[_Party]:
        alias = self.alias_of(name)
        if alias is not None:
            target = alias[0]
            if target in self._by_id:  # an Id wins over a DisplayName that happens to look like one
                return [self._by_id[target]]
            return self._by_name.get(normalize_name(target), [])
        return self._by_name.get(normalize_name(name), [])

    def matches(self, name: str) -> tuple[tuple[str, str], ...]:
        """Every active (Id, DisplayName) the name points at; more than one means it is ambiguous."""
        return tuple((p.id, p.name) for p in self._candidates(name) if p.active)

    def resolve(self, name: str) -> tuple[str, str] | None:
        """(Id, DisplayName) of the one active match, or None (unknown, inactive only, or ambiguous)."""
        found = self.matches(name)
        return found[0] if len(found) == 1 else None

    def ambiguous(self, name: str) -> bool:
        """True when two or more active QuickBooks objects match the name."""
        return len(self.matches(name)) > 1

    def inactive(self, name: str) -> bool:
        """True when the only matches are inactive (deleted in QuickBooks terms)."""
        candidates = self._candidates(name)
        return bool(candidates) and not any(p.active for p in candidates)
