"""How long GitHub asks a client to wait: rate limits and retryable server errors.

GitHub signals a primary rate limit with ``403``/``429`` and ``X-RateLimit-Remaining: 0`` plus
``X-RateLimit-Reset`` (epoch seconds), and a secondary rate limit with ``403``/``429`` and
``Retry-After`` (seconds), or with neither header, in which case its documentation says to
wait at least one minute. 5xx answers are retried with exponential backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from gates.backoff import retry_delay
from gates.httputil import parse_retry_after

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
SECONDARY_LIMIT_DEFAULT_WAIT_S = 60.0


def is_rate_limited(status: int, headers: Mapping[str, str], message: str) -> bool:
    """True when a 403/429 answer is a rate limit rather than a missing permission."""
    if status == 429:
        return True
    if status != 403:
        return False
    if headers.get("X-RateLimit-Remaining") == "0" or "Retry-After" in headers:
        return True
    return "rate limit" in message.lower()


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """The ``Retry-After`` delay (seconds or an HTTP date), or None when absent or unreadable."""
    return parse_retry_after(headers.get("Retry-After"), now)


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float:
    """Seconds to wait before retrying a rate-limited request."""
    delay = retry_after_seconds(headers, now)
    if delay is not None:
        return delay
    reset = headers.get("X-RateLimit-Reset")
    if headers.get("X-RateLimit-Remaining") == "0" and reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now) + 1.0  # +1 s: the reset second itself
    return SECONDARY_LIMIT_DEFAULT_WAIT_S


def backoff_delay(attempt: int, base_s: float, headers: Mapping[str, str], now: float) -> float:
    """Delay before retry number ``attempt`` (0-based) of a 5xx answer."""
    asked = retry_after_seconds(headers, now)
    return asked if asked is not None else retry_delay(attempt + 1, base_s=base_s)


class Pacer:
    """Paces writes and tracks the token's remaining budget from the rate-limit headers.

    GitHub asks integrations to leave at least one second between ``POST``/``PATCH``/``PUT``/
    ``DELETE`` requests (secondary limits: 80 content-creating requests per minute) and to
    watch ``X-RateLimit-Remaining``. :meth:`before` sleeps what is still due before a write;
    :meth:`observe` records the headers of every answer.
    """

    WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})

    def __init__(self, min_write_interval_s: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.min_write_interval_s = min_write_interval_s
        self.remaining: int | None = None
        self.writes = 0
        self.slept_s = 0.0
        self._clock = clock
        self._sleep = sleep
        self._last_write: float | None = None

    def before(self, method: str) -> None:
        """Wait until the next write may go (reads are not paced)."""
        if method.upper() not in self.WRITES:
            return
        now = self._clock()
        if self._last_write is not None:
            due = self._last_write + self.min_write_interval_s - now
            if due > 0:
                self._sleep(due)
                self.slept_s += due
                now = self._clock()
        self._last_write = now
        self.writes += 1

    def observe(self, headers: Mapping[str, str]) -> None:
        """Remember ``X-RateLimit-Remaining`` when the answer carries it."""
        value = headers.get("X-RateLimit-Remaining")
        if value is not None and value.strip().isdigit():
            self.remaining = int(value)

    def remaining_below(self, reserve: int) -> bool:
        """True when the token is known to have fewer than ``reserve`` requests left."""
        return self.remaining is not None and self.remaining < reserve
