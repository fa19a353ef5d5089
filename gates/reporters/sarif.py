"""``results.sarif``: SARIF 2.1.0 that GitHub code scanning accepts, one run per tool.

- Paths are repository-relative and percent-encoded (a workspace in a subdirectory is
  prefixed; a space or ``#`` in a file name stays a valid URI).
- No run carries ``automationDetails``: the uploader's ``category`` (per shard in our
  action, per workspace in a monorepo) names the analysis, as GitHub intends.
- GitHub's upload limits are kept: at most 25,000 results per run (a larger tool is split
  into runs named ``tool``, ``tool (part 2)``, …, worst results first), 20 runs per file and
  10 MB gzipped; what does not fit is left out, mildest first, and said in the summary.
- A rule's metadata comes from all of its results: the worst level and ``security-severity``,
  every CWE tag, a ``fullDescription`` and ``help.markdown``.
- Waivers and baselines are SARIF suppressions; a gate that ended in error is a failed
  invocation of its tool.
"""

from __future__ import annotations

import gzip
import json
import urllib.parse
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from gates import __version__
from gates.files import write_text_atomic
from gates.locate import FindingPlaces, Place
from gates.model import Finding, GateResult, RunResult, Severity, Status, SuppressionKind
from gates.reporters.base import SARIF_FILE, ReportEnv, Reporter
from gates.reporters.levels import SARIF_LEVEL, SECURITY_SEVERITY
from gates.reporters.ranking import Ranked, ranked

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/org/secure-ai-gates"
FINGERPRINT_KEY = "secureAiGates/v1"
MAX_RESULTS_PER_RUN = 25_000
MAX_RUNS_PER_FILE = 20
MAX_GZIP_BYTES = 10 * 1024 * 1024
MAX_TAGS_PER_RULE = 20


class SarifReporter(Reporter):
    """Writes results.sarif and records in ``env.left_out`` what GitHub's limits kept out."""

    name = "sarif"
    files = (SARIF_FILE,)

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        doc, left_out = sarif_log(run, env.repo_prefix)
        write_text_atomic(env.sarif_path, _dump(doc))
        if left_out:
            env.left_out.append(f"results.sarif leaves out {left_out} of {_total(run)} findings: the mildest beyond "
                                f"GitHub's upload limits (25,000 results per run, 20 runs, 10 MB gzipped) and any "
                                f"without a file to point at (code scanning needs one).")


def sarif_document(run: RunResult, repo_prefix: str = "") -> dict[str, Any]:
    """The SARIF log for a run (see :func:`sarif_log` for what was left out)."""
    return sarif_log(run, repo_prefix)[0]


def sarif_log(run: RunResult, repo_prefix: str = "",
              max_results: int = MAX_RESULTS_PER_RUN) -> tuple[dict[str, Any], int]:
    """The SARIF log within GitHub's limits, and how many findings it left out."""
    groups: OrderedDict[str, tuple[list[GateResult], list[Ranked]]] = OrderedDict()
    for gate in run.gates:
        if gate.status is not Status.SKIPPED:
            for tool in dict.fromkeys([f.tool or gate.tool for f in gate.findings] or [gate.tool]):
                gates, _ = groups.setdefault(tool, ([], []))
                gates.append(gate)
    for item in ranked(run, lambda f: True):
        if item.gate.status is not Status.SKIPPED:
            groups[item.finding.tool or item.gate.tool][1].append(item)
    parts: list[tuple[str, list[GateResult], list[Ranked]]] = []
    for tool, (gates, items) in groups.items():
        chunks = [items[i:i + max_results] for i in range(0, len(items), max_results)] or [[]]
        parts += [(tool if k == 0 else f"{tool} (part {k + 1})", gates, chunk) for k, chunk in enumerate(chunks)]
    kept = set(sorted(range(len(parts)), key=lambda i: _part_rank(parts[i][2]))[:MAX_RUNS_PER_FILE])
    parts = [p for i, p in enumerate(parts) if i in kept]
    left_out = sum(len(items) for _, items in groups.values()) - sum(len(p[2]) for p in parts)
    places = FindingPlaces(run)
    unplaced = sum(1 for p in parts for r in p[2] if places(r.gate.name, r.finding) is None)
    if unplaced:  # code scanning rejects a result without a location
        parts = [(n, g, [r for r in items if places(r.gate.name, r.finding) is not None])
                 for n, g, items in parts]
        left_out += unplaced
    while True:
        doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
               "runs": [_run(name, gates, items, repo_prefix, places) for name, gates, items in parts]}
        size = len(gzip.compress(_dump(doc).encode("utf-8"), compresslevel=6))
        if size <= MAX_GZIP_BYTES:
            return doc, left_out
        drop = max(1, int(sum(len(p[2]) for p in parts) * (1 - MAX_GZIP_BYTES / size)) + 1)  # pragma: no cover
        parts, dropped = _drop_mildest(parts, drop)  # pragma: no cover
        left_out += dropped  # pragma: no cover


def _part_rank(items: Sequence[Ranked]) -> tuple[int, int]:
    best = items[0].key if items else (1, 0, 0, "", 0)
    return best[0], best[1]


def _drop_mildest(parts: list[tuple[str, list[GateResult], list[Ranked]]],
                  count: int) -> tuple[list[tuple[str, list[GateResult], list[Ranked]]], int]:
    everything = sorted((r.key, i, j) for i, p in enumerate(parts) for j, r in enumerate(p[2]))
    gone = {(i, j) for _, i, j in everything[len(everything) - count:]}
    return ([(n, g, [r for j, r in enumerate(items) if (i, j) not in gone]) for i, (n, g, items) in enumerate(parts)],
            len(gone))


