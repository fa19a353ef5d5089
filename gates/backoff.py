"""The one retry delay: exponential backoff, raised to what the server asked for.

Every client that retries (the model endpoint, GitHub's API, pip-audit runs, the OSV probe) waits
``base_s * 2 ** (attempt - 1)`` seconds before retry ``attempt`` (1-based), at most ``cap_s``; when
the server sent ``Retry-After``, at least that (itself capped at ``max_retry_after_s``).
"""

from __future__ import annotations

import math


def retry_delay(attempt: int, *, base_s: float, cap_s: float = math.inf, retry_after_s: float | None = None,
                max_retry_after_s: float = math.inf) -> float:
    """Seconds to wait before retry number ``attempt`` (1 = the first retry)."""
    delay = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    if retry_after_s is not None:
        delay = max(delay, min(max(0.0, retry_after_s), max_retry_after_s))
    return float(delay)
