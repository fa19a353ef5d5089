"""The error budget: how many failed requests a gate tolerates before it cannot decide.

``fraction`` of the planned requests may fail (those probes are reported as not evaluated);
one more failure raises :class:`ErrorBudgetExceeded` naming the most recent cause and the
failures counted by class. When every planned request failed the budget is exceeded whatever
the fraction: a run where nothing answered never passes.
"""

from __future__ import annotations

import math
import threading
from collections import Counter

from gates.endpoint.errors import EndpointError, ErrorBudgetExceeded


class ErrorBudget:
    """Thread-safe counter of request failures against an allowance."""

    def __init__(self, planned: int, fraction: float, target: str = "the endpoint") -> None:
        if planned < 0 or not 0 <= fraction <= 1:
            raise ValueError("planned must be >= 0 and fraction between 0 and 1")
        self.planned = planned
        self.fraction = fraction
        self.allowed = min(math.floor(fraction * planned), max(planned - 1, 0))
        self.target = target
        self.failures: list[EndpointError] = []
        self.successes = 0
        self._lock = threading.Lock()

    def record_success(self) -> None:
        """Count one answered request."""
        with self._lock:
            self.successes += 1

    def record_failure(self, error: EndpointError) -> None:
        """Count one failed request; raise :class:`ErrorBudgetExceeded` once over the allowance."""
        with self._lock:
            self.failures.append(error)
            over = len(self.failures) > self.allowed
        if over:
            raise ErrorBudgetExceeded(self.describe())

    @property
    def counts(self) -> dict[str, int]:
        """Failures by class (unreachable, timeout, http, bad-body)."""
        with self._lock:
            return dict(Counter(e.kind for e in self.failures))

    def describe(self) -> str:
        """A one-line cause for the gate's error result."""
        with self._lock:
            failed = len(self.failures)
            last = self.failures[-1] if self.failures else None
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items()))
        text = (f"{failed} of {self.planned} requests to {self.target} failed ({counts}); the error budget "
                f"allows {self.allowed} (endpoint.error-budget = {self.fraction:g})")
        if last is not None:
            text += f"; last error: {last}"
        return text
