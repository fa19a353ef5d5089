"""``results.sarif``: SARIF 2.1.0 for GitHub code scanning, one run per tool.

Every result carries its rule (with help URI and CWE tags), a physical location where one
exists, a partial fingerprint that survives code moving, and waivers/baselines as SARIF
suppressions. A gate that ended in error appears as a failed invocation of its tool.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from gates import __version__
from gates.files import write_text_atomic
from gates.model import Finding, GateResult, RunResult, Status, SuppressionKind
from gates.reporters.base import ReportEnv, Reporter
from gates.reporters.levels import SARIF_LEVEL, SECURITY_SEVERITY

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/org/secure-ai-gates"
FINGERPRINT_KEY = "secureAiGates/v1"


class SarifReporter(Reporter):
    """Writes results.sarif."""

    name = "sarif"

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        write_text_atomic(env.sarif_path, json.dumps(sarif_document(run), indent=2, ensure_ascii=False) + "\n")


def sarif_document(run: RunResult) -> dict[str, Any]:
    """The SARIF log for a run: one ``run`` per tool that produced findings or errors."""
    groups: OrderedDict[str, tuple[list[GateResult], list[Finding]]] = OrderedDict()
    for gate in run.gates:
        if gate.status is Status.SKIPPED:
            continue
        tools = [f.tool or gate.tool for f in gate.findings] or [gate.tool]
        for tool in dict.fromkeys(tools):
            gates, findings = groups.setdefault(tool, ([], []))
            if gate not in gates:
                gates.append(gate)
            findings.extend(f for f in gate.findings if (f.tool or gate.tool) == tool)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [_run(tool, gates, findings) for tool, (gates, findings) in groups.items()],
    }


def _run(tool: str, gates: list[GateResult], findings: list[Finding]) -> dict[str, Any]:
    rules: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for f in findings:
        rules.setdefault(f.rule_id, _rule(f))
    rule_index = {rule_id: i for i, rule_id in enumerate(rules)}
    version = next((g.tool_versions.get(tool) for g in gates if g.tool_versions.get(tool)), None)
    driver: dict[str, Any] = {"name": tool, "informationUri": INFORMATION_URI, "rules": list(rules.values()),
                              "properties": {"secureAiGatesVersion": __version__,
                                             "gates": [g.name for g in gates]}}
    if version:
        driver["version"] = str(version)
    errored = [g for g in gates if g.status is Status.ERROR]
    invocation: dict[str, Any] = {"executionSuccessful": not errored}
    if errored:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": f"{g.name}: {g.summary}"}} for g in errored]
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"secure-ai-gates/{tool}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root (workspace)."}}},
        "invocations": [invocation],
        "results": [_result(f, rule_index[f.rule_id]) for f in findings],
    }


def _rule(f: Finding) -> dict[str, Any]:
    tags = ["security"] + [f"external/cwe/cwe-{c}" for c in f.cwe]
    rule: dict[str, Any] = {
        "id": f.rule_id,
        "name": _pascal(f.title or f.rule_id),
        "shortDescription": {"text": f.title or f.rule_id},
        "defaultConfiguration": {"level": SARIF_LEVEL[f.severity]},
        "properties": {"tags": tags, "security-severity": SECURITY_SEVERITY[f.severity]},
    }
    if f.help_uri:
        rule["helpUri"] = f.help_uri
        rule["help"] = {"text": f"See {f.help_uri}"}
    return rule


def _result(f: Finding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": f.message},
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"severity": f.severity.value, "security-severity": SECURITY_SEVERITY[f.severity]},
    }
    if f.path:
        region: dict[str, Any] = {}
        if f.line:
            region["startLine"] = f.line
            if f.column:
                region["startColumn"] = f.column
            if f.end_line and f.end_line >= f.line:
                region["endLine"] = f.end_line
        location: dict[str, Any] = {"artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"}}
        if region:
            location["region"] = region
        result["locations"] = [{"physicalLocation": location}]
    if f.package:
        result["properties"]["package"] = f.package
    if f.aliases:
        result["properties"]["aliases"] = list(f.aliases)
    if f.suppression is not None:
        result["suppressions"] = [{
            "kind": "external",
            "status": "accepted",
            "justification": _justification(f),
        }]
    return result


def _justification(f: Finding) -> str:
    s = f.suppression
    assert s is not None
    if s.kind is SuppressionKind.WAIVER:
        return f"waived by {s.owner} until {s.expires}: {s.reason}"
    return f"baseline: {s.reason}"


def _pascal(text: str) -> str:
    words = [w for w in "".join(c if c.isalnum() else " " for c in text).split() if w]
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"
