"""Conditions per metric, the verdict of one interval, and the limits that end a window.

A :class:`Rule` holds a metric between ``minimum`` and ``maximum`` (either may be absent), like
an Argo Rollouts AnalysisTemplate's ``successCondition``. A rate measured by counting (probe
errors) is judged on a one-sided Wilson score bound at ``confidence``: bad only when even the
lower bound of the pooled error rate is above the maximum, so 3 % random errors under a 5 %
limit do not roll back while a real 10 % does once enough requests were seen.

An interval is **bad** (a condition is crossed), **error** (a measurement failed: unreachable
Prometheus, a query error), **inconclusive** (no data: an empty result, no traffic), **warm-up**
(not judged, also while a source is pending) or **healthy**. Three separate limits end a window
(compare Argo's ``failureLimit``, ``inconclusiveLimit``, ``consecutiveErrorLimit``, which trip
when the count *exceeds* them; ours trip when it *reaches* them): ``failure_limit`` bad intervals
(total, or in a row with ``consecutive``) fail it; ``inconclusive_limit`` inconclusive intervals
or ``error_limit`` errors in a row make it *inconclusive*, which is a monitoring gap and never
"unhealthy". A window that ends without a healthy interval is inconclusive too.
"""

from __future__ import annotations

import enum
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gates.deploy.sources.base import MetricName, Reading, metric_label


class IntervalStatus(str, enum.Enum):
    """Verdict of one interval."""

    HEALTHY = "healthy"
    BAD = "bad"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"
    WARMUP = "warm-up"


class MissingDataPolicy(str, enum.Enum):
    """What an interval with a metric missing counts as (when nothing crossed a condition)."""

    INCONCLUSIVE = "inconclusive"
    BAD = "bad"
    IGNORE = "ignore"


def wilson_bounds(errors: int, trials: int, confidence: float) -> tuple[float, float]:
    """One-sided Wilson score bounds (lower, upper) of a proportion at ``confidence``."""
    if trials <= 0:
        return 0.0, 1.0
    z = statistics.NormalDist().inv_cdf(confidence)
    p = errors / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


@dataclass(frozen=True)
class Rule:
    """A metric is bad above ``maximum`` or below ``minimum``."""

    metric: str
    maximum: float | None = None
    minimum: float | None = None
    confidence: float = 0.0  # > 0: judge counted rates on the Wilson bound

    def violation(self, value: float, counts: tuple[tuple[int, int], ...] = ()) -> str | None:
        """Why ``value`` (or the pooled counts) crosses the condition, or None."""
        if counts and self.confidence > 0:
            return self._counted(counts)
        if self.maximum is not None and value > self.maximum:
            return f"{metric_label(self.metric)} {format_value(self.metric, value)} > " \
                   f"{format_value(self.metric, self.maximum)}"
        if self.minimum is not None and value < self.minimum:
            return f"{metric_label(self.metric)} {format_value(self.metric, value)} < " \
                   f"{format_value(self.metric, self.minimum)}"
        return None

    def _counted(self, counts: tuple[tuple[int, int], ...]) -> str | None:
        percent = f"{self.confidence * 100:g} %"
        for errors, trials in counts:
            lower, upper = wilson_bounds(errors, trials, self.confidence)
            if self.maximum is not None and lower > self.maximum:
                return (f"{metric_label(self.metric)} {errors}/{trials} = {format_value(self.metric, errors / trials)}"
                        f", {percent} lower bound {format_value(self.metric, lower)} > "
                        f"{format_value(self.metric, self.maximum)}")
            if self.minimum is not None and upper < self.minimum:
                return (f"{metric_label(self.metric)} {errors}/{trials}, {percent} upper bound "
                        f"{format_value(self.metric, upper)} < {format_value(self.metric, self.minimum)}")
        return None


@dataclass(frozen=True)
class IntervalVerdict:
    """Status of one interval with the worst value per metric and the reasons."""

    status: IntervalStatus
    worst: Mapping[str, float]
    violations: tuple[str, ...]
    missing: tuple[str, ...]


