"""Waivers: one mechanism for every gate.

A waiver names what it covers (a rule or vulnerability id, optionally a gate, a path glob, a
package, a probe), why, who owns the risk and until when. A covered finding stays in every
report with a WAIVER suppression but does not block; once the waiver has expired the finding
blocks again and its message says so.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from gates.errors import ConfigError
from gates.model import Finding, Suppression, SuppressionKind


@dataclass(frozen=True)
class Waiver:
    """One accepted risk from the ``waivers:`` list."""

    id: str
    reason: str
    owner: str
    expires: dt.date
    gate: str | None = None
    path: str | None = None
    package: str | None = None
    probe: str | None = None
    index: int = 0  # position in the list, for messages

    def covers(self, gate: str, finding: Finding) -> bool:
        """True when this waiver's scope matches ``finding`` of ``gate`` (ignoring expiry)."""
        if self.id not in finding.ids():
            return False
        if self.gate is not None and self.gate != gate:
            return False
        if self.path is not None and (finding.path is None or not _glob(finding.path, self.path)):
            return False
        if self.package is not None and _canonical(finding.package or "") != _canonical(self.package):
            return False
        if self.probe is not None and finding.probe != self.probe:
            return False
        return True

    def expired(self, today: dt.date) -> bool:
        """A waiver applies through its expiry day and not after."""
        return today > self.expires

    def describe(self) -> str:
        """``waivers[2] (B602 by @sec-team until 2026-12-31)``."""
        return f"waivers[{self.index}] ({self.id} by {self.owner} until {self.expires.isoformat()})"


def _canonical(name: str) -> str:
    """PEP 503 name: ``ruamel.yaml``, ``Ruamel_YAML`` and ``ruamel-yaml`` are one package."""
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def _glob(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    # "dir/**" also matches files directly in dir; "**/x" also matches x at the top.
    if pattern.endswith("/**") and path.startswith(pattern[:-2]):
        return True
    return pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:])


def parse_waivers(items: Sequence[Mapping[str, Any]], source: str, line_for: Any = None) -> tuple[Waiver, ...]:
    """Build waivers from the schema-validated list; a bad date is a config error."""
    waivers = []
    for index, item in enumerate(items):
        try:
            expires = dt.date.fromisoformat(str(item["expires"]))
        except ValueError:
            raise ConfigError(f"{item['expires']!r} is not a real date", source=source,
                              key=f"waivers[{index}].expires",
                              line=line_for(["waivers", index, "expires"]) if line_for else None) from None
        waivers.append(Waiver(id=item["id"], reason=item["reason"], owner=item["owner"], expires=expires,
                              gate=item.get("gate"), path=item.get("path"), package=item.get("package"),
                              probe=item.get("probe"), index=index))
    return tuple(waivers)


@dataclass(frozen=True)
class WaiverOutcome:
    """Findings after waivers, plus notes about expired waivers that matched."""

    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    used: frozenset[int]


def apply_waivers(gate: str, findings: Iterable[Finding], waivers: Sequence[Waiver],
                  today: dt.date) -> WaiverOutcome:
    """Suppress findings covered by a live waiver; mark those only covered by an expired one."""
    out: list[Finding] = []
    notes: list[str] = []
    used: set[int] = set()
    for finding in findings:
        if finding.suppressed:
            out.append(finding)
            continue
        matching = [w for w in waivers if w.covers(gate, finding)]
        live = [w for w in matching if not w.expired(today)]
        if live:
            waiver = live[0]
            used.add(waiver.index)
            out.append(finding.with_suppression(Suppression(SuppressionKind.WAIVER, waiver.reason, waiver.owner,
                                                            waiver.expires.isoformat())))
        elif matching:
            waiver = matching[0]
            used.add(waiver.index)
            note = (f"{waiver.describe()} expired on {waiver.expires.isoformat()}: "
                    f"{finding.rule_id} blocks again; fix it or renew the waiver")
            if note not in notes:
                notes.append(note)
            out.append(replace(finding, message=f"{finding.message} [waiver expired {waiver.expires.isoformat()}]"))
        else:
            out.append(finding)
    return WaiverOutcome(tuple(out), tuple(notes), frozenset(used))
