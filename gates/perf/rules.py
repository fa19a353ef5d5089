"""Rules per metric and the verdict of one comparison with the baseline.

The seed rule: higher is better, 5 % relative tolerance: fail when
``current < baseline * 0.95``. A hard floor (or ceiling) fails whatever the baseline says.
Repeated measurements are reduced to one value by the median or by the pessimistic end of a
normal confidence interval on the mean.
"""

from __future__ import annotations

import enum
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from gates.errors import ConfigError


class Direction(str, enum.Enum):
    """Which way is better for a metric."""

    HIGHER = "higher"
    LOWER = "lower"


class ToleranceKind(str, enum.Enum):
    """A tolerance as a fraction of the baseline or in the metric's own unit."""

    RELATIVE = "relative"
    ABSOLUTE = "absolute"


class Aggregate(str, enum.Enum):
    """How repeated measurements become the value judged."""

    MEDIAN = "median"
    CONFIDENCE_BOUND = "confidence-bound"


class Verdict(str, enum.Enum):
    """The outcome for one metric."""

    PASS = "pass"
    REGRESSED = "regressed"
    OUT_OF_BOUNDS = "out-of-bounds"  # beyond the hard floor / ceiling
    MISSING = "missing"  # the current run did not produce the metric
    NEW = "new"  # no baseline value yet (only with --update-baseline)


@dataclass(frozen=True)
class MetricRule:
    """How one metric is judged; ``name`` is its key path in the metrics and the baseline."""

    name: str
    direction: Direction = Direction.HIGHER
    tolerance: float = 0.05
    kind: ToleranceKind = ToleranceKind.RELATIVE
    floor: float | None = None
    ceiling: float | None = None

    @classmethod
    def from_option(cls, item: Mapping[str, Any], index: int) -> MetricRule:
        """Build from one entry of the ``metrics`` option."""
        try:
            return cls(name=str(item["name"]), direction=Direction(item.get("direction", "higher")),
                       tolerance=float(item.get("tolerance", 0.05)),
                       kind=ToleranceKind(item.get("tolerance-type", "relative")),
                       floor=item.get("floor"), ceiling=item.get("ceiling"))
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"bad metric rule: {exc}", key=f"gates.performance.metrics[{index}]") from None

    def limit(self, baseline: float) -> float:
        """The worst acceptable current value for ``baseline``."""
        step = abs(baseline) * self.tolerance if self.kind is ToleranceKind.RELATIVE else self.tolerance
        return baseline - step if self.direction is Direction.HIGHER else baseline + step

    def describe_limit(self, baseline: float | None) -> str:
        """The limit as shown in the summary (``>= 0.874``)."""
        parts = []
        if baseline is not None:
            parts.append(f"{'≥' if self.direction is Direction.HIGHER else '≤'} {fmt(self.limit(baseline))}")
        if self.floor is not None:
            parts.append(f"floor {fmt(self.floor)}")
        if self.ceiling is not None:
            parts.append(f"ceiling {fmt(self.ceiling)}")
        return ", ".join(parts) or "-"


@dataclass(frozen=True)
class Comparison:
    """One metric's baseline, current value and verdict."""

    rule: MetricRule
    baseline: float | None
    current: float | None
    verdict: Verdict
    samples: tuple[float, ...] = ()

    @property
    def change(self) -> float | None:
        """Relative change from the baseline (None when it cannot be computed)."""
        if self.baseline in (None, 0) or self.current is None:
            return None
        return (self.current - self.baseline) / abs(self.baseline)


def fmt(value: float | None) -> str:
    """A metric value for tables: up to 4 significant digits."""
    return "-" if value is None else f"{value:.4g}"


def compare(rule: MetricRule, baseline: float | None, current: float | None,
            samples: Sequence[float] = ()) -> Comparison:
    """Judge ``current`` against ``baseline`` and the hard bounds."""
    if current is None:
        return Comparison(rule, baseline, None, Verdict.MISSING, tuple(samples))
    if (rule.floor is not None and current < rule.floor) or (rule.ceiling is not None and current > rule.ceiling):
        return Comparison(rule, baseline, current, Verdict.OUT_OF_BOUNDS, tuple(samples))
    if baseline is None:
        return Comparison(rule, None, current, Verdict.NEW, tuple(samples))
    limit = rule.limit(baseline)
    worse = current < limit if rule.direction is Direction.HIGHER else current > limit
    # a tiny epsilon so that exactly-at-the-limit values (0.874 vs 0.92 * 0.95) pass
    if worse and not math.isclose(current, limit, rel_tol=1e-9, abs_tol=1e-12):
        return Comparison(rule, baseline, current, Verdict.REGRESSED, tuple(samples))
    return Comparison(rule, baseline, current, Verdict.PASS, tuple(samples))


def aggregate(samples: Sequence[float], how: Aggregate, direction: Direction, confidence: float = 0.95) -> float:
    """One value from repeated measurements; the confidence bound is the pessimistic end."""
    if not samples:
        raise ValueError("no samples")
    if how is Aggregate.MEDIAN or len(samples) == 1:
        return float(statistics.median(samples))
    mean = statistics.fmean(samples)
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * statistics.stdev(samples) / math.sqrt(len(samples))
    return mean - half if direction is Direction.HIGHER else mean + half
