"""PromQL queries against a Prometheus server's instant query API (``/api/v1/query``).

One query per metric. ``$WINDOW`` in a query becomes the time the current window has been
running, in milliseconds and at least one interval (so the first measurement has samples;
early in a window it reaches back before the window's start, which can only count more),
e.g. ``increase(x[$WINDOW])`` counts "in the window"; ``$INTERVAL`` becomes the interval.
An empty vector or a NaN is *missing data* (no series, no traffic), never zero;
several series are reduced to their maximum (the worst).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import requests

from gates.deploy.sources.base import MetricName, MetricSource, Reading, SourceError


def render_query(query: str, window_elapsed_s: float, interval_s: float) -> str:
    """Substitute ``$WINDOW`` and ``$INTERVAL`` with Prometheus durations."""
    interval = f"{max(1, round(interval_s * 1000))}ms"
    window = f"{max(1, round(max(window_elapsed_s, interval_s) * 1000))}ms"
    return query.replace("$WINDOW", window).replace("$INTERVAL", interval)


def parse_instant_result(payload: Any) -> float | None:
    """The worst (largest) value of an instant-query answer; None when it holds no sample."""
    if not isinstance(payload, Mapping) or payload.get("status") != "success":
        error = payload.get("error") if isinstance(payload, Mapping) else None
        raise SourceError(f"Prometheus answered an error: {error or 'no status success'}")
    data = payload.get("data") or {}
    kind = data.get("resultType")
    result = data.get("result")
    samples: list[str]
    if kind in ("scalar", "string"):
        samples = [result[1]] if isinstance(result, list) and len(result) == 2 else []
    elif kind == "vector":
        samples = [item["value"][1] for item in result or [] if isinstance(item, Mapping) and "value" in item]
    else:
        raise SourceError(f"the query returned a {kind!r}, not an instant vector or scalar")
    values = []
    for text in samples:
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise SourceError(f"the query returned a sample that is not a number: {text!r}") from None
        if not math.isnan(value):
            values.append(value)
    return max(values) if values else None


class PrometheusSource(MetricSource):
    """Latency, error rate and injection attempts from PromQL."""

    kind = "prometheus"

    def __init__(self, base_url: str, queries: Mapping[MetricName, str], *, interval_s: float,
                 timeout_s: float = 10.0, headers: Mapping[str, str] | None = None, verify_tls: bool = True) -> None:
        super().__init__(base_url)
        self.endpoint = base_url.rstrip("/") + "/api/v1/query"
        self.queries = dict(queries)
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.verify_tls = verify_tls
        self._session = requests.Session()
        self._session.headers.update(dict(headers or {}))

    def provides(self) -> frozenset[MetricName]:
        return frozenset(self.queries)

    def collect(self, deadline: float, window_elapsed_s: float) -> Reading:
        values: dict[MetricName, float] = {}
        missing: dict[MetricName, str] = {}
        calls = 0
        for metric, query in self.queries.items():
            budget = min(self.timeout_s, deadline - time.monotonic())
            if budget <= 0:
                missing[metric] = "no time left in the interval for the query"
                continue
            calls += 1
            try:
                value = self._query(render_query(query, window_elapsed_s, self.interval_s), budget)
            except SourceError as exc:
                missing[metric] = str(exc)
                continue
            if value is None:
                missing[metric] = "the query returned no sample (no series or NaN: no traffic?)"
            else:
                values[metric] = value
        return Reading(self.name, values, missing, calls)

    def _query(self, query: str, budget_s: float) -> float | None:
        try:
            response = self._session.post(self.endpoint, data={"query": query}, timeout=budget_s,
                                          verify=self.verify_tls)
        except requests.RequestException as exc:
            raise SourceError(f"cannot reach Prometheus at {self.endpoint}: {type(exc).__name__}") from None
        try:
            payload = response.json()
        except ValueError:
            raise SourceError(f"Prometheus answered HTTP {response.status_code} without JSON") from None
        return parse_instant_result(payload)

    def close(self) -> None:
        self._session.close()
