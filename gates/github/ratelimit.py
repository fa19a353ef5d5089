"""How long GitHub asks a client to wait: rate limits and retryable server errors.

GitHub signals a primary rate limit with ``403``/``429`` and ``X-RateLimit-Remaining: 0`` plus
``X-RateLimit-Reset`` (epoch seconds), and a secondary rate limit with ``403``/``429`` and
``Retry-After`` (seconds), or with neither header, in which case its documentation says to
wait at least one minute. 5xx answers are retried with exponential backoff.
"""

from __future__ import annotations

from collections.abc import Mapping

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
