"""report.json <-> result objects (the merge mode reads shard reports back)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gates.model import Finding, GateResult, RunResult, Severity, Status, Suppression, SuppressionKind

SCHEMA_VERSION = 1


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A finding as stored in report.json (the contract's keys first)."""
    data: dict[str, Any] = {
        "rule_id": f.rule_id, "severity": f.severity.value, "message": f.message, "path": f.path,
        "line": f.line, "fingerprint": f.fingerprint,
    }
    optional = {
        "column": f.column, "end_line": f.end_line, "help_uri": f.help_uri, "cwe": list(f.cwe) or None,
        "tool": f.tool, "title": f.title, "package": f.package, "probe": f.probe,
        "aliases": list(f.aliases) or None, "properties": dict(f.properties) or None,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    if f.suppression is not None:
        s = f.suppression
        data["suppression"] = {"kind": s.kind.value, "reason": s.reason, "owner": s.owner, "expires": s.expires}
    return data


def gate_to_dict(g: GateResult) -> dict[str, Any]:
    """One gate as stored in report.json."""
    return {
        "name": g.name, "title": g.title, "status": g.status.value, "duration_s": g.duration_s,
        "summary": g.summary, "metrics": dict(g.metrics), "findings": [finding_to_dict(f) for f in g.findings],
        "fail_on": g.fail_on.value, "tool": g.tool, "tool_versions": dict(g.tool_versions),
        "notes": list(g.notes), "details": g.details,
    }


def run_to_dict(run: RunResult) -> dict[str, Any]:
    """The whole report.json document."""
    return {
        "schema": SCHEMA_VERSION, "status": run.status.value, "duration_s": run.duration_s,
        "workspace": run.workspace, "config": run.config_source, "shard": run.shard,
        "gates": [gate_to_dict(g) for g in run.gates],
    }


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    """Inverse of :func:`finding_to_dict`; raises KeyError/ValueError on a malformed entry."""
    sup = d.get("suppression")
    return Finding(
        rule_id=str(d["rule_id"]), severity=Severity(d["severity"]), message=str(d["message"]),
        fingerprint=str(d["fingerprint"]), path=d.get("path"), line=d.get("line"), column=d.get("column"),
        end_line=d.get("end_line"), help_uri=d.get("help_uri"), cwe=tuple(d.get("cwe") or ()),
        tool=d.get("tool"), title=d.get("title"), package=d.get("package"), probe=d.get("probe"),
        aliases=tuple(d.get("aliases") or ()), properties=dict(d.get("properties") or {}),
        suppression=None if not sup else Suppression(SuppressionKind(sup["kind"]), str(sup["reason"]),
                                                      sup.get("owner"), sup.get("expires")),
    )


def gate_from_dict(d: Mapping[str, Any]) -> GateResult:
    """Inverse of :func:`gate_to_dict`."""
    return GateResult(
        name=str(d["name"]), title=str(d.get("title", d["name"])), status=Status(d["status"]),
        summary=str(d.get("summary", "")), duration_s=float(d.get("duration_s", 0.0)),
        findings=tuple(finding_from_dict(f) for f in d.get("findings", [])), details=str(d.get("details", "")),
        metrics=dict(d.get("metrics") or {}), tool=str(d.get("tool", "")),
        tool_versions=dict(d.get("tool_versions") or {}), fail_on=Severity(d.get("fail_on", "low")),
        notes=tuple(d.get("notes") or ()),
    )
