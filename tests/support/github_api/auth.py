"""Tokens and the GitHub App permissions each operation needs (401/403 like GitHub)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The GitHub App permission each operation needs (alternatives: any one is enough).
PERMISSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "pulls/get": (("pull_requests", "read"),), "pulls/list-reviews": (("pull_requests", "read"),),
    "pulls/list-files": (("pull_requests", "read"),), "pulls/update": (("pull_requests", "write"),),
    "pulls/create-review": (("pull_requests", "write"),),
    "issues/list-events": (("issues", "read"), ("pull_requests", "read")),
    "issues/list-labels-on-issue": (("issues", "read"), ("pull_requests", "read")),
    "issues/list-comments": (("issues", "read"), ("pull_requests", "read")),
    "issues/get-comment": (("issues", "read"), ("pull_requests", "read")),
    "repos/get-collaborator-permission-level": (("metadata", "read"),),
    "teams/get-membership-for-user-in-org": (("members", "read"),),
    "checks/get": (("checks", "read"),), "checks/list-annotations": (("checks", "read"),),
    "checks/list-for-ref": (("checks", "read"),),
    "checks/create": (("checks", "write"),), "checks/update": (("checks", "write"),),
    "repos/create-commit-status": (("statuses", "write"),),
    "repos/list-deployments": (("deployments", "read"),),
    "repos/list-deployment-statuses": (("deployments", "read"),),
    "repos/create-deployment": (("deployments", "write"),),
    "repos/create-deployment-status": (("deployments", "write"),),
    "code-scanning/upload-sarif": (("security_events", "write"),),
    "repos/get-content": (("contents", "read"),), "actions/list-artifacts-for-repo": (("actions", "read"),),
}
_REPO_PERMS = ("actions", "checks", "contents", "deployments", "issues", "metadata", "pull_requests",
               "security_events", "statuses")
FULL_ACCESS: Mapping[str, str] = {**{p: "write" for p in _REPO_PERMS}, "members": "read"}
FORK_READ_ONLY: Mapping[str, str] = {p: "read" for p in _REPO_PERMS}  # a fork PR's GITHUB_TOKEN


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer|token`` header."""
    auth = headers.get("Authorization")
    if not auth or " " not in auth:
        return None
    return auth.split(" ", 1)[1]


def authorize(tokens: Mapping[str, Mapping[str, str]], operation_id: str,
              token: str | None) -> tuple[int, Any, dict[str, str]] | None:
    """None when ``token`` may call the operation, else the 401/403 answer GitHub gives."""
    if token is None or token not in tokens:
        message = "Requires authentication" if token is None else "Bad credentials"
        return 401, {"message": message, "documentation_url": "https://docs.github.com/rest",
                     "status": "401"}, {}
    grants = tokens[token]
    needed = PERMISSIONS.get(operation_id, ())
    for name, level in needed:
        have = grants.get(name)
        if have == level or have == "write":
            return None
    if not needed:
        return None
    accepted = "; ".join(f"{name}={level}" for name, level in needed)
    return 403, {"message": "Resource not accessible by integration", "status": "403",
                 "documentation_url": "https://docs.github.com/rest"}, {"X-Accepted-GitHub-Permissions": accepted}
