"""Interval verdicts, the failure/inconclusive limits, and the missing-data policy."""

from __future__ import annotations

import math

import pytest

from gates.deploy.rules import IntervalStatus, Limits, MissingDataPolicy, Rule, Tally, judge
from gates.deploy.sources import MetricName, Reading

RULES = {m: Rule(m, limit) for m, limit in ((MetricName.LATENCY_MS, 5000), (MetricName.ERROR_RATE, 0.05),
                                              (MetricName.INJECTION_ATTEMPTS, 100))}
H, B, I = IntervalStatus.HEALTHY, IntervalStatus.BAD, IntervalStatus.INCONCLUSIVE  # noqa: E741 - reads like the timeline it encodes


def _run(limits: Limits, statuses: list[IntervalStatus]) -> tuple[int | None, str | None]:
    tally = Tally(limits)
    for index, status in enumerate(statuses, start=1):
        reason = tally.add(status)
        if reason:
            return index, reason
    return None, tally.at_end()


def test_thresholds_are_strict_upper_bounds() -> None:
    at = judge([Reading("s", {MetricName.LATENCY_MS: 5000, MetricName.ERROR_RATE: 0.05,
                              MetricName.INJECTION_ATTEMPTS: 100})], RULES, MissingDataPolicy.INCONCLUSIVE)
    assert at.status is H
    over = judge([Reading("s", {MetricName.INJECTION_ATTEMPTS: 101})], RULES, MissingDataPolicy.INCONCLUSIVE)
    assert over.status is B and over.violations == ("s: injection attempts in the window 101 > 100",)
    assert judge([Reading("s", {MetricName.LATENCY_MS: math.inf})], RULES, MissingDataPolicy.IGNORE).status is B


def test_worst_value_across_sources_is_kept() -> None:
    verdict = judge([Reading("a", {MetricName.LATENCY_MS: 10}), Reading("b", {MetricName.LATENCY_MS: 30})],
                    RULES, MissingDataPolicy.INCONCLUSIVE)
    assert verdict.worst[MetricName.LATENCY_MS] == 30


@pytest.mark.parametrize("policy", list(MissingDataPolicy))
def test_every_missing_data_policy(policy: MissingDataPolicy) -> None:
    partial = [Reading("a", {MetricName.ERROR_RATE: 0.0}, {MetricName.LATENCY_MS: "empty vector"})]
    expected = {MissingDataPolicy.INCONCLUSIVE: I, MissingDataPolicy.BAD: B, MissingDataPolicy.IGNORE: H}[policy]
    verdict = judge(partial, RULES, policy)
    assert verdict.status is expected and verdict.missing == ("a: latency_ms: empty vector",)
    # nothing measured at all is never healthy, whatever the policy
    nothing = judge([Reading.failed("a", frozenset({MetricName.ERROR_RATE}), "refused")], RULES, policy)
    assert nothing.status is not H


def test_total_failure_limit_counts_non_adjacent_bad_intervals() -> None:
    assert _run(Limits(failure_limit=2), [B, H, H, B, H])[0] == 4


def test_consecutive_failure_limit_resets_on_a_good_interval() -> None:
    index, reason = _run(Limits(failure_limit=2, consecutive=True), [B, H, B, I, B, B, H])
    assert index == 6 and "2 consecutive bad intervals" in str(reason)


def test_inconclusive_limit_and_a_window_without_any_conclusive_interval() -> None:
    assert _run(Limits(inconclusive_limit=2), [I, H, I])[0] == 3
    assert _run(Limits(inconclusive_limit=5), [I, I, IntervalStatus.WARMUP])[1] is not None  # never shown healthy
    assert _run(Limits(), [H]) == (None, None)


def test_warm_up_intervals_do_not_count() -> None:
    w = IntervalStatus.WARMUP
    assert _run(Limits(failure_limit=1), [w, w, H]) == (None, None)
