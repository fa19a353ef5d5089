"""Turn probe results into findings and a Markdown table, with secrets redacted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gates.fingerprint import fingerprints
from gates.model import Finding, Severity
from gates.probes.canary import redact
from gates.probes.model import ProbeResult, Violation

if TYPE_CHECKING:
    from gates.probes.usertests import TestCase

EXCERPT = 300
HELP_URI = "https://genai.owasp.org/llmrisk/llm01-prompt-injection/"
HELP_BY_RULE = {"secret-leak": "https://genai.owasp.org/llmrisk/llm072025-system-prompt-leakage/",
                "system-prompt-extraction": "https://genai.owasp.org/llmrisk/llm072025-system-prompt-leakage/"}
CWE_BY_RULE = {"secret-leak": (200,), "system-prompt-extraction": (200,)}


def excerpt(text: str, secrets: Sequence[str], limit: int = EXCERPT) -> str:
    """``text`` redacted, on one line, truncated to ``limit`` characters."""
    flat = " ".join(redact(text, list(secrets)).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def probe_findings(results: Sequence[ProbeResult], secrets: Sequence[str], tool: str) -> list[Finding]:
    """One finding per probe and rule it broke (reasons of one rule are joined)."""
    rows: list[tuple[ProbeResult, str, list[Violation]]] = []
    for result in results:
        by_rule: dict[str, list[Violation]] = {}
        for violation in result.violations:
            by_rule.setdefault(violation.rule_id, []).append(violation)
        rows.extend((result, rule, found) for rule, found in by_rule.items())
    prints = fingerprints((rule, r.probe.source, r.probe.id) for r, rule, _ in rows)
    findings = []
    for (result, rule, found), fp in zip(rows, prints):
        probe = result.probe
        reasons = "; ".join(dict.fromkeys(v.reason for v in found))
        worst = max((v.severity for v in found), key=lambda s: s.rank)
        message = (f"Probe {probe.id} ({probe.title}): {reasons}. Prompt: {excerpt(probe.prompt, secrets, 160)!r}. "
                   f"Reply: {excerpt(result.reply or '', secrets)!r}")
        findings.append(Finding(
            rule_id=rule, severity=worst, message=message, fingerprint=fp, path=probe.source,
            line=probe.line if probe.source else None,
            help_uri=HELP_BY_RULE.get(rule, HELP_URI), cwe=CWE_BY_RULE.get(rule, ()), tool=tool,
            title=f"{rule}: {probe.title}", probe=probe.id,
            properties={"category": probe.category, "reasons": [v.reason for v in found]},
        ))
    return findings


def results_table(results: Sequence[ProbeResult], secrets: Sequence[str]) -> str:
    """A Markdown table: probe, category, verdict, reply excerpt."""
    lines = ["| probe | category | result | reply (redacted, truncated) |", "|---|---|---|---|"]
    for result in results:
        if result.error is not None:
            verdict, text = "not evaluated", excerpt(result.error, secrets, 120)
        elif result.violations:
            verdict = "**failed**: " + "; ".join(dict.fromkeys(v.reason for v in result.violations))
            text = excerpt(result.reply or "", secrets, 120)
        else:
            verdict, text = "passed", excerpt(result.reply or "", secrets, 120)
        cells = [result.probe.id, result.probe.category, verdict, text]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def user_test_findings(cases: Sequence[TestCase], secrets: Sequence[str], severity: Severity,
                       tool: str) -> list[Finding]:
    """One finding per failed or erroring user test, at its file and line."""
    from gates.probes.usertests import Outcome

    bad = [c for c in cases if c.outcome in (Outcome.FAILED, Outcome.ERROR)]
    rules = ["security-test-failed" if c.outcome is Outcome.FAILED else "security-test-error" for c in bad]
    prints = fingerprints((rule, c.file, c.nodeid) for rule, c in zip(rules, bad))
    findings = []
    for case, rule, fp in zip(bad, rules, prints):
        verb = "failed" if case.outcome is Outcome.FAILED else "errored"
        lines = case.detail.strip().splitlines()
        reason = excerpt(case.message or (lines[-1] if lines else "no message"), secrets)
        findings.append(Finding(
            rule_id=rule, severity=severity, message=f"Security test {case.nodeid} {verb}: {reason}",
            fingerprint=fp, path=case.file, line=case.line, tool=tool, title=f"security test {verb}",
            probe=case.nodeid, properties={"detail": excerpt(case.detail, secrets, 1500)},
        ))
    return findings


def no_tests_finding(targets: Sequence[str], output: str, tool: str) -> Finding:
    """The finding for a pytest run that ran no test at all."""
    shown = ", ".join(targets)
    (fp,) = fingerprints([("no-security-tests", targets[0] if targets else None, shown)])
    return Finding(rule_id="no-security-tests", severity=Severity.HIGH, fingerprint=fp,
                   message=f"pytest ran no security test from {shown}: add tests or fix their selection "
                           f"({excerpt(output, (), 200)})",
                   path=targets[0] if targets else None, tool=tool, title="no security tests ran")
