"""Gate ``performance``: Quality and latency did not regress past tolerance."""

from __future__ import annotations

from gates.plugins.base import UnavailableGate


class PerformanceGate(UnavailableGate):
    """Quality and latency did not regress past tolerance."""

    name = "performance"
    title = "Performance baseline"
    tool = "performance"
