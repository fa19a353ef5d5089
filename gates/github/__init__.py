"""The GitHub REST API client shared by the approval gate, the check-run reporter, SARIF upload
and deployment statuses. See :mod:`gates.github.client`."""

from gates.github.client import API_VERSION, MEDIA_TYPE, GitHubClient, expand
from gates.github.errors import (
                                 GitHubAuthError,
                                 GitHubError,
                                 GitHubNotFound,
                                 GitHubRateLimited,
                                 GitHubRequestError,
                                 GitHubServerError,
)

__all__ = [
    "API_VERSION", "MEDIA_TYPE", "GitHubClient", "expand", "GitHubError", "GitHubAuthError",
    "GitHubNotFound", "GitHubRateLimited", "GitHubRequestError", "GitHubServerError",
]
