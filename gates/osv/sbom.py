"""A CycloneDX 1.5 SBOM (JSON) of what the dependencies gate audited, with its vulnerabilities.

Written by the gate to ``sbom.cdx.json`` in the report directory: one ``library`` component per
audited package and version (``purl`` ``pkg:pypi/NAME@VERSION``, a property naming the file it
was audited from), and one ``vulnerabilities`` entry per finding, pointing at the component it
affects, with its aliases, severity and fix recommendation (waivers are applied after the gate,
in the reports; the SBOM lists every known vulnerability). The document validates against the
CycloneDX 1.5 JSON schema (checked by the tests with cyclonedx-python-lib's strict validator).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from gates.model import Finding

FILE_NAME = "sbom.cdx.json"
SPEC_VERSION = "1.5"


def purl(name: str, version: str) -> str:
    """The package URL of a PyPI package version."""
    return f"pkg:pypi/{canonicalize_name(name)}@{version}"


def _version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _vulnerability(finding: Finding) -> dict[str, Any]:
    version = str(finding.properties.get("installed_version"))
    entry: dict[str, Any] = {
        "bom-ref": f"{finding.rule_id}/{purl(finding.package or '', version)}",
        "id": finding.rule_id,
        "source": {"name": "OSV", "url": finding.help_uri or f"https://osv.dev/vulnerability/{finding.rule_id}"},
        "ratings": [{"severity": finding.severity.value, "method": "other",
                     "justification": str(finding.properties.get("severity_source", ""))[:200]}],
        "description": finding.message,
        "affects": [{"ref": purl(finding.package or "", version)}],
    }
    if finding.aliases:
        entry["references"] = [{"id": alias, "source": {"name": "OSV", "url": f"https://osv.dev/vulnerability/{alias}"}}
                               for alias in finding.aliases]
    fixes = finding.properties.get("fix_versions") or []
    if fixes:
        entry["recommendation"] = f"upgrade {finding.package} to {fixes[0]} or later"
    return entry


def build(audited: Iterable[tuple[str, str, str]], findings: Sequence[Finding]) -> dict[str, Any]:
    """The SBOM for ``(name, version, audited-from label)`` packages and their vulnerability findings."""
    components: dict[str, dict[str, Any]] = {}
    for name, version, label in audited:
        ref = purl(name, version)
        component = components.setdefault(ref, {"type": "library", "bom-ref": ref, "name": canonicalize_name(name),
                                                "version": version, "purl": ref, "properties": []})
        prop = {"name": "secure-ai-gates:audited-from", "value": label}
        if prop not in component["properties"]:
            component["properties"].append(prop)
    vulns = [_vulnerability(f) for f in findings
             if f.package and purl(f.package, str(f.properties.get("installed_version"))) in components]
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "tools": {"components": [
                {"type": "application", "name": "secure-ai-gates", "version": _version_of("secure-ai-gates")},
                {"type": "application", "name": "pip-audit", "version": _version_of("pip-audit")}]},
        },
        "components": list(components.values()),
        "vulnerabilities": vulns,
    }


def write(report_dir: Path, audited: Iterable[tuple[str, str, str]], findings: Sequence[Finding]) -> Path:
    """Write the SBOM into ``report_dir`` and return its path."""
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / FILE_NAME
    path.write_text(json.dumps(build(audited, findings), indent=2) + "\n", encoding="utf-8")
    return path
