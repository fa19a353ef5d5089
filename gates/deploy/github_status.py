"""GitHub deployment statuses for the deploy (``--deployment-id`` with ``--github-token``).

``in_progress`` when the deploy starts, then ``success`` (healthy), ``failure`` (rolled back) or
``error`` (rollback failed, inconclusive, cancelled); after a cancel signal the final status is
posted with one short attempt so that it goes out before the runner kills the job. A status
that cannot be posted is a warning: it never changes the deploy's result, which is decided by
the service's health alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gates.deploy.deployer import Result
from gates.errors import UsageError
from gates.github.client import GitHubClient, expand
from gates.github.errors import GitHubError

STATES = {Result.HEALTHY: "success", Result.ROLLED_BACK: "failure", Result.ROLLBACK_FAILED: "error",
          Result.INCONCLUSIVE: "error", Result.CANCELLED: "error"}
_PATH = "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
_DESCRIPTION_MAX = 140


class DeploymentStatuses:
    """Posts the statuses of one deployment."""

    def __init__(self, client: GitHubClient, repository: str, deployment_id: str, log_url: str | None,
                 warn: Callable[[str], None]) -> None:
        owner, _, repo = repository.partition("/")
        if not owner or not repo:
            raise UsageError(f"--deployment-id needs GITHUB_REPOSITORY as owner/name, got {repository!r}")
        if not deployment_id.isdigit():
            raise UsageError(f"--deployment-id: {deployment_id!r} is not a deployment id (a number)")
        self.client = client
        self.path = expand(_PATH, owner=owner, repo=repo, deployment_id=deployment_id)
        self.log_url = log_url
        self.warn = warn

    @classmethod
    def from_environ(cls, token: str, deployment_id: str, environ: Mapping[str, str],
                     warn: Callable[[str], None]) -> DeploymentStatuses:
        """Built from the runner's ``GITHUB_*`` variables."""
        api = environ.get("GITHUB_API_URL", "https://api.github.com")
        server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        repository = environ.get("GITHUB_REPOSITORY", "")
        run_id = environ.get("GITHUB_RUN_ID")
        log_url = f"{server}/{repository}/actions/runs/{run_id}" if run_id and repository else None
        client = GitHubClient(api, token, timeout=10.0, max_retries=2, max_wait_s=10.0)
        return cls(client, repository, deployment_id, log_url, warn)

    def post(self, state: str, description: str) -> None:
        """Post one status; warn instead of failing."""
        body = {"state": state, "description": description[:_DESCRIPTION_MAX]}
        if self.log_url:
            body["log_url"] = self.log_url
        try:
            self.client.post(self.path, body, permission="deployments: write")
        except GitHubError as exc:
            self.warn(f"could not post the deployment status {state!r}: {exc}")

    def hurry(self) -> None:
        """After a cancel: one short attempt, so the final status goes out before the runner's kill."""
        self.client.timeout = 2.0
        self.client.max_retries = 0

    def started(self) -> None:
        """The deploy began."""
        self.post("in_progress", "deploying with health monitoring and automatic rollback")

    def finished(self, result: Result, reason: str) -> None:
        """The deploy ended with ``result``."""
        self.post(STATES[result], f"{result.value}: {reason}")
