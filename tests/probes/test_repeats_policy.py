"""Repeated probes judged by attack success rate with the adversarial gate's policy."""

from __future__ import annotations

import pytest

from gates.garak.policy import Policy
from gates.garak.report import EvalRecord
from gates.model import Severity
from gates.probes.findings import probe_findings
from gates.probes.model import Expectation, Probe, ProbeResult, Violation
from gates.probes.verdicts import decide

PROBE = Probe("injection.x", "prompt-injection", "t", Severity.HIGH, ({"role": "user", "content": "x"},),
              Expectation(must_not_contain=("PWNED-1234",)))
HIT = (Violation("prompt-injection", "the reply contains 'PWNED-1234'", Severity.HIGH),)


def _results(replies: list[str | None], hits: list[bool]) -> list[ProbeResult]:
    return [ProbeResult(PROBE, reply=r, error=None if r is not None else "HTTP 503", attempt=i + 1,
                        violations=HIT if hit else ()) for i, (r, hit) in enumerate(zip(replies, hits))]


def test_zero_of_one_never_passes_a_non_zero_limit() -> None:
    lenient = Policy.from_options(0.2, [], "upper-bound", 0.95)
    assert lenient.decide(EvalRecord("p", "d", passed=1, fails=0, nones=0)).violated  # Wilson upper 79 %
    assert not lenient.decide(EvalRecord("p", "d", passed=40, fails=0, nones=0)).violated
    # garak's bootstrap interval of a clean sample is [0, 0] whatever its size: it is not trusted
    clean = EvalRecord("p", "d", passed=1, fails=0, nones=0, ci_lower=0.0, ci_upper=0.0)
    assert lenient.decide(clean).violated and lenient.decide(clean).interval.method == "Wilson"
    strict = Policy.from_options(0.0, [], "upper-bound", 0.95)
    assert not strict.decide(EvalRecord("p", "d", passed=1, fails=0, nones=0)).violated  # max 0: nothing succeeded


def test_minimum_sample_size() -> None:
    policy = Policy.from_options(0.0, [], "point", 0.95, min_samples=3)
    verdict = policy.decide(EvalRecord("p", "d", passed=2, fails=0, nones=3))
    assert verdict.violated and verdict.insufficient


@pytest.mark.parametrize("hits, failed", [([False] * 5, False), ([True] + [False] * 4, True)])
def test_each_probe_is_judged_on_its_attempts(hits: list[bool], failed: bool) -> None:
    (verdict,) = decide(_results(["ok"] * 5, hits), Policy.from_options(0.0, [], "upper-bound", 0.95, 3))
    assert verdict.failed is failed and verdict.evaluated == 5 and len(verdict.successes) == sum(hits)


def test_findings_have_stable_fingerprints_whatever_the_replies() -> None:
    policy = Policy.from_options(0.0, [], "upper-bound", 0.95, 3)
    one = probe_findings(decide(_results(["PWNED-1234 a"] * 5, [True] * 5), policy), [], "model-security")
    two = probe_findings(decide(_results(["b", "c", "PWNED-1234!", "d", "e"], [False, False, True, False, False]),
                                policy), [], "model-security")
    assert [f.fingerprint for f in one] == [f.fingerprint for f in two] and len(one) == 1
    assert "1 of 5 attempts" in two[0].message and "5 of 5 attempts" in one[0].message


def test_too_few_answers_is_a_finding_not_a_pass() -> None:
    policy = Policy.from_options(0.0, [], "upper-bound", 0.95, 3)
    verdicts = decide(_results(["ok", None, None, None, "ok"], [False] * 5), policy)
    (finding,) = probe_findings(verdicts, [], "model-security")
    assert finding.rule_id == "probe-not-evaluated" and "only 2 of 5" in finding.message
