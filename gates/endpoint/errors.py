"""Classified failures of a request to the endpoint under test.

Every class is a :class:`gates.errors.RemoteError` (exit status 3, "could not decide"), so a
gate that lets one escape ends in ``error``, never in a pass.
"""

from __future__ import annotations

from gates.errors import RemoteError


class EndpointError(RemoteError):
    """Base of the endpoint errors; ``kind`` names the class of failure for counting."""

    kind = "error"
    retryable = False


class EndpointUnreachable(EndpointError):
    """No connection could be made (refused, DNS, TLS handshake, reset)."""

    kind = "unreachable"
    retryable = True


class EndpointTimeout(EndpointError):
    """The endpoint did not answer within the per-request timeout."""

    kind = "timeout"
    retryable = True


class EndpointHTTPError(EndpointError):
    """The endpoint answered with an HTTP error status."""

    kind = "http"

    def __init__(self, message: str, status: int, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        """429 and 5xx are worth another try; other 4xx are not."""
        return self.status == 429 or self.status >= 500


class EndpointBadBody(EndpointError):
    """The endpoint answered 2xx but the body is not what the target kind promises."""

    kind = "bad-body"


class ErrorBudgetExceeded(RemoteError):
    """More requests failed than ``endpoint.error-budget`` allows: the gate cannot decide."""

    kind = "budget"
