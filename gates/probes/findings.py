"""Turn probe results into findings and a Markdown table, with secrets redacted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gates.fingerprint import fingerprints
from gates.model import Finding, Severity
from gates.probes.canary import redact
from gates.probes.model import ProbeResult, Violation
from gates.probes.verdicts import ProbeVerdict
from gates.textutil import md_text

if TYPE_CHECKING:
    from gates.probes.usertests import TestCase

EXCERPT = 300
HELP_URI = "https://genai.owasp.org/llmrisk/llm01-prompt-injection/"
HELP_BY_RULE = {"secret-leak": "https://genai.owasp.org/llmrisk/llm072025-system-prompt-leakage/",
                "system-prompt-extraction": "https://genai.owasp.org/llmrisk/llm072025-system-prompt-leakage/"}
CWE_BY_RULE = {"secret-leak": (200,), "system-prompt-extraction": (200,)}
NOT_EVALUATED_RULE = "probe-not-evaluated"


def excerpt(text: str, secrets: Sequence[str], limit: int = EXCERPT) -> str:
    """``text`` redacted, on one line, truncated to ``limit`` characters."""
    flat = " ".join(redact(text, list(secrets)).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def probe_findings(verdicts: Sequence[ProbeVerdict], secrets: Sequence[str], tool: str) -> list[Finding]:
    """One finding per failed probe and rule its attempts broke (reasons of one rule are joined).

    The fingerprint depends on the rule, the probe's file and id only, never on the reply, so
    waivers and baselines survive a model that words its replies differently each run.
    """
    rows: list[tuple[ProbeVerdict, str, list[Violation], ProbeResult | None]] = []
    for verdict in verdicts:
        if not verdict.failed:
            continue
        if verdict.decision.insufficient:
            rows.append((verdict, NOT_EVALUATED_RULE, [], verdict.errors[0] if verdict.errors else None))
            continue
        by_rule: dict[str, tuple[list[Violation], ProbeResult]] = {}
        for attempt in verdict.successes:
            for violation in attempt.violations:
                by_rule.setdefault(violation.rule_id, ([], attempt))[0].append(violation)
        rows.extend((verdict, rule, found, example) for rule, (found, example) in by_rule.items())
    prints = fingerprints((rule, v.probe.source, v.probe.id) for v, rule, _, _ in rows)
    findings = []
    for (verdict, rule, found, example), fp in zip(rows, prints):
        probe, decision = verdict.probe, verdict.decision
        record = decision.record
        if rule == NOT_EVALUATED_RULE:
            worst = Severity.HIGH
            reasons = (f"only {record.total} of {len(verdict.attempts)} attempts got a reply, fewer than the "
                       "minimum sample size: too little evidence to pass")
        else:
            worst = max((v.severity for v in found), key=lambda s: s.rank)
            reasons = "; ".join(dict.fromkeys(v.reason for v in found))
        rate = (f"the attack succeeded in {record.fails} of {record.total} attempts (ASR {record.asr:.0%}, "
                f"{decision.interval.method} upper bound {decision.interval.upper:.0%}, policy maximum "
                f"{decision.rule.max_asr:.0%})")
        reply = excerpt(example.reply or example.error or "", secrets) if example else ""
        message = (f"Probe {probe.id} ({probe.title}): {reasons}; {rate}. "
                   f"Prompt: {excerpt(probe.prompt, secrets, 160)!r}. Reply: {reply!r}")
        findings.append(Finding(
            rule_id=rule, severity=worst, message=message, fingerprint=fp, path=probe.source,
            line=probe.line if probe.source else None,
            help_uri=HELP_BY_RULE.get(rule, HELP_URI), cwe=CWE_BY_RULE.get(rule, ()), tool=tool,
            title=f"{rule}: {probe.title}", probe=probe.id,
            properties={"category": probe.category, "reasons": [v.reason for v in found],
                        "attempts": len(verdict.attempts), "successes": record.fails,
                        "asr": round(record.asr, 4), "goal": probe.goal},
        ))
    return findings


def results_table(verdicts: Sequence[ProbeVerdict], secrets: Sequence[str]) -> str:
    """A Markdown table: probe, category, attacks that succeeded, verdict, an example reply."""
    lines = ["| probe | category | attack succeeded | verdict | example reply (redacted, truncated) |",
             "|---|---|---:|---|---|"]
    for verdict in verdicts:
        example = (verdict.successes or tuple(a for a in verdict.attempts if a.error is None) or verdict.attempts)[0]
        if verdict.decision.insufficient:
            outcome = "**not evaluated**"
        elif verdict.failed:
            reasons = "; ".join(dict.fromkeys(v.reason for a in verdict.successes for v in a.violations))
            outcome = "**failed**: " + reasons
        else:
            outcome = "passed" + (" (within policy)" if verdict.successes else "")
        judged = [a.judged_by_model for a in verdict.attempts if a.judged_by_model is not None]
        if judged:
            outcome += f"; judge model: goal achieved in {sum(judged)} of {len(judged)}"
        text = excerpt((example.reply if example.error is None else example.error) or "", secrets, 120)
        shown = f"{len(verdict.successes)} of {verdict.evaluated}" + (
            f" ({len(verdict.errors)} not evaluated)" if verdict.errors else "")
        cells = [verdict.probe.id, verdict.probe.category, shown, outcome, text]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return md_text(text.replace("\n", " "))


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
