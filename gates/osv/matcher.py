"""Decide whether one package version is affected by one OSV advisory.

Follows the OSV schema's evaluation rules for a PyPI package:

* ``ECOSYSTEM`` and ``SEMVER`` ranges: events sorted by version (``introduced: "0"`` first:
  it means "every version", pre-releases such as ``0.dev0`` that sort below ``0`` included);
  walking them, ``introduced`` <= v makes v vulnerable, ``fixed`` <= v makes it safe again,
  ``last_affected`` < v makes it safe again; ``limit`` events (when present) bound the range:
  v must be below one of them (``"*"`` means no limit).
* the explicit ``versions`` list: an exact match (string or PEP 440-normalised) is affected.
* ``GIT`` ranges are ignored (commit hashes cannot be compared with a version).
* an advisory with ``withdrawn`` never matches.

Versions are compared with :mod:`packaging`. A range holding an event version that is not
PEP 440 (binderhub's ``fixed: 0.2.0-n653``) cannot be evaluated: it is never skipped, every
version is treated as affected (fail closed) and :meth:`Affected.undecidable` names the
offending text so the finding can say why. Compilation is lazy and cached per affected entry,
so loading a snapshot stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

_COMPARABLE_TYPES = ("ECOSYSTEM", "SEMVER")
_ZERO = Version("0.dev0")  # the lowest PEP 440 version of epoch 0: "introduced: 0" covers it too


def parse_version(text: str, *, semver: bool = False) -> Version | None:
    """``text`` as a PEP 440 version (SEMVER: a leading ``v`` is dropped), or None if invalid."""
    value = str(text).strip()
    if semver and value[:1] in ("v", "V"):
        value = value[1:]
    try:
        return Version(value)
    except InvalidVersion:
        return None


@dataclass(frozen=True)
class Event:
    """One range event: ``kind`` is introduced, fixed, last_affected or limit."""

    kind: str
    version: Version | None  # None only for a ``limit`` of "*"


@dataclass(frozen=True)
class Range:
    """A compiled ECOSYSTEM/SEMVER range; ``invalid`` holds the event texts that were not PEP 440."""

    kind: str
    events: tuple[Event, ...]
    limits: tuple[Event, ...]
    invalid: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """False when an event could not be read: the range cannot be evaluated."""
        return not self.invalid

    @classmethod
    def compile(cls, raw: Mapping[str, Any]) -> Range:
        """Compile one ``ranges[]`` entry of an advisory."""
        kind = str(raw.get("type", ""))
        semver = kind == "SEMVER"
        events: list[Event] = []
        limits: list[Event] = []
        invalid: list[str] = []
        for entry in raw.get("events") or ():
            for key, value in dict(entry).items():
                if key == "limit" and str(value) == "*":
                    limits.append(Event("limit", None))
                    continue
                version = _ZERO if key == "introduced" and str(value) == "0" else parse_version(value, semver=semver)
                if version is None or key not in ("introduced", "fixed", "last_affected", "limit"):
                    invalid.append(f"{key}: {value}")
                    continue
                (limits if key == "limit" else events).append(Event(key, version))
        events.sort(key=lambda e: e.version or _ZERO)
        return cls(kind, tuple(events), tuple(limits), tuple(invalid))

    def contains(self, version: Version) -> bool:
        """True when ``version`` falls inside this range (always, when the range cannot be evaluated)."""
        if not self.valid:
            return True
        if self.limits and not any(e.version is None or version < e.version for e in self.limits):
            return False
        vulnerable = False
        for event in self.events:
            assert event.version is not None
            if event.kind == "introduced" and version >= event.version:
                vulnerable = True
            elif event.kind == "fixed" and version >= event.version:
                vulnerable = False
            elif event.kind == "last_affected" and version > event.version:
                vulnerable = False
        return vulnerable


class Affected:
    """One ``affected[]`` entry of an advisory, compiled on first use."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        package = raw.get("package") or {}
        self.raw = raw
        self.ecosystem: str = str(package.get("ecosystem", ""))
        self.name: str = canonicalize_name(str(package.get("name", "")))

    @cached_property
    def ranges(self) -> tuple[Range, ...]:
        """The comparable (ECOSYSTEM / SEMVER) ranges."""
        return tuple(Range.compile(r) for r in self.raw.get("ranges") or () if r.get("type") in _COMPARABLE_TYPES)

    @cached_property
    def _explicit(self) -> tuple[frozenset[str], frozenset[Version]]:
        texts = frozenset(str(v) for v in self.raw.get("versions") or ())
        parsed = frozenset(p for p in (parse_version(t) for t in texts) if p is not None)
        return texts, parsed

    def affects(self, version_text: str) -> bool:
        """True when ``version_text`` is listed explicitly or falls in one of the ranges."""
        texts, parsed = self._explicit
        if version_text in texts:
            return True
        version = parse_version(version_text)
        if version is None:
            return False
        return version in parsed or any(r.contains(version) for r in self.ranges)

    def undecidable(self, version_text: str) -> tuple[str, ...]:
        """The unreadable event texts of the ranges that make ``version_text`` count as affected, if any.

        Empty when an explicit ``versions`` entry or a readable range decides on its own.
        """
        texts, parsed = self._explicit
        version = parse_version(version_text)
        if version_text in texts or (version is not None and (
                version in parsed or any(r.valid and r.contains(version) for r in self.ranges))):
            return ()
        return tuple(text for r in self.ranges for text in r.invalid)

    def fixed_versions(self) -> list[str]:
        """The ``fixed`` event versions of the ECOSYSTEM ranges, as written in the advisory."""
        out: list[str] = []
        for raw in self.raw.get("ranges") or ():
            if raw.get("type") in _COMPARABLE_TYPES:
                out += [str(e["fixed"]) for e in raw.get("events") or () if "fixed" in e]
        return out


def affected_entries(advisory: Mapping[str, Any]) -> Sequence[Affected]:
    """The compiled ``affected`` entries of a raw advisory."""
    return [Affected(a) for a in advisory.get("affected") or () if isinstance(a, Mapping)]
