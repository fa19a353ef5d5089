"""A local GitHub REST API for tests, checked against GitHub's official OpenAPI description.

Every request is matched to an operation of the description (path template + method) and
validated: path and query parameters against their schemas (unknown query parameters too),
the JSON request body against the requestBody schema (jsonschema), plus the rules GitHub
documents in prose (``per_page`` <= 100, <= 50 annotations per check-run request,
``User-Agent``, ``Accept: application/vnd.github+json``, ``X-GitHub-Api-Version``). A bad
request is recorded in ``violations`` and answered ``422``; an unknown path or method is
recorded and answered ``404``. Every 2xx answer a handler builds is validated against the
response schema: a wrong fixture is recorded and answered ``500``, so it fails loudly.
The description is loaded once per process; validators are compiled on first use.

Use it through the pytest fixture (teardown asserts there were no violations)::

    from tests.support.github_api import github_api  # noqa: F401  (re-export the fixture)

    def test_x(github_api):
        gh = github_api                       # a started GitHubAPI; token TOKEN has FULL_ACCESS
        gh.state.add_pull("octo-org/ml-service", event["pull_request"])
        gh.state.add_review("octo-org/ml-service", 42, "alice", "APPROVED", head_sha)
        client = GitHubClient(gh.url, TOKEN)

or directly: ``with GitHubAPI() as gh: ...; gh.assert_no_violations()``.

``GitHubAPI`` (a ThreadingHTTPServer on 127.0.0.1:0):

- ``url``: the API root to give the client; ``state``: a :class:`GitHubState` (pulls,
  reviews, files, issue events, collaborator roles, team memberships, check runs and their
  annotations, commit statuses, deployments and their statuses, SARIF uploads);
- ``route(key, handler)``: serve an operation, ``key`` = operationId (``"checks/create"``) or
  ``"POST /repos/{owner}/{repo}/check-runs"``; ``handler(ApiRequest) -> Reply``. A list body
  of a paginated operation is paged by the server (``per_page``/``page``, ``Link`` header
  with absolute next/last/first/prev URLs); ``Reply(page_key=...)`` pages a list in an object;
- ``add_token(token, grants)``: GitHub App permissions such as ``{"checks": "write"}``
  (``FULL_ACCESS``, ``FORK_READ_ONLY``); unknown token -> 401, missing grant -> 403
  ``Resource not accessible by integration`` with ``X-Accepted-GitHub-Permissions``;
- ``fail(key, status, times=N)``: the next N requests answer ``status`` (5xx, 401, 404, ...);
- ``rate_limit(key, retry_after=s | reset_in=s, times=N)``: secondary / primary rate limit;
- ``calls`` / ``calls_to(key)``: every request received (Authorization redacted);
- ``violations``, ``take_violations()``, ``assert_no_violations()``.

Default handlers: pulls/get, pulls/list-reviews, pulls/list-files, issues/list-events,
issues/list-labels-on-issue, repos/get-collaborator-permission-level,
teams/get-membership-for-user-in-org, checks/create, checks/update, checks/get,
checks/list-annotations, checks/list-for-ref, repos/create-commit-status, repos/create-deployment,
repos/list-deployments, repos/create-deployment-status, repos/list-deployment-statuses,
code-scanning/upload-sarif. Objects are built by :mod:`tests.support.github_api.objects`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.github_api import objects
from tests.support.github_api.auth import FORK_READ_ONLY, FULL_ACCESS
from tests.support.github_api.server import ApiRequest, Call, GitHubAPIServer, Reply
from tests.support.github_api.state import GitHubState, register_default_routes

TOKEN = "ghs_testTokenForTheLocalGitHubApi0001"


class GitHubAPI(GitHubAPIServer):
    """The server with the in-memory ``state`` and the default routes registered."""

    def __init__(self, require_api_version: bool = True) -> None:
        super().__init__(require_api_version)
        self.state = GitHubState()
        register_default_routes(self, self.state)


@pytest.fixture
def github_api() -> Iterator[GitHubAPI]:
    """A started local GitHub API accepting ``TOKEN``; fails the test on any violation."""
    with GitHubAPI() as api:
        api.add_token(TOKEN, FULL_ACCESS)
        yield api
    api.assert_no_violations()


__all__ = ["GitHubAPI", "GitHubAPIServer", "GitHubState", "ApiRequest", "Reply", "Call", "TOKEN",
           "FULL_ACCESS", "FORK_READ_ONLY", "objects", "github_api"]
