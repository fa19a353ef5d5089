"""An in-memory index of OSV advisories keyed by normalised package name and by id.

Only PyPI advisories are indexed (the mirror serves the PyPA advisory database); withdrawn
advisories are kept for ``GET /v1/vulns/{id}`` but never returned by a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from gates.osv.matcher import Affected, affected_entries

ECOSYSTEM = "PyPI"


@dataclass(frozen=True)
class Advisory:
    """One advisory: its raw OSV document (as served), where it came from, its compiled entries."""

    id: str
    raw: Mapping[str, Any]
    source: str  # file the advisory was read from
    affected: tuple[Affected, ...] = field(compare=False, repr=False)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any], source: str) -> Advisory:
        """Wrap a parsed advisory document."""
        return cls(str(raw["id"]), raw, source, tuple(affected_entries(raw)))

    @property
    def withdrawn(self) -> bool:
        """True when the advisory carries a ``withdrawn`` date."""
        return bool(self.raw.get("withdrawn"))

    @property
    def aliases(self) -> tuple[str, ...]:
        """The advisory's aliases (CVE, GHSA, ...)."""
        return tuple(str(a) for a in self.raw.get("aliases") or ())

    def entries_for(self, name: str) -> list[Affected]:
        """The PyPI ``affected`` entries naming the (normalised) package ``name``."""
        return [a for a in self.affected if a.ecosystem == ECOSYSTEM and a.name == name]

    def affects(self, name: str, version: str | None) -> bool:
        """True when this (not withdrawn) advisory affects ``name`` at ``version`` (None: any)."""
        if self.withdrawn:
            return False
        entries = self.entries_for(name)
        if version is None:
            return bool(entries)
        return any(entry.affects(version) for entry in entries)

    def fixed_versions(self, name: str) -> list[str]:
        """Every ``fixed`` version this advisory lists for ``name``."""
        return [v for entry in self.entries_for(name) for v in entry.fixed_versions()]


class AdvisoryIndex:
    """Advisories by normalised package name and by id (and alias, for lookups)."""

    def __init__(self, advisories: Iterable[Advisory] = ()) -> None:
        self._by_name: dict[str, list[Advisory]] = {}
        self._by_id: dict[str, Advisory] = {}
        self._by_alias: dict[str, Advisory] = {}
        for advisory in advisories:
            self.add(advisory)

    def add(self, advisory: Advisory) -> None:
        """Index one advisory under each PyPI package it names."""
        self._by_id[advisory.id] = advisory
        for alias in advisory.aliases:
            self._by_alias.setdefault(alias, advisory)
        names = {a.name for a in advisory.affected if a.ecosystem == ECOSYSTEM and a.name}
        for name in sorted(names):
            self._by_name.setdefault(name, []).append(advisory)

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def package_count(self) -> int:
        """How many distinct package names the index holds."""
        return len(self._by_name)

    def query(self, name: str, version: str | None) -> list[Advisory]:
        """Advisories affecting ``name`` (any spelling) at ``version``; all of the package's if None."""
        key = canonicalize_name(name)
        return [a for a in self._by_name.get(key, ()) if a.affects(key, version)]

    def get(self, vuln_id: str) -> Advisory | None:
        """The advisory with this id, else the one listing it as an alias, else None."""
        return self._by_id.get(vuln_id) or self._by_alias.get(vuln_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())
