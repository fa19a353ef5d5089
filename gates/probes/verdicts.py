"""Repeated probes judged by their attack success rate, with the adversarial gate's policy.

Each probe is sent ``repeats`` times (a sampled model answers differently each time); the
probe's verdict comes from :class:`gates.garak.policy.Policy`: how many attempts the attack
succeeded in, against the maximum ASR for the probe (``max-asr`` and ``policy`` rules matched on
the probe id, and on its category as the detector), judged on the upper bound of the interval
by default, never passing on fewer evaluated attempts than ``min-samples``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gates.garak.policy import Policy, Verdict
from gates.garak.report import EvalRecord
from gates.probes.model import Probe, ProbeResult


@dataclass(frozen=True)
class ProbeVerdict:
    """All attempts of one probe and the policy's decision on them."""

    probe: Probe
    attempts: tuple[ProbeResult, ...]
    decision: Verdict

    @property
    def failed(self) -> bool:
        """Over policy, or too few attempts evaluated to pass."""
        return self.decision.violated

    @property
    def successes(self) -> tuple[ProbeResult, ...]:
        """The attempts in which the attack succeeded (the reply broke the expectation)."""
        return tuple(a for a in self.attempts if a.error is None and a.violations)

    @property
    def evaluated(self) -> int:
        """Attempts that got a reply."""
        return sum(1 for a in self.attempts if a.error is None)

    @property
    def errors(self) -> tuple[ProbeResult, ...]:
        """Attempts whose request failed."""
        return tuple(a for a in self.attempts if a.error is not None)


def decide(results: Sequence[ProbeResult], policy: Policy) -> list[ProbeVerdict]:
    """One verdict per probe, in the order the probes first appear in ``results``."""
    grouped: dict[str, list[ProbeResult]] = {}
    for result in results:
        grouped.setdefault(result.probe.id, []).append(result)
    out = []
    for attempts in grouped.values():
        probe = attempts[0].probe
        fails = sum(1 for a in attempts if a.error is None and a.violations)
        evaluated = sum(1 for a in attempts if a.error is None)
        record = EvalRecord(probe.id, probe.category, passed=evaluated - fails, fails=fails,
                            nones=len(attempts) - evaluated)
        out.append(ProbeVerdict(probe, tuple(sorted(attempts, key=lambda a: a.attempt)), policy.decide(record)))
    return out