def judge(readings: Iterable[Reading], rules: Mapping[str, Rule], policy: MissingDataPolicy) -> IntervalVerdict:
    """Classify one interval from every source's reading."""
    worst: dict[str, float] = {}
    violations: list[str] = []
    missing: list[str] = []
    errors: list[str] = []
    pending: list[str] = []
    for reading in readings:
        for metric, value in sorted(reading.values.items()):
            if math.isnan(value):
                missing.append(f"{reading.source}: {metric} is NaN")
                continue
            worst[metric] = max(value, worst.get(metric, -math.inf))
            rule = rules.get(metric)
            why = rule.violation(value, reading.counts.get(metric, ())) if rule is not None else None
            if why is not None:
                violations.append(f"{reading.source}: {why}")
        for kind, found in ((missing, reading.missing), (errors, reading.errors), (pending, reading.pending)):
            kind += [f"{reading.source}: {metric}: {reason}" for metric, reason in sorted(found.items())
                     if metric in rules]
    notes = tuple(errors + missing + pending)
    if violations:
        status = IntervalStatus.BAD
    elif (errors or missing) and policy is MissingDataPolicy.BAD:
        status = IntervalStatus.BAD
        violations.append("missing data counts as bad (--on-missing-data bad)")
    elif errors and policy is MissingDataPolicy.INCONCLUSIVE:
        status = IntervalStatus.ERROR
    elif missing and policy is MissingDataPolicy.INCONCLUSIVE:
        status = IntervalStatus.INCONCLUSIVE
    elif pending and not worst:  # nothing measurable yet; a pending metric alone never blocks the others
        status = IntervalStatus.WARMUP
    elif not worst:
        status = IntervalStatus.ERROR if errors else IntervalStatus.INCONCLUSIVE
    else:
        status = IntervalStatus.HEALTHY
    return IntervalVerdict(status, worst, tuple(violations), notes)


def format_value(metric: str, value: float) -> str:
    """A metric value for people: ms without decimals, rates in percent."""
    if math.isinf(value):
        return "inf"
    if metric == MetricName.ERROR_RATE:
        return f"{value * 100:.1f} %"
    if metric == MetricName.LATENCY_MS:
        return f"{value:.0f} ms"
    return f"{value:g}"


@dataclass(frozen=True)
class Limits:
    """When a window stops: failed (bad intervals) or inconclusive (no data, measurement errors)."""

    failure_limit: int = 1
    consecutive: bool = False
    inconclusive_limit: int = 3
    error_limit: int = 5


class Ending(str, enum.Enum):
    """How a window ended early (or, for :meth:`Tally.at_end`, late)."""

    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"


class Tally:
    """Counts interval verdicts and says when a limit is reached."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.bad_total = 0
        self.bad_run = 0
        self.inconclusive_total = 0
        self.error_run = 0
        self.healthy_total = 0

    def add(self, status: IntervalStatus) -> tuple[Ending, str] | None:
        """Record one verdict; return how and why the window ends now, or None."""
        if status is IntervalStatus.WARMUP:
            return None
        self.bad_run = self.bad_run + 1 if status is IntervalStatus.BAD else 0
        self.error_run = self.error_run + 1 if status is IntervalStatus.ERROR else 0
        self.bad_total += status is IntervalStatus.BAD
        self.inconclusive_total += status is IntervalStatus.INCONCLUSIVE
        self.healthy_total += status is IntervalStatus.HEALTHY
        limit = self.limits.failure_limit
        counted = self.bad_run if self.limits.consecutive else self.bad_total
        if status is IntervalStatus.BAD and counted >= limit:
            kind = ("consecutive " if self.limits.consecutive else "") + ("bad interval" if counted == 1
                                                                         else "bad intervals")
            return Ending.FAILED, f"{counted} {kind} reached the failure limit of {limit}"
        if status is IntervalStatus.INCONCLUSIVE and self.inconclusive_total >= self.limits.inconclusive_limit:
            noun = "interval" if self.inconclusive_total == 1 else "intervals"
            return Ending.INCONCLUSIVE, (f"{self.inconclusive_total} inconclusive {noun} (no data) reached the "
                                         f"inconclusive limit of {self.limits.inconclusive_limit}")
        if status is IntervalStatus.ERROR and self.error_run >= self.limits.error_limit:
            noun = "error" if self.error_run == 1 else "errors"
            return Ending.INCONCLUSIVE, (f"{self.error_run} measurement {noun} in a row reached the error limit "
                                         f"of {self.limits.error_limit}")
        return None

    def at_end(self) -> tuple[Ending, str] | None:
        """Why a window that ran to its end is still not healthy, or None."""
        if self.healthy_total == 0:
            return Ending.INCONCLUSIVE, "no interval of the window was conclusive: health was never shown"
        return None
