"""The metric-source interface: what one source measured in one monitoring interval.

Every kind of source (HTTP probes, Prometheus, a JSON metrics URL) is a :class:`MetricSource`
in its own module. A source never raises for an unreachable or silent backend. Its
:class:`Reading` keeps apart what the monitor must judge differently:

- ``values``: measured numbers, judged against the rules;
- ``missing``: the backend answered but had no data (an empty PromQL result, NaN, no field):
  *inconclusive*, never bad;
- ``errors``: the measurement itself failed (unreachable, a query error, no answer in time):
  counted by the error limit, never bad;
- ``pending``: too early to measure the judged version (fewer than two scrapes of it yet):
  not judged at all.

A metric is a name: the built-in ones are :class:`MetricName` members (a ``str`` enum), custom
ones (``metrics:`` conditions) any other name.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from gates.errors import GatesError


class MetricName(str, enum.Enum):
    """The built-in health metrics."""

    LATENCY_MS = "latency_ms"
    ERROR_RATE = "error_rate"
    INJECTION_ATTEMPTS = "injection_attempts"

    @property
    def label(self) -> str:
        """Human name with its unit."""
        return _LABELS[self]

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


_LABELS = {
    MetricName.LATENCY_MS: "latency (ms)",
    MetricName.ERROR_RATE: "error rate",
    MetricName.INJECTION_ATTEMPTS: "injection attempts in the window",
}


def metric_label(metric: str) -> str:
    """The human name of a built-in metric, else the custom metric's own name."""
    try:
        return MetricName(metric).label
    except ValueError:
        return metric


class SourceError(GatesError):
    """A source could not produce a value (unreachable, bad answer); becomes a measurement error."""


@dataclass(frozen=True)
class WindowStart:
    """What a source needs to know when a window (monitoring, a canary step, verification) starts."""

    phase: str
    version: str = ""
    warmup_s: float = 0.0
    interval_s: float = 1.0
    weight: str = ""


@dataclass(frozen=True)
class Reading:
    """One source's answer for one interval (see the module docstring for the four maps).

    ``counts`` holds, for a rate measured by counting (probe errors), the (errors, trials) pools
    it may be judged on with a confidence bound. ``requests`` counts the HTTP calls made.
    """

    source: str
    values: Mapping[str, float] = field(default_factory=dict)
    missing: Mapping[str, str] = field(default_factory=dict)
    requests: int = 0
    errors: Mapping[str, str] = field(default_factory=dict)
    pending: Mapping[str, str] = field(default_factory=dict)
    counts: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @classmethod
    def failed(cls, source: str, metrics: frozenset[str], reason: str, requests: int = 0) -> Reading:
        """A reading where every metric is a measurement error for the same ``reason``."""
        return cls(source, {}, {}, requests, errors={m: reason for m in metrics})


class MetricSource(ABC):
    """A place health metrics come from; one instance per configured URL."""

    #: short kind name shown in reports (``http``, ``prometheus``, ``json``)
    kind: str = ""

    def __init__(self, label: str) -> None:
        self.label = label

    @property
    def name(self) -> str:
        """``kind:label`` as shown in the timeline."""
        return f"{self.kind}:{self.label}"

    @abstractmethod
    def provides(self) -> frozenset[str]:
        """The metrics this source is configured to deliver every interval."""

    @abstractmethod
    def collect(self, deadline: float, window_elapsed_s: float) -> Reading:
        """Measure now; finish before ``deadline`` (a ``time.monotonic()`` value).

        ``window_elapsed_s`` is how long the current window has been running (the judged
        version took over when it started), for sources that look at "the window".
        """

    def start_window(self, start: WindowStart) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Forget per-window state (counter baselines, pooled counts) before a new window."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release connections."""
