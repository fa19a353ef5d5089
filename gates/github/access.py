"""Who may do what in a repository: collaborator roles and team membership, cached per run.

Roles are ordered ``read < triage < write < maintain < admin``. A custom repository role is
ranked by the base permissions GitHub reports for it (``user.permissions``). A 404 from the
permission endpoint means "not a collaborator" (rank 0); a 404 from the team membership
endpoint means "not a member" (GitHub's documented answer; also what a token that cannot see
the team gets, which fails closed). Pending invitations are not membership.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gates.github.client import GitHubClient, expand
from gates.github.errors import GitHubAuthError, GitHubNotFound

ROLES = ("none", "read", "triage", "write", "maintain", "admin")
_PERMISSION_FLAGS = (("admin", "admin"), ("maintain", "maintain"), ("push", "write"), ("triage", "triage"),
                     ("pull", "read"))
COLLABORATOR_PERMISSION = "metadata: read"
TEAM_PERMISSION = "members: read"
TEAM_HINT = ("`members: read` is an organization permission that the workflow's GITHUB_TOKEN never has: "
             "pass a GitHub App installation token or a fine-grained token that can read the "
             "organization's teams as `github-token`")


def rank(role: str) -> int:
    """0 for none up to 5 for admin."""
    return ROLES.index(role) if role in ROLES else 0


@dataclass(frozen=True)
class Team:
    """An organization team, written ``org/slug`` (or ``@org/slug``) in the configuration."""

    org: str
    slug: str

    @classmethod
    def parse(cls, text: str, default_org: str) -> Team:
        """Parse ``org/slug``, ``@org/slug`` or a bare ``slug`` (in ``default_org``)."""
        text = text.strip().lstrip("@")
        if "/" in text:
            org, slug = text.split("/", 1)
            return cls(org, slug)
        return cls(default_org, text)

    def __str__(self) -> str:
        return f"{self.org}/{self.slug}"


def role_of(answer: Mapping[str, Any]) -> str:
    """The effective role from a ``repository-collaborator-permission`` answer."""
    role = str(answer.get("role_name") or "")
    if role in ROLES:
        return role
    flags = (answer.get("user") or {}).get("permissions") or {}
    for flag, name in _PERMISSION_FLAGS:
        if flags.get(flag):
            return name
    legacy = str(answer.get("permission") or "none")
    return legacy if legacy in ROLES else "none"


class Access:
    """Answers role and team questions for one repository, asking GitHub once per question."""

    def __init__(self, client: GitHubClient, owner: str, repo: str) -> None:
        self._client = client
        self._owner = owner
        self._repo = repo
        self._roles: dict[str, str] = {}
        self._members: dict[tuple[str, str, str], bool] = {}

    def role(self, login: str) -> str:
        """The repository role of ``login`` (``none`` when not a collaborator)."""
        key = login.casefold()
        if key not in self._roles:
            path = expand("/repos/{owner}/{repo}/collaborators/{username}/permission",
                          owner=self._owner, repo=self._repo, username=login)
            try:
                self._roles[key] = role_of(self._client.get(path, permission=COLLABORATOR_PERMISSION))
            except GitHubNotFound:
                self._roles[key] = "none"
        return self._roles[key]

    def has_role(self, login: str, minimum: str) -> bool:
        """True when ``login``'s role is at least ``minimum`` (``none`` accepts everyone)."""
        return minimum == "none" or rank(self.role(login)) >= rank(minimum)

    def in_team(self, team: Team, login: str) -> bool:
        """True when ``login`` is an active member (or maintainer) of ``team``."""
        key = (team.org.casefold(), team.slug.casefold(), login.casefold())
        if key not in self._members:
            path = expand("/orgs/{org}/teams/{team_slug}/memberships/{username}",
                          org=team.org, team_slug=team.slug, username=login)
            try:
                answer = self._client.get(path, permission=TEAM_PERMISSION)
                self._members[key] = isinstance(answer, Mapping) and answer.get("state") == "active"
            except GitHubNotFound:
                self._members[key] = False
            except GitHubAuthError as exc:
                raise GitHubAuthError(f"{exc}. Team {team}: {TEAM_HINT}", permission=exc.permission,
                                      accepted_permissions=exc.accepted_permissions, status=exc.status,
                                      method=exc.method, path=exc.path,
                                      documentation_url=exc.documentation_url) from None
        return self._members[key]

    def teams_of(self, teams: tuple[Team, ...], login: str) -> list[Team]:
        """The teams in ``teams`` that ``login`` actively belongs to."""
        return [team for team in teams if self.in_team(team, login)]
