"""Thresholds per metric, the verdict of one interval, and the limits that end a window.

Semantics (compare Argo Rollouts analysis, where a metric fails when ``failed > failureLimit``
and turns inconclusive when ``inconclusive > inconclusiveLimit``): here the window fails when
the count of bad intervals *reaches* ``failure_limit`` (total, or in a row with
``consecutive``), and when the count of inconclusive intervals reaches ``inconclusive_limit``.
So ``failure_limit=1`` rolls back on the first bad interval, like Argo's default
``failureLimit: 0``. A window that ends without a single conclusive interval is not healthy.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gates.deploy.sources.base import MetricName, Reading


class IntervalStatus(str, enum.Enum):
    """Verdict of one interval."""

    HEALTHY = "healthy"
    BAD = "bad"
    INCONCLUSIVE = "inconclusive"
    WARMUP = "warm-up"


class MissingDataPolicy(str, enum.Enum):
    """What an interval with a metric missing counts as (when nothing crossed a threshold)."""

    INCONCLUSIVE = "inconclusive"
    BAD = "bad"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Rule:
    """A metric is bad above ``maximum``."""

    metric: MetricName
    maximum: float

    def violated(self, value: float) -> bool:
        """True when ``value`` crosses the threshold (infinity does, NaN never reaches here)."""
        return value > self.maximum


@dataclass(frozen=True)
class IntervalVerdict:
    """Status of one interval with the worst value per metric and the reasons."""

    status: IntervalStatus
    worst: Mapping[MetricName, float]
    violations: tuple[str, ...]
    missing: tuple[str, ...]


def judge(readings: Iterable[Reading], rules: Mapping[MetricName, Rule], policy: MissingDataPolicy) -> IntervalVerdict:
    """Classify one interval from every source's reading."""
    worst: dict[MetricName, float] = {}
    violations: list[str] = []
    missing: list[str] = []
    for reading in readings:
        for metric, value in sorted(reading.values.items()):
            if math.isnan(value):
                missing.append(f"{reading.source}: {metric.value} is NaN")
                continue
            worst[metric] = max(value, worst.get(metric, -math.inf))
            rule = rules.get(metric)
            if rule is not None and rule.violated(value):
                violations.append(f"{reading.source}: {metric.label} {format_value(metric, value)} > "
                                  f"{format_value(metric, rule.maximum)}")
        for metric, reason in sorted(reading.missing.items()):
            if metric in rules:
                missing.append(f"{reading.source}: {metric.value}: {reason}")
    if violations:
        status = IntervalStatus.BAD
    elif missing and policy is MissingDataPolicy.BAD:
        status = IntervalStatus.BAD
        violations.append("missing data counts as bad (--on-missing-data bad)")
    elif missing and policy is MissingDataPolicy.INCONCLUSIVE:
        status = IntervalStatus.INCONCLUSIVE
    elif not worst:
        status = IntervalStatus.INCONCLUSIVE
    else:
        status = IntervalStatus.HEALTHY
    return IntervalVerdict(status, worst, tuple(violations), tuple(missing))


def format_value(metric: MetricName, value: float) -> str:
    """A metric value for people: ms without decimals, rates in percent."""
    if math.isinf(value):
        return "inf"
    if metric is MetricName.ERROR_RATE:
        return f"{value * 100:.1f} %"
    if metric is MetricName.LATENCY_MS:
        return f"{value:.0f} ms"
    return f"{value:g}"


@dataclass(frozen=True)
class Limits:
    """When a window stops being healthy."""

    failure_limit: int = 1
    consecutive: bool = False
    inconclusive_limit: int = 3


class Tally:
    """Counts interval verdicts and says when a limit is reached."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.bad_total = 0
        self.bad_run = 0
        self.inconclusive_total = 0
        self.healthy_total = 0

    def add(self, status: IntervalStatus) -> str | None:
        """Record one verdict; return why the window fails now, or None."""
        if status is IntervalStatus.WARMUP:
            return None
        if status is IntervalStatus.BAD:
            self.bad_total += 1
            self.bad_run += 1
        else:
            self.bad_run = 0
        if status is IntervalStatus.INCONCLUSIVE:
            self.inconclusive_total += 1
        if status is IntervalStatus.HEALTHY:
            self.healthy_total += 1
        limit = self.limits.failure_limit
        counted = self.bad_run if self.limits.consecutive else self.bad_total
        if status is IntervalStatus.BAD and counted >= limit:
            kind = ("consecutive " if self.limits.consecutive else "") + ("bad interval" if counted == 1
                                                                         else "bad intervals")
            return f"{counted} {kind} reached the failure limit of {limit}"
        if status is IntervalStatus.INCONCLUSIVE and self.inconclusive_total >= self.limits.inconclusive_limit:
            noun = "interval" if self.inconclusive_total == 1 else "intervals"
            return (f"{self.inconclusive_total} inconclusive {noun} (missing data) reached the "
                    f"inconclusive limit of {self.limits.inconclusive_limit}")
        return None

    def at_end(self) -> str | None:
        """Why a window that ran to its end is still not healthy, or None."""
        if self.healthy_total == 0:
            return "no interval of the window was conclusive: health was never shown"
        return None
