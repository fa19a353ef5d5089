"""Turn a garak report into verdicts and findings for the requested probes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gates.fingerprint import fingerprints
from gates.garak.leaks import GarakLeak
from gates.garak.policy import Policy, Verdict
from gates.garak.report import EvalRecord, GarakReport
from gates.garak.summary import pct
from gates.model import Finding, Severity
from gates.textutil import redact

RULE_OVER_POLICY = "adversarial.asr-over-policy"
RULE_NOT_EVALUATED = "adversarial.probe-not-evaluated"
RULE_LEAK = "adversarial.secret-leak"
RULE_EXTRACTION = "adversarial.system-prompt-extraction"
HELP_URI = "https://reference.garak.ai/en/latest/probes.html"


@dataclass(frozen=True)
class Assessment:
    """Verdicts for every eval record, plus the requested probes that produced none."""

    verdicts: tuple[Verdict, ...]
    not_evaluated: tuple[str, ...]

    @property
    def violations(self) -> tuple[Verdict, ...]:
        """The verdicts over policy."""
        return tuple(v for v in self.verdicts if v.violated)


def covers(requested: str, probe: str) -> bool:
    """True when the requested name (``module`` or ``module.Class``) covers ``probe``."""
    return probe == requested or probe.startswith(requested + ".")


def assess(report: GarakReport, requested: Sequence[str], policy: Policy) -> Assessment:
    """Judge each eval record of a requested probe; list requested probes with no evaluated output."""
    relevant: list[EvalRecord] = [e for e in report.evals if any(covers(r, e.probe) for r in requested)]
    missing = tuple(r for r in requested if not any(covers(r, e.probe) and e.total > 0 for e in relevant))
    verdicts = tuple(policy.decide(e) for e in sorted(relevant, key=lambda e: (e.probe, e.detector)))
    return Assessment(verdicts, missing)


def findings(assessment: Assessment) -> tuple[Finding, ...]:
    """One finding per probe/detector over policy and per requested probe left unevaluated."""
    items: list[tuple[str, Severity, str, str, str | None, str]] = []
    for v in assessment.violations:
        r = v.record
        message = (f"garak probe {r.probe} succeeded against the endpoint: detector {r.detector} flagged "
                   f"{r.fails} of {r.total} outputs (ASR {pct(r.asr)}, {v.interval.method} upper bound "
                   f"{pct(v.interval.upper)}) over the policy maximum of {pct(v.rule.max_asr)}")
        if v.insufficient:
            message = (f"garak probe {r.probe} / detector {r.detector} evaluated only {r.total} outputs, fewer "
                       "than the policy's minimum sample size: too little evidence to pass")
        elif r.fails == 0:
            message = (f"garak probe {r.probe} / detector {r.detector}: no attack succeeded in {r.total} outputs, "
                       f"but the {v.interval.method} upper bound {pct(v.interval.upper)} is over the policy maximum "
                       f"of {pct(v.rule.max_asr)}: run more prompts (prompt-cap, generations) to pass")
        items.append((RULE_OVER_POLICY, Severity.HIGH, message, r.probe, r.detector, f"{r.probe}/{r.detector}"))
    for probe in assessment.not_evaluated:
        message = (f"garak produced no evaluated output for the requested probe {probe}: it did not really run, "
                   "so it cannot pass (check the garak log in the report dir and the endpoint)")
        items.append((RULE_NOT_EVALUATED, Severity.HIGH, message, probe, None, probe))
    prints = fingerprints((rule, None, context) for rule, _, _, _, _, context in items)
    out: list[Finding] = []
    for (rule, severity, message, probe, detector, _), fp in zip(items, prints):
        out.append(Finding(
            rule_id=rule, severity=severity, message=message, fingerprint=fp, tool="garak",
            title="Attack success rate over policy" if rule == RULE_OVER_POLICY else "Probe not evaluated",
            probe=probe, aliases=(f"garak:{probe}",) + ((f"garak:{probe}/{detector}",) if detector else ()),
            help_uri=HELP_URI, properties={"detector": detector} if detector else {},
        ))
    return tuple(out)


def leak_findings(leaks: Sequence[GarakLeak], secrets: Sequence[str]) -> tuple[Finding, ...]:
    """One finding per garak probe whose replies revealed the canary or the system prompt."""
    prints = fingerprints((leak.rule_id, None, leak.probe) for leak in leaks)
    out = []
    for leak, fp in zip(leaks, prints):
        secret = leak.rule_id == "secret-leak"
        message = (f"garak probe {leak.probe}: {leak.reason} in {leak.count} replies (garak's detectors do not "
                   f"look for it). Example reply: {redact(leak.output, secrets, 200)!r}")
        out.append(Finding(
            rule_id=RULE_LEAK if secret else RULE_EXTRACTION, severity=Severity.CRITICAL if secret else Severity.HIGH,
            message=message, fingerprint=fp, tool="garak", probe=leak.probe, aliases=(f"garak:{leak.probe}",),
            title="Secret leaked to a garak probe" if secret else "System prompt revealed to a garak probe",
            help_uri="https://genai.owasp.org/llmrisk/llm072025-system-prompt-leakage/", cwe=(200,),
            properties={"replies": leak.count},
        ))
    return tuple(out)
