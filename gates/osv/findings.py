"""Turn audit results into findings: merge by id and alias, attach severity and location.

Two reports are the same finding when they concern the same package and version declared at
the same place and share any id or alias (PYSEC-2023-74 from pip-audit and CVE-2023-32681
from safety are one finding). Severity comes from the advisory (see
:mod:`gates.osv.severity`); without one the documented default applies (``high``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gates.fingerprint import fingerprints
from gates.model import Finding, Severity
from gates.osv.index import AdvisoryIndex
from gates.osv.pipaudit import AuditedDependency, ReportedVuln
from gates.osv.severity import SEVERITY_LABELS, AdvisorySeverity, advisory_severity
from gates.osv.sources import AuditSource, Location

HELP = "https://osv.dev/vulnerability/{id}"


class SeverityLookup:
    """The severity of a vulnerability: from an in-process index, an OSV service, or the default."""

    def __init__(self, default: Severity, *, index: AdvisoryIndex | None = None, osv_base: str | None = None,
                 timeout: float = 15.0) -> None:
        self.default = default
        self.index = index
        self.osv_base = osv_base.rstrip("/") if osv_base else None
        self.timeout = timeout
        self.failures: list[str] = []
        self._session = requests.Session()
        self._cache: dict[str, dict[str, Any] | None] = {}

    def _advisory(self, vuln_id: str) -> dict[str, Any] | None:
        if vuln_id not in self._cache:
            self._cache[vuln_id] = self._fetch(vuln_id)
        return self._cache[vuln_id]

    def _fetch(self, vuln_id: str) -> dict[str, Any] | None:
        if self.index is not None:
            found = self.index.get(vuln_id)
            return dict(found.raw) if found else None
        if self.osv_base is None:
            return None
        try:
            response = self._session.get(f"{self.osv_base}/v1/vulns/{vuln_id}", timeout=self.timeout)
        except requests.RequestException as exc:
            self.failures.append(f"{vuln_id}: {exc.__class__.__name__} (no further lookups)")
            self.osv_base = None  # one failure is enough: the default applies to the rest, no waiting per id
            return None
        if response.status_code != 200:
            return None
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def lookup(self, ids: Sequence[str], labels: Sequence[str]) -> AdvisorySeverity:
        """The severity the first advisory found among ``ids`` (or a source's label) states, else the default."""
        advisory = next((a for a in map(self._advisory, ids) if a), None)
        stated = advisory_severity(advisory) if advisory else None
        found = [stated] if stated else []
        found += [AdvisorySeverity(SEVERITY_LABELS[lb.upper()], f"{lb} (safety)")
                  for lb in labels if lb.upper() in SEVERITY_LABELS]
        if not found:
            return AdvisorySeverity(self.default, "default")
        return max(found, key=lambda s: s.severity.rank)


@dataclass
class MergedVuln:
    """One vulnerable dependency at one place, with every id any source reported for it."""

    package: str
    version: str
    source: AuditSource
    location: Location | None
    ids: list[str]
    fix_versions: set[str] = field(default_factory=set)
    description: str = ""
    tools: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def absorb(self, vuln: ReportedVuln, tool: str) -> None:
        """Add one more report of the same problem."""
        for vid in (vuln.id, *vuln.aliases):
            if vid not in self.ids:
                self.ids.append(vid)
        self.fix_versions.update(vuln.fix_versions)
        self.description = self.description or vuln.description
        if tool not in self.tools:
            self.tools.append(tool)
        if vuln.severity_label:
            self.labels.append(vuln.severity_label)


def merge(reports: Iterable[tuple[AuditSource, AuditedDependency, str]]) -> list[MergedVuln]:
    """Merge ``(source, audited dependency, tool)`` reports by place, package, version and id/alias."""
    merged: list[MergedVuln] = []
    for source, dep, tool in reports:
        name = canonicalize_name(dep.name)
        location = source.location(name)
        place = location.path if location else source.label
        for vuln in dep.vulns:
            ids = {vuln.id, *vuln.aliases}
            match = next((m for m in merged if m.package == name and m.version == dep.version
                          and (m.location.path if m.location else m.source.label) == place
                          and ids.intersection(m.ids)), None)
            if match is None:
                match = MergedVuln(name, str(dep.version), source, location, [])
                merged.append(match)
            match.absorb(vuln, tool)
    return merged


def _sorted_versions(versions: Iterable[str]) -> list[str]:
    def key(text: str) -> tuple[int, Version | str]:
        try:
            return (0, Version(text))
        except InvalidVersion:
            return (1, text)
    return sorted(set(versions), key=key)


def to_findings(merged: Sequence[MergedVuln], lookup: SeverityLookup) -> list[Finding]:
    """One finding per merged vulnerability, fingerprinted by id, file and package."""
    prints = fingerprints((m.ids[0], m.location.path if m.location else None, m.package) for m in merged)
    findings = []
    for item, fp in zip(merged, prints):
        primary, aliases = item.ids[0], tuple(item.ids[1:])
        severity = lookup.lookup(item.ids, item.labels)
        fixes = _sorted_versions(item.fix_versions)
        fix_text = f"upgrade to {fixes[0]} or later" if fixes else "no fixed version is known"
        alias_text = f" ({', '.join(aliases)})" if aliases else ""
        summary = " ".join(item.description.split())
        summary = summary if len(summary) <= 240 else summary[:237] + "..."
        findings.append(
            Finding(
                rule_id=primary,
                severity=severity.severity,
                fingerprint=fp,
                message=(f"{item.package} {item.version} has known vulnerability {primary}{alias_text}: "
                         f"{fix_text}. {summary}").strip(),
                path=item.location.path if item.location else None,
                line=item.location.line if item.location else None,
                help_uri=HELP.format(id=primary),
                tool=item.tools[0],
                title=f"vulnerable {item.package}",
                package=item.package,
                aliases=aliases,
                properties={
                    "installed_version": item.version,
                    "fix_versions": fixes,
                    "sources": list(item.tools),
                    "severity_source": severity.source,
                    "audited_from": item.source.label,
                },
            )
        )
    return findings
