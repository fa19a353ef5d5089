"""Typed errors of the GitHub REST API client.

Every error is a :class:`gates.errors.RemoteError` (exit code 3, the gate ends in ``error``)
and its message says what happened and what a person should do. No message ever contains the
token: errors are built from the method, the path, the status and GitHub's own ``message``.
"""

from __future__ import annotations

from gates.errors import RemoteError


class GitHubError(RemoteError):
    """The GitHub API could not be used for this request."""

    def __init__(self, message: str, *, status: int | None = None, method: str | None = None,
                 path: str | None = None, documentation_url: str | None = None) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.documentation_url = documentation_url
        super().__init__(message)


class GitHubAuthError(GitHubError):
    """401 (token rejected) or 403 (token lacks a permission); ``permission`` names what is missing."""

    def __init__(self, message: str, *, permission: str | None = None,
                 accepted_permissions: str | None = None, **kwargs: object) -> None:
        self.permission = permission
        self.accepted_permissions = accepted_permissions
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class GitHubNotFound(GitHubError):
    """404: the resource does not exist, or the token cannot see it."""


class GitHubRateLimited(GitHubError):
    """A primary or secondary rate limit that would take longer than allowed to clear."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kwargs: object) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class GitHubServerError(GitHubError):
    """5xx answers (or no answer at all) on every allowed attempt."""


class GitHubRequestError(GitHubError):
    """Any other 4xx answer, e.g. 422 validation failed: the request itself was wrong."""


__all__ = [
    "GitHubError", "GitHubAuthError", "GitHubNotFound", "GitHubRateLimited",
    "GitHubServerError", "GitHubRequestError",
]
