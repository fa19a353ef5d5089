"""The severity of an OSV advisory, from its CVSS v3 vector or its ``database_specific`` label.

Order: a ``CVSS_V3`` vector in ``severity`` (top level, then per ``affected`` entry) scored
with the CVSS 3.1 base-score formula and rated (9.0+ critical, 7.0+ high, 4.0+ medium,
0.1+ low, 0 info); else a ``database_specific.severity`` label (GitHub's CRITICAL, HIGH,
MODERATE, LOW). CVSS v2 and v4 vectors are not scored. When nothing is found the caller
applies its documented default (the dependencies gate uses ``high``: fail closed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gates.model import Severity

_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_AC = {"L": 0.77, "H": 0.44}
_PR_UNCHANGED = {"N": 0.85, "L": 0.62, "H": 0.27}
_PR_CHANGED = {"N": 0.85, "L": 0.68, "H": 0.5}
_UI = {"N": 0.85, "R": 0.62}
_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}
SEVERITY_LABELS = {"CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "MODERATE": Severity.MEDIUM,
           "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}


@dataclass(frozen=True)
class AdvisorySeverity:
    """A severity and where it came from (e.g. ``CVSS 9.8``, ``database_specific: HIGH``)."""

    severity: Severity
    source: str


def _roundup(value: float) -> float:
    """CVSS 3.1 Roundup: the smallest one-decimal number >= value, robust to float noise."""
    scaled = round(value * 100000)
    if scaled % 10000 == 0:
        return scaled / 100000.0
    return (math.floor(scaled / 10000) + 1) / 10.0


def cvss3_base_score(vector: str) -> float:
    """The CVSS 3.0/3.1 base score of ``vector``; ``ValueError`` when it is not a full base vector."""
    parts = vector.strip().split("/")
    if not parts or not parts[0].startswith("CVSS:3"):
        raise ValueError(f"not a CVSS v3 vector: {vector!r}")
    metrics = dict(p.split(":", 1) for p in parts[1:] if ":" in p)
    try:
        changed = {"U": False, "C": True}[metrics["S"]]
        iss = 1 - (1 - _CIA[metrics["C"]]) * (1 - _CIA[metrics["I"]]) * (1 - _CIA[metrics["A"]])
        pr = (_PR_CHANGED if changed else _PR_UNCHANGED)[metrics["PR"]]
        exploitability = 8.22 * _AV[metrics["AV"]] * _AC[metrics["AC"]] * pr * _UI[metrics["UI"]]
    except KeyError as exc:
        raise ValueError(f"CVSS v3 vector {vector!r} lacks or misspells base metric {exc}") from None
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    if impact <= 0:
        return 0.0
    total = 1.08 * (impact + exploitability) if changed else impact + exploitability
    return _roundup(min(total, 10.0))


def rating(score: float) -> Severity:
    """The CVSS qualitative rating of a score, as our severity."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def _severity_lists(advisory: Mapping[str, Any]) -> Iterable[Any]:
    yield advisory.get("severity") or ()
    for affected in advisory.get("affected") or ():
        if isinstance(affected, Mapping):
            yield affected.get("severity") or ()


def _labels(advisory: Mapping[str, Any]) -> Iterable[Any]:
    yield (advisory.get("database_specific") or {}).get("severity")
    for affected in advisory.get("affected") or ():
        if isinstance(affected, Mapping):
            yield (affected.get("database_specific") or {}).get("severity")


def advisory_severity(advisory: Mapping[str, Any]) -> AdvisorySeverity | None:
    """The worst severity stated by ``advisory``, or None when it states none we can read."""
    found: list[AdvisorySeverity] = []
    for entries in _severity_lists(advisory):
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, Mapping) and entry.get("type") == "CVSS_V3":
                try:
                    score = cvss3_base_score(str(entry.get("score", "")))
                except ValueError:
                    continue
                found.append(AdvisorySeverity(rating(score), f"CVSS {score:.1f}"))
    if not found:
        for label in _labels(advisory):
            if isinstance(label, str) and label.strip().upper() in SEVERITY_LABELS:
                found.append(
                    AdvisorySeverity(SEVERITY_LABELS[label.strip().upper()], f"database_specific: {label.strip()}")
                )
    if not found:
        return None
    return max(found, key=lambda s: s.severity.rank)
