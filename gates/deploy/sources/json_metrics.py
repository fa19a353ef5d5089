"""A JSON metrics URL: each metric is a field found by a dotted path (``stats.p95_ms``, ``a.0.b``).

Latency and error rate are read as they are (gauges). Injection attempts are a counter: the
value compared with the threshold is its increase since the window started (a counter that
goes down was reset, e.g. by a restart, and counts from zero again), like Prometheus'
``increase()``. Custom metrics (``metrics:`` conditions with ``json-path``) are gauges unless
marked ``counter: true``. An unreachable URL or a document that is not JSON is a measurement
error; a missing or non-numeric field is missing data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import requests

from gates.deploy.sources.base import MetricName, MetricSource, Reading, SourceError, WindowStart

COUNTERS = frozenset({MetricName.INJECTION_ATTEMPTS})


def resolve_path(document: Any, path: str) -> Any:
    """The value at dotted ``path``; raise SourceError naming the first missing step."""
    node = document
    for step in path.split("."):
        if isinstance(node, Mapping) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            raise SourceError(f"no field {step!r} at path {path!r}")
    return node


class JsonMetricsSource(MetricSource):
    """Metrics read from fields of a JSON document served over HTTP."""

    kind = "json"

    def __init__(self, url: str, paths: Mapping[str, str], *, timeout_s: float = 10.0,
                 headers: Mapping[str, str] | None = None, verify_tls: bool = True,
                 counters: frozenset[str] = COUNTERS) -> None:
        super().__init__(url)
        self.url = url
        self.paths = dict(paths)
        self.counters = counters
        self.timeout_s = timeout_s
        self.verify_tls = verify_tls
        self._session = requests.Session()
        self._session.headers.update(dict(headers or {}))
        self._last: dict[str, float] = {}
        self._accumulated: dict[str, float] = {}

    def provides(self) -> frozenset[str]:
        return frozenset(self.paths)

    def start_window(self, start: WindowStart) -> None:
        self._last.clear()
        self._accumulated.clear()

    def collect(self, deadline: float, window_elapsed_s: float) -> Reading:
        budget = min(self.timeout_s, deadline - time.monotonic())
        if budget <= 0:
            return Reading.failed(self.name, self.provides(), "no time left in the interval for the request")
        try:
            document = self._fetch(budget)
        except SourceError as exc:
            return Reading.failed(self.name, self.provides(), str(exc), requests=1)
        values: dict[str, float] = {}
        missing: dict[str, str] = {}
        for metric, path in self.paths.items():
            try:
                raw = resolve_path(document, path)
            except SourceError as exc:
                missing[metric] = str(exc)
                continue
            if raw is None or isinstance(raw, bool) or not isinstance(raw, (int, float)) or math.isnan(raw):
                missing[metric] = f"field {path!r} holds {raw!r}, not a number"
                continue
            values[metric] = self._counter(metric, float(raw)) if metric in self.counters else float(raw)
        return Reading(self.name, values, missing, 1)

    def _counter(self, metric: str, value: float) -> float:
        """Increase of a counter since the window's first reading, surviving resets."""
        if metric not in self._last:
            self._last[metric] = value
            self._accumulated[metric] = 0.0
            return 0.0
        previous = self._last[metric]
        self._accumulated[metric] += value - previous if value >= previous else value
        self._last[metric] = value
        return self._accumulated[metric]

    def _fetch(self, budget_s: float) -> Any:
        try:
            response = self._session.get(self.url, timeout=budget_s, verify=self.verify_tls)
        except requests.RequestException as exc:
            raise SourceError(f"cannot reach {self.url}: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise SourceError(f"{self.url} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"{self.url} did not answer JSON") from None

    def close(self) -> None:
        self._session.close()
