"""The metric-source interface: what one source measured in one monitoring interval.

Every kind of source (HTTP probes, Prometheus, a JSON metrics URL) is a :class:`MetricSource`
in its own module. A source never raises for an unreachable or silent backend: it returns a
:class:`Reading` whose ``missing`` map says, per metric, why there is no value, so the monitor
can apply the missing-data policy instead of crashing or passing silently.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from gates.errors import GatesError


class MetricName(str, enum.Enum):
    """The health metrics a rule can judge."""

    LATENCY_MS = "latency_ms"
    ERROR_RATE = "error_rate"
    INJECTION_ATTEMPTS = "injection_attempts"

    @property
    def label(self) -> str:
        """Human name with its unit."""
        return _LABELS[self]


_LABELS = {
    MetricName.LATENCY_MS: "latency (ms)",
    MetricName.ERROR_RATE: "error rate",
    MetricName.INJECTION_ATTEMPTS: "injection attempts in the window",
}


class SourceError(GatesError):
    """A source could not produce a value (unreachable, bad answer); becomes missing data."""


@dataclass(frozen=True)
class Reading:
    """One source's answer for one interval.

    ``values`` holds the metrics it measured; ``missing`` the metrics it should have measured
    but could not, each with the reason. ``requests`` counts the HTTP calls it made.
    """

    source: str
    values: Mapping[MetricName, float] = field(default_factory=dict)
    missing: Mapping[MetricName, str] = field(default_factory=dict)
    requests: int = 0

    @classmethod
    def failed(cls, source: str, metrics: frozenset[MetricName], reason: str, requests: int = 0) -> Reading:
        """A reading where every metric is missing for the same ``reason``."""
        return cls(source, {}, {m: reason for m in metrics}, requests)


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
    def provides(self) -> frozenset[MetricName]:
        """The metrics this source is configured to deliver every interval."""

    @abstractmethod
    def collect(self, deadline: float, window_elapsed_s: float) -> Reading:
        """Measure now; finish before ``deadline`` (a ``time.monotonic()`` value).

        ``window_elapsed_s`` is how long the current window (monitoring or verification) has
        been running, for sources that look at "the window" (``$WINDOW`` in PromQL, counters).
        """

    def start_window(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Forget per-window state (counter baselines) before a new window starts."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release connections."""
