"""PromQL queries against a Prometheus server's instant query API (``/api/v1/query``).

One query per metric. Queries see only samples of the version being judged:

- ``$WINDOW`` becomes the time since the judged version took over (the window started: after
  the deploy command, a canary step's weight change, or the rollback command), minus the
  warm-up, and minus one scrape interval (so that no counter increase served by the version
  before is included); ``increase(x[$WINDOW])`` counts "in the window";
- ``$INTERVAL`` becomes the interval, but at least 2.5 scrape intervals (``rate()`` needs two
  samples, and scrapes jitter) and never more than ``$WINDOW``: a sliding look-back that a fault starting late in a
  long window cannot hide from;
- ``$VERSION`` becomes the judged version (quotes escaped), for a label selector such as
  ``{version="$VERSION"}``; ``$WEIGHT`` the canary step's weight.

Until ``$WINDOW`` spans 2.5 scrape intervals the metric is *pending* (not judged). The scrape
interval comes from ``scrape-interval`` or, by default, from the server (``/api/v1/targets``,
the longest of the active targets). An empty vector or a NaN is *missing data* (no series, no
traffic), never zero; an unreachable server, a query error or no answer by the deadline is a
measurement error; several series are reduced to their maximum (the worst). The queries of
one interval run in parallel.
"""

from __future__ import annotations

import concurrent.futures
import math
import time
from collections.abc import Mapping
from typing import Any

import requests

from gates.config.durations import parse_duration
from gates.deploy.sources.base import MetricSource, Reading, SourceError, WindowStart

#: look-back in scrape intervals that holds two samples even when scrapes jitter
SCRAPES_NEEDED = 2.5


def _duration(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


def render_query(query: str, window_s: float, interval_s: float, version: str = "", weight: str = "") -> str:
    """Substitute ``$WINDOW``, ``$INTERVAL`` (Prometheus durations), ``$VERSION`` and ``$WEIGHT``."""
    escaped = version.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")
    return (query.replace("$WINDOW", _duration(window_s)).replace("$INTERVAL", _duration(interval_s))
            .replace("$VERSION", escaped).replace("$WEIGHT", weight))


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
    """Any metric from PromQL: the built-in three and custom conditions."""

    kind = "prometheus"

    def __init__(self, base_url: str, queries: Mapping[str, str], *, interval_s: float,
                 scrape_interval_s: float | None = None, timeout_s: float = 10.0,
                 headers: Mapping[str, str] | None = None, verify_tls: bool = True) -> None:
        super().__init__(base_url)
        self.base_url = base_url.rstrip("/")
        self.endpoint = self.base_url + "/api/v1/query"
        self.queries = dict(queries)
        self.timeout_s = timeout_s
        self.verify_tls = verify_tls
        self.scrape_interval_s = scrape_interval_s
        self._session = requests.Session()
        self._session.headers.update(dict(headers or {}))
        self._start = WindowStart("monitor", interval_s=interval_s)
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(self.queries)),
                                                           thread_name_prefix="promql")

    def provides(self) -> frozenset[str]:
        return frozenset(self.queries)

    def start_window(self, start: WindowStart) -> None:
        self._start = start

    def collect(self, deadline: float, window_elapsed_s: float) -> Reading:
        try:
            scrape = self._scrape_interval(min(self.timeout_s, deadline - time.monotonic()))
        except SourceError as exc:
            return Reading.failed(self.name, self.provides(), str(exc), requests=1)
        window = window_elapsed_s - max(self._start.warmup_s, scrape)
        if window < SCRAPES_NEEDED * scrape:
            why = (f"waiting until {self._start.version or 'the version'} has {SCRAPES_NEEDED:g} scrape intervals "
                   f"({scrape:g} s each) of samples after the warm-up")
            return Reading(self.name, pending={metric: why for metric in self.queries})
        look_back = min(max(self._start.interval_s, SCRAPES_NEEDED * scrape), window)
        budget = min(self.timeout_s, deadline - time.monotonic())
        if budget <= 0:
            return Reading.failed(self.name, self.provides(), "no time left in the interval for the queries")
        futures = {metric: self._pool.submit(self._query, render_query(query, window, look_back, self._start.version,
                                                                       self._start.weight), budget)
                   for metric, query in self.queries.items()}  # in parallel: the slowest query sets the pace
        concurrent.futures.wait(futures.values(), timeout=max(0.0, deadline - time.monotonic()))
        values: dict[str, float] = {}
        missing: dict[str, str] = {}
        errors: dict[str, str] = {}
        for metric, future in futures.items():
            if not future.done():
                errors[metric] = "the query did not answer before the interval's deadline"
                continue
            try:
                value = future.result()
            except SourceError as exc:
                errors[metric] = str(exc)
                continue
            if value is None:
                missing[metric] = "the query returned no sample (no series or NaN: no traffic?)"
            else:
                values[metric] = value
        return Reading(self.name, values, missing, len(futures), errors=errors)

    def _scrape_interval(self, budget_s: float) -> float:
        """The configured scrape interval, else the longest of the server's active targets."""
        if self.scrape_interval_s is None:
            payload = self._get("/api/v1/targets", {"state": "active"}, budget_s)
            try:
                intervals = [parse_duration(t["scrapeInterval"]) for t in payload["data"]["activeTargets"]
                             if t.get("scrapeInterval")]
            except (KeyError, TypeError, ValueError) as exc:
                raise SourceError(f"cannot read the scrape interval from {self.base_url}/api/v1/targets "
                                  f"({type(exc).__name__}); give --scrape-interval") from None
            if not intervals:
                raise SourceError(f"{self.base_url} has no active scrape target; give --scrape-interval")
            self.scrape_interval_s = max(intervals)
        return self.scrape_interval_s

    def _get(self, path: str, params: Mapping[str, str], budget_s: float) -> Any:
        if budget_s <= 0:
            raise SourceError("no time left in the interval to ask Prometheus")
        try:
            response = self._session.get(self.base_url + path, params=params, timeout=budget_s,
                                         verify=self.verify_tls)
            return response.json()
        except requests.RequestException as exc:
            raise SourceError(f"cannot reach Prometheus at {self.base_url}: {type(exc).__name__}") from None
        except ValueError:
            raise SourceError(f"Prometheus answered {path} without JSON") from None

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
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._session.close()