def _dump(doc: dict[str, Any]) -> str:
    big = sum(len(r["results"]) for r in doc["runs"]) > 2000
    return json.dumps(doc, ensure_ascii=False, **({"separators": (",", ":")} if big else {"indent": 2})) + "\n"


def _total(run: RunResult) -> int:
    return sum(len(g.findings) for g in run.gates)


def _run(name: str, gates: list[GateResult], items: list[Ranked], repo_prefix: str,
         places: FindingPlaces) -> dict[str, Any]:
    findings = [r.finding for r in items]
    by_rule: OrderedDict[str, list[Finding]] = OrderedDict()
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    tool = name.split(" (part ")[0]
    rules = [_rule(rule_id, fs, tool, gates) for rule_id, fs in by_rule.items()]
    rule_index = {rule_id: i for i, rule_id in enumerate(by_rule)}
    version = next((g.tool_versions.get(tool) for g in gates if g.tool_versions.get(tool)), None)
    driver: dict[str, Any] = {"name": name, "version": str(version or __version__), "informationUri": INFORMATION_URI,
                              "rules": rules, "properties": {"secureAiGatesVersion": __version__,
                                                             "gates": [g.name for g in gates]}}
    errored = [g for g in gates if g.status is Status.ERROR]
    invocation: dict[str, Any] = {"executionSuccessful": not errored}
    if errored:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": f"{g.name}: {g.summary}"}} for g in errored]
    return {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "results": [_result(r.finding, rule_index[r.finding.rule_id], repo_prefix, places(r.gate.name, r.finding))
                    for r in items],
    }


def _rule(rule_id: str, findings: list[Finding], tool: str, gates: list[GateResult]) -> dict[str, Any]:
    worst = max((f.severity for f in findings), key=lambda s: s.rank)
    first = findings[0]
    title = next((f.title for f in findings if f.title), None) or rule_id
    help_uri = next((f.help_uri for f in findings if f.help_uri), None)
    cwes = sorted({c for f in findings for c in f.cwe})
    tags = (["security"] + [f"external/cwe/cwe-{c}" for c in cwes])[:MAX_TAGS_PER_RULE]
    gate_names = ", ".join(g.name for g in gates)
    description = f"{title} ({tool} {rule_id}), reported by the secure-ai-gates {gate_names} gate."
    rule: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "defaultConfiguration": {"level": SARIF_LEVEL[worst]},
        "help": {"text": _help_text(title, tool, rule_id, first, help_uri, cwes, worst, len(findings)),
                 "markdown": _help_markdown(title, tool, rule_id, first, help_uri, cwes, worst, len(findings))},
        "properties": {"tags": tags, "security-severity": SECURITY_SEVERITY[worst], "precision": "high",
                       "problem.severity": SARIF_LEVEL[worst] if SARIF_LEVEL[worst] != "note" else "recommendation"},
    }
    if _pascal(title) != rule_id:
        rule["name"] = _pascal(title)
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def _help_text(title: str, tool: str, rule_id: str, example: Finding, help_uri: str | None, cwes: list[int],
               worst: Severity, count: int) -> str:
    parts = [f"{title} ({tool} {rule_id}). Worst severity in this run: {worst.value}, {count} result(s).",
             f"Example: {' '.join(example.message.split())[:500]}"]
    if cwes:
        parts.append("CWE: " + ", ".join(f"CWE-{c}" for c in cwes))
    if help_uri:
        parts.append(f"More: {help_uri}")
    parts.append("Waive a result in the gates' config (waivers: id, reason, owner, expires) or fix it.")
    return "\n".join(parts)


def _help_markdown(title: str, tool: str, rule_id: str, example: Finding, help_uri: str | None, cwes: list[int],
                   worst: Severity, count: int) -> str:
    from gates.textutil import md_code, md_link, md_text

    lines = [f"**{md_text(title)}** ({md_text(tool)} {md_code(rule_id)})", "",
             f"Worst severity in this run: **{worst.value}**, {count} result(s).", "",
             f"Example: {md_text(example.message, 500)}"]
    if cwes:
        lines += ["", "CWE: " + ", ".join(md_link(f"CWE-{c}", f"https://cwe.mitre.org/data/definitions/{c}.html")
                                          for c in cwes)]
    if help_uri:
        lines += ["", "More: " + md_link(help_uri, help_uri)]
    lines += ["", "Fix the code, or waive the result in the gates' config (`waivers:` with id, reason, owner, "
                  "expires)."]
    return "\n".join(lines)


def _result(f: Finding, index: int, repo_prefix: str, place: Place | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": f.message or f.rule_id},
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"severity": f.severity.value, "security-severity": SECURITY_SEVERITY[f.severity]},
    }
    path, line = place or (None, None)
    if path:
        region: dict[str, Any] = {}
        if line:
            region["startLine"] = line
            if f.path and f.column:  # a finding placed on its gate's config key has no columns of its own
                region["startColumn"] = f.column
            if f.path and f.end_line and f.end_line >= line:
                region["endLine"] = f.end_line
        location: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(repo_prefix + path)}}
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


def artifact_uri(path: str) -> str:
    """A repository-relative POSIX path as a relative URI reference (RFC 3986 percent-encoding)."""
    return urllib.parse.quote(path.lstrip("/"), safe="/")


def _justification(f: Finding) -> str:
    s = f.suppression
    assert s is not None
    if s.kind is SuppressionKind.WAIVER:
        return f"waived by {s.owner} until {s.expires}: {s.reason}"
    return f"baseline: {s.reason}"


def _pascal(text: str) -> str:
    words = [w for w in "".join(c if c.isalnum() else " " for c in text).split() if w]
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"
