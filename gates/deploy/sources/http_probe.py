"""HTTP probes of a health URL or of the model endpoint: ``probe-requests`` requests per interval.

Each interval sends ``requests_per_interval`` requests one after another, each bounded by the
probe timeout and by the interval's deadline (no request starts that would not fit in it, judged
by the slowest one so far). A request is an error when it fails to connect,
times out, answers with a status >= 400, or lacks ``expect_body``. Latency is the mean over the
requests that got an answer; when none did but some timed out, it is the longest wait (a lower
bound). Requests refused at connect time carry no latency, only an error.

The error rate shown is this interval's; it is *judged* on pooled counts with a confidence
bound (see :mod:`gates.deploy.rules`): the requests of the last :data:`RECENT_INTERVALS`
intervals and all requests since the window's warm-up ended. A few probes per interval make one
error look like 33 %; pooling lets a 5 % limit mean 5 %, and the recent pool keeps a fault that
starts late in a long window from being diluted by the good start.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Mapping

import requests

from gates.deploy.sources.base import MetricName, MetricSource, Reading, WindowStart

_MIN_BUDGET_S = 0.005
RECENT_INTERVALS = 5


class HttpProbeSource(MetricSource):
    """Latency and error rate measured by our own requests."""

    kind = "http"

    def __init__(self, url: str, *, label: str | None = None, method: str = "GET", body: str | None = None,
                 headers: Mapping[str, str] | None = None, expect_body: str | None = None,
                 requests_per_interval: int = 3, timeout_s: float = 10.0, verify_tls: bool = True) -> None:
        super().__init__(label or url)
        self.url = url
        self.method = method
        self.body = body
        self.expect_body = expect_body
        self.requests_per_interval = requests_per_interval
        self.timeout_s = timeout_s
        self.verify_tls = verify_tls
        self._session = requests.Session()
        self._session.headers.update(dict(headers or {}))
        if body is not None:
            self._session.headers.setdefault("Content-Type", "application/json")
        self._warmup_s = 0.0
        self._recent: collections.deque[tuple[int, int]] = collections.deque(maxlen=RECENT_INTERVALS)
        self._total = (0, 0)

    def provides(self) -> frozenset[str]:
        return frozenset({MetricName.LATENCY_MS, MetricName.ERROR_RATE})

    def start_window(self, start: WindowStart) -> None:
        self._warmup_s = start.warmup_s
        self._recent.clear()
        self._total = (0, 0)

    def collect(self, deadline: float, window_elapsed_s: float) -> Reading:
        latencies: list[float] = []
        waited: list[float] = []
        errors: list[str] = []
        attempts = 0
        slowest = 0.0
        for _ in range(self.requests_per_interval):
            budget = min(self.timeout_s, deadline - time.monotonic())
            if budget < max(_MIN_BUDGET_S, 1.5 * slowest):  # another request would not fit: hand in the reading
                break
            started = time.monotonic()
            attempts += 1
            latency, error, timed_out = self._one(budget)
            if latency is not None:
                (waited if timed_out else latencies).append(latency)
            if error is not None:
                errors.append(error)
            slowest = max(slowest, time.monotonic() - started)
        if attempts == 0:
            return Reading.failed(self.name, self.provides(), "no time left in the interval for a probe")
        values: dict[str, float] = {MetricName.ERROR_RATE: len(errors) / attempts}
        missing: dict[str, str] = {}
        if latencies:
            values[MetricName.LATENCY_MS] = sum(latencies) / len(latencies)
        elif waited:
            values[MetricName.LATENCY_MS] = max(waited)
        else:
            missing[MetricName.LATENCY_MS] = f"no probe got an answer ({errors[0]})"
        counts: dict[str, tuple[tuple[int, int], ...]] = {}
        if window_elapsed_s >= self._warmup_s:  # warm-up requests are not pooled
            self._recent.append((len(errors), attempts))
            self._total = (self._total[0] + len(errors), self._total[1] + attempts)
            recent = (sum(e for e, _ in self._recent), sum(n for _, n in self._recent))
            counts[MetricName.ERROR_RATE] = (recent, self._total) if self._total != recent else (recent,)
        return Reading(self.name, values, missing, attempts, counts=counts)

    def _one(self, budget_s: float) -> tuple[float | None, str | None, bool]:
        """(latency in ms or None, error text or None, timed out) of one request."""
        started = time.perf_counter()
        try:
            response = self._session.request(self.method, self.url, data=self.body, timeout=budget_s,
                                             verify=self.verify_tls, allow_redirects=False)
        except requests.Timeout:
            return (time.perf_counter() - started) * 1000.0, f"timed out after {budget_s * 1000:.0f} ms", True
        except requests.RequestException as exc:
            return None, f"request failed: {type(exc).__name__}", False
        latency = (time.perf_counter() - started) * 1000.0
        if response.status_code >= 400:
            return latency, f"HTTP {response.status_code}", False
        if self.expect_body is not None and self.expect_body not in response.text:
            return latency, f"answer lacks the expected text {self.expect_body!r}", False
        return latency, None, False

    def close(self) -> None:
        self._session.close()
