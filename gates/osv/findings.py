"""Turn audit results into findings: merge by id and alias, attach severity and location.

pip-audit's alias-merged results are first split into one result per advisory
(:mod:`gates.osv.split`), so a finding carries only its advisory's own id and aliases and a
waiver never reaches a different vulnerability through a shared alias. Two reports are the
same finding when they concern the same package and version declared at the same place and
one names an id of the other's own (PYSEC-2023-74 from pip-audit and CVE-2023-32681 from
safety are one finding). Severity comes from the advisory (see :mod:`gates.osv.severity`);
without one the documented default applies (``high``); a ``MAL-`` advisory (a malicious
package) is always critical. The fix hint is the smallest fixed version above the installed
one, plus one upgrade per package that fixes all its vulnerabilities (:mod:`gates.osv.fixes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from packaging.utils import canonicalize_name

from gates.fingerprint import fingerprints
from gates.model import Finding, Severity
from gates.osv.fixes import fixes_above, package_upgrades
from gates.osv.index import AdvisoryIndex
from gates.osv.pipaudit import AuditedDependency, ReportedVuln
from gates.osv.severity import SEVERITY_LABELS, AdvisorySeverity, advisory_severity
from gates.osv.sources import AuditSource, Location
from gates.osv.split import split

HELP = "https://osv.dev/vulnerability/{id}"
MALICIOUS_PREFIX = "MAL-"


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
        self._by_package: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def _advisory(self, vuln_id: str) -> dict[str, Any] | None:
        if vuln_id not in self._cache:
            self._cache[vuln_id] = self._fetch(vuln_id)
        return self._cache[vuln_id]

    def package_advisories(self, package: str, version: str) -> list[dict[str, Any]]:
        """Every advisory affecting ``package`` at ``version`` (empty when they cannot be looked up)."""
        key = (canonicalize_name(package), version)
        if key not in self._by_package:
            self._by_package[key] = self._query(*key)
        return self._by_package[key]

    def _query(self, package: str, version: str) -> list[dict[str, Any]]:
        if self.index is not None:
            return [dict(a.raw) for a in self.index.query(package, version)]
        if self.osv_base is None:
            return []
        try:
            response = self._session.post(f"{self.osv_base}/v1/query", timeout=self.timeout,
                                          json={"package": {"name": package, "ecosystem": "PyPI"}, "version": version})
            vulns = response.json().get("vulns") if response.status_code == 200 else None
        except (requests.RequestException, ValueError, AttributeError) as exc:
            self.failures.append(f"{package} {version}: {exc.__class__.__name__}")
            return []
        return [v for v in vulns or () if isinstance(v, dict)]

    def undecidable(self, vuln_id: str, package: str, version: str) -> tuple[str, ...]:
        """Unreadable (non-PEP 440) range events that made the local mirror call ``version`` affected."""
        found = self.index.get(vuln_id) if self.index is not None else None
        if found is None:
            return ()
        return tuple(t for entry in found.entries_for(canonicalize_name(package)) for t in entry.undecidable(version))

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

    def absorb(self, vuln: ReportedVuln, tool: str, *, first: bool) -> None:
        """Add one more report of the same problem (only the first one's aliases become ours)."""
        for vid in (vuln.id, *vuln.aliases) if first else (vuln.id,):
            if vid not in self.ids:
                self.ids.append(vid)
        self.fix_versions.update(vuln.fix_versions)
        self.description = self.description or vuln.description
        if tool not in self.tools:
            self.tools.append(tool)
        if vuln.severity_label:
            self.labels.append(vuln.severity_label)


def merge(reports: Iterable[tuple[AuditSource, AuditedDependency, str]],
          lookup: SeverityLookup | None = None) -> list[MergedVuln]:
    """Merge ``(source, audited dependency, tool)`` reports by place, package, version and own id/alias.

    With a ``lookup``, pip-audit's merged results are split per advisory first.
    """
    merged: list[MergedVuln] = []
    for source, dep, tool in reports:
        name = canonicalize_name(dep.name)
        location = source.location(name)
        place = location.path if location else source.label
        for vuln in _per_advisory(dep, name, tool, lookup):
            ids = {vuln.id, *vuln.aliases}
            # a tool's own results are distinct already: only another tool's report can be the same finding
            match = next((m for m in merged if m.package == name and m.version == dep.version
                          and (m.location.path if m.location else m.source.label) == place
                          and tool not in m.tools and ids.intersection(m.ids)), None)
            first = match is None
            if match is None:
                match = MergedVuln(name, str(dep.version), source, location, [])
                merged.append(match)
            match.absorb(vuln, tool, first=first)
    return merged


def _per_advisory(dep: AuditedDependency, name: str, tool: str, lookup: SeverityLookup | None) -> list[ReportedVuln]:
    """``dep``'s vulnerabilities, pip-audit's split per advisory (each advisory once) when advisories can be read."""
    if lookup is None or tool != "pip-audit" or not dep.version or not dep.vulns:
        return list(dep.vulns)
    advisories = lookup.package_advisories(name, dep.version)
    out: list[ReportedVuln] = []
    seen: set[str] = set()
    for vuln in dep.vulns:
        for adv_id, unit in split(vuln, name, advisories):
            if adv_id is None or adv_id not in seen:
                out.append(unit)
                seen.add(adv_id or "")
    return out


def _fix_text(item: MergedVuln, fixes: list[str], upgrade: str | None) -> str:
    if not fixes:
        return f"no fixed version above {item.version} is known"
    text = f"upgrade to {fixes[0]} or later"
    if upgrade and upgrade != fixes[0]:
        text += f" ({item.package}=={upgrade} fixes all its known vulnerabilities)"
    return text


def to_findings(merged: Sequence[MergedVuln], lookup: SeverityLookup) -> list[Finding]:
    """One finding per merged vulnerability, fingerprinted by id, file and package."""
    prints = fingerprints((m.ids[0], m.location.path if m.location else None, m.package) for m in merged)
    above = [fixes_above(m.version, m.fix_versions) for m in merged]
    upgrades = package_upgrades((m.package, m.version, f[0] if f else None) for m, f in zip(merged, above))
    findings = []
    for item, fp, fixes in zip(merged, prints, above):
        primary, aliases = item.ids[0], tuple(item.ids[1:])
        severity = lookup.lookup(item.ids, item.labels)
        malicious = any(i.startswith(MALICIOUS_PREFIX) for i in item.ids)
        if malicious:
            severity = AdvisorySeverity(Severity.CRITICAL, "malicious package (MAL- advisory)")
        upgrade = upgrades.get((item.package, item.version))
        alias_text = f" ({', '.join(aliases)})" if aliases else ""
        summary = " ".join(item.description.split())
        summary = summary if len(summary) <= 240 else summary[:237] + "..."
        if malicious:
            head = (f"{item.package} {item.version} is a malicious package ({primary}{alias_text}): remove it "
                    "and treat any machine that installed it as compromised.")
        else:
            head = (f"{item.package} {item.version} has known vulnerability {primary}{alias_text}: "
                    f"{_fix_text(item, fixes, upgrade)}.")
        unreadable = list(dict.fromkeys(t for vid in item.ids
                                        for t in lookup.undecidable(vid, item.package, item.version)))
        if unreadable:
            head += (f" The advisory's version range is not PEP 440 ({', '.join(unreadable[:3])}), so whether "
                     f"{item.version} is affected cannot be decided: it is treated as affected; check by hand "
                     "and waive it if not.")
        findings.append(Finding(
            rule_id=primary, severity=severity.severity, fingerprint=fp,
            message=f"{head} {summary}".strip(),
            path=item.location.path if item.location else None, line=item.location.line if item.location else None,
            help_uri=HELP.format(id=primary), tool=item.tools[0],
            title=f"malicious package {item.package}" if malicious else f"vulnerable {item.package}",
            package=item.package, aliases=aliases,
            properties={"installed_version": item.version, "fix_versions": fixes, "upgrade_to": upgrade,
                        "sources": list(item.tools), "severity_source": severity.source,
                        "audited_from": item.source.label,
                        **({"undecidable_range": unreadable} if unreadable else {})}))
    return findings
