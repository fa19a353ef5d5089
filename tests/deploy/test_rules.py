"""Interval verdicts, the failure/inconclusive limits, and the missing-data policy."""

from __future__ import annotations

import math
import random

import pytest

from gates.deploy.rules import Ending, IntervalStatus, Limits, MissingDataPolicy, Rule, Tally, judge, wilson_bounds
from gates.deploy.sources import MetricName, Reading
from gates.deploy.sources.http_probe import RECENT_INTERVALS

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


def test_wilson_bounds_bracket_the_observed_rate() -> None:
    lower, upper = wilson_bounds(10, 100, 0.95)
    assert 0.05 < lower < 0.1 < upper < 0.17
    assert wilson_bounds(0, 0, 0.95) == (0.0, 1.0)
    assert wilson_bounds(20, 20, 0.95)[0] > 0.85


def _pooled_verdicts(rate: float, seed: int, intervals: int, per_interval: int) -> bool:
    """True when a stream of Bernoulli(rate) probe results is judged bad at some interval (as the probe pools)."""
    rng = random.Random(seed)
    rule = Rule(MetricName.ERROR_RATE, 0.05, confidence=0.95)
    history: list[tuple[int, int]] = []
    for _ in range(intervals):
        errors = sum(rng.random() < rate for _ in range(per_interval))
        history.append((errors, per_interval))
        recent = history[-RECENT_INTERVALS:]
        pools = ((sum(e for e, _ in recent), sum(n for _, n in recent)),
                 (sum(e for e, _ in history), sum(n for _, n in history)))
        if rule.violation(errors / per_interval, pools) is not None:
            return True
    return False


def test_a_5_percent_limit_means_5_percent_on_pooled_probes() -> None:
    """3 % random errors rarely roll back; a real 12 % does, within a 20-interval window of 20 probes."""
    false_alarms = sum(_pooled_verdicts(0.03, seed, 20, 20) for seed in range(300))
    caught = sum(_pooled_verdicts(0.12, seed, 20, 20) for seed in range(300))
    assert false_alarms / 300 < 0.05, false_alarms
    assert caught / 300 > 0.95, caught
    # the old judgement (3 probes, plain ratio per interval) rolled 3 % back almost always
    plain = Rule(MetricName.ERROR_RATE, 0.05)
    rng = random.Random(1)
    old = sum(any(plain.violation(sum(rng.random() < 0.03 for _ in range(3)) / 3) for _ in range(20))
              for _ in range(300))
    assert old / 300 > 0.7


def test_custom_conditions_have_a_minimum_and_a_maximum() -> None:
    rules = {"throughput": Rule("throughput", minimum=5.0), "p99": Rule("p99", maximum=800.0, minimum=1.0)}
    low = judge([Reading("s", {"throughput": 2.0, "p99": 100.0})], rules, MissingDataPolicy.INCONCLUSIVE)
    assert low.status is B and low.violations == ("s: throughput 2 < 5",)
    assert judge([Reading("s", {"throughput": 9.0, "p99": 900.0})], rules, MissingDataPolicy.INCONCLUSIVE).violations \
        == ("s: p99 900 > 800",)


def test_errors_no_data_and_pending_are_three_different_things() -> None:
    rules = {MetricName.ERROR_RATE: Rule(MetricName.ERROR_RATE, 0.05),
             MetricName.LATENCY_MS: Rule(MetricName.LATENCY_MS, 5)}
    error = Reading("p", errors={MetricName.ERROR_RATE: "cannot reach Prometheus"})
    assert judge([error], rules, MissingDataPolicy.INCONCLUSIVE).status is IntervalStatus.ERROR
    nodata = Reading("p", missing={MetricName.ERROR_RATE: "no sample"})
    assert judge([nodata], rules, MissingDataPolicy.INCONCLUSIVE).status is I
    pending = Reading("p", pending={MetricName.ERROR_RATE: "waiting for two scrapes"})
    assert judge([pending], rules, MissingDataPolicy.INCONCLUSIVE).status is IntervalStatus.WARMUP
    both = [pending, Reading("h", {MetricName.LATENCY_MS: 1.0})]  # a pending metric never blocks the others
    assert judge(both, rules, MissingDataPolicy.INCONCLUSIVE).status is H
    tally = Tally(Limits(inconclusive_limit=2, error_limit=2))
    assert tally.add(IntervalStatus.ERROR) is None and tally.add(H) is None and tally.add(IntervalStatus.ERROR) is None
    assert tally.add(IntervalStatus.ERROR) == (Ending.INCONCLUSIVE, "2 measurement errors in a row reached the error "
                                                                    "limit of 2")
