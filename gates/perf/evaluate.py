"""The built-in evaluation: the dataset sent through the endpoint client, concurrently.

Metrics: ``accuracy`` (correct answers / cases; a failed request counts as wrong),
``error_rate`` (failed requests / cases), ``latency_p50_ms`` and ``latency_p95_ms`` (of the
answered requests), ``requests``. Failures beyond the endpoint's error budget end the gate in
``error``: a run where the endpoint mostly failed measures nothing.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from gates.config.settings import EndpointSettings
from gates.endpoint import EndpointClient, EndpointError, ErrorBudget
from gates.perf.dataset import Case, score


@dataclass(frozen=True)
class CaseResult:
    """What happened to one case."""

    case: Case
    correct: bool
    reply: str | None
    latency_s: float | None
    error: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """All case results and the metrics computed from them."""

    results: tuple[CaseResult, ...]
    metrics: dict[str, float]

    @property
    def wrong(self) -> tuple[CaseResult, ...]:
        """Cases answered wrongly or not at all."""
        return tuple(r for r in self.results if not r.correct)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def metrics_of(results: Sequence[CaseResult]) -> dict[str, float]:
    """The evaluation metrics for ``results``."""
    total = len(results)
    latencies = [r.latency_s * 1000 for r in results if r.latency_s is not None]
    out = {
        "accuracy": sum(r.correct for r in results) / total if total else 0.0,
        "error_rate": sum(r.error is not None for r in results) / total if total else 1.0,
        "requests": float(total),
    }
    if latencies:
        out["latency_p50_ms"] = percentile(latencies, 50)
        out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def evaluate(settings: EndpointSettings, cases: Sequence[Case], *, concurrency: int, case_sensitive: bool = False,
             system: str | None = None, cancelled: threading.Event | None = None,
             deadline: float | None = None) -> Evaluation:
    """Send every case (at most ``concurrency`` at once) and score the replies."""
    budget = ErrorBudget(len(cases), settings.error_budget, settings.url)

    with EndpointClient(settings, cancelled=cancelled, deadline=deadline) as client:
        def one(case: Case) -> CaseResult:
            try:
                reply = client.send(case.prompt, system=system)
            except EndpointError as exc:
                budget.record_failure(exc)  # raises once over the budget
                return CaseResult(case, False, None, None, str(exc))
            budget.record_success()
            return CaseResult(case, score(case, reply.text, case_sensitive), reply.text, reply.latency_s)

        results = client.map(one, cases, concurrency=concurrency)
    return Evaluation(tuple(results), metrics_of(results))
