"""Gate ``approval``: a human with authority approved the pull request.

Reads the pull request, its reviews, its changed files and (for the label alternative) its
issue events from the GitHub API with the workflow's token, then applies the policy of
:mod:`gates.github.approvals`. Outside pull requests it is skipped: deployments get their
human approval from a GitHub Environment with required reviewers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gates import __version__
from gates.config.durations import parse_duration
from gates.errors import ConfigError, GateError
from gates.github.access import Access, Team
from gates.github.approval_report import report
from gates.github.approvals import Policy, Rule, evaluate
from gates.github.client import GitHubClient, expand
from gates.github.errors import GitHubError
from gates.github.reviews import label_applier, standings
from gates.model import Checked, Errored, Outcome, Skipped
from gates.plugins.base import Gate, GateContext

DEFAULT_SENSITIVE_PATHS = (
    ".github/workflows/**", ".github/actions/**", ".github/secure-ai-gates.yml", ".github/secure-ai-gates.yaml",
    "CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", "*.manifest.json", "manifest.json",
    "model.lock", "models.lock", "*.model.lock", "*.sig", "*.sigstore", "*waivers*.yml", "*waivers*.yaml",
    "*baseline*.json",
)
PULLS_READ = "pull-requests: read"
EVENTS_READ = "issues: read (or pull-requests: read)"
SKIP_REASON = (
    "not a pull request ({event}): the approval gate checks pull-request reviews. To require a "
    "human approval before a deployment, run the deploy job in a GitHub Environment with required "
    "reviewers (`environment: production` in the job; Settings > Environments > Required reviewers)")


def _teams(items: Any, owner: str) -> tuple[Team, ...]:
    return tuple(Team.parse(str(item), owner) for item in items or ())


def policy_from_options(options: Mapping[str, Any], owner: str) -> Policy:
    """The policy of the gate's (schema-validated) options, defaults applied."""
    base = Rule("approval", int(options.get("required-approvals", 1)),
                str(options.get("approver-permission", "write")), _teams(options.get("approver-teams"), owner))
    section = options.get("sensitive-paths") or {}
    globs = tuple(section.get("paths", DEFAULT_SENSITIVE_PATHS))
    sensitive = Rule("sensitive paths", int(section.get("required-approvals", 1)),
                     str(section.get("approver-permission", "maintain")),
                     _teams(section.get("approver-teams"), owner)) if globs else None
    label = options.get("label")
    label_rule = Rule("label", 1, str(options.get("label-permission", "maintain")),
                      _teams(options.get("label-teams"), owner)) if label else None
    return Policy(base=base, sensitive=sensitive, sensitive_globs=globs,
                  allow_stale=bool(options.get("allow-stale-approvals", False)),
                  label=str(label) if label else None, label_rule=label_rule)


def _sleeper(ctx: GateContext) -> Callable[[float], None]:
    """A sleep for the client's waits that ends the gate when the run is cancelled."""
    def sleep(seconds: float) -> None:
        if ctx.cancelled.wait(seconds):
            raise GateError("cancelled while waiting to retry the GitHub API")
    return sleep


class ApprovalGate(Gate):
    """A human with authority approved: enough reviews, no change requests, stricter rules for sensitive paths."""

    name = "approval"
    title = "Approval"
    tool = "approval"
    default_timeout_s = 300.0

    def run(self, ctx: GateContext) -> Outcome:
        gh = ctx.github
        pull = gh.pull_request
        if pull is None:
            return Skipped(SKIP_REASON.format(event=f"event {gh.event_name}" if gh.event_name else "no event"))
        repository = gh.repository or str((gh.event.get("repository") or {}).get("full_name") or "")
        number = pull.get("number") or gh.event.get("number")
        if "/" not in repository or not number:
            return Errored("the event payload names no repository or pull request number; "
                           "run the gate on pull_request or pull_request_review events")
        if not gh.token:
            return Errored("no GitHub token: the approval gate reads reviews through the API. Pass "
                           "`github-token: ${{ github.token }}` (the default) and grant `pull-requests: read` "
                           "in the workflow's `permissions:`")
        owner, repo = repository.split("/", 1)
        policy = policy_from_options(ctx.options, owner)
        try:
            max_wait = parse_duration(ctx.options.get("max-wait", 60))
        except ValueError as exc:
            raise ConfigError(str(exc), key="gates.approval.max-wait") from None
        client = GitHubClient(gh.api_url, gh.token, user_agent=f"secure-ai-gates/{__version__}",
                              timeout=ctx.remaining(30.0), max_retries=int(ctx.options.get("retries", 3)),
                              max_wait_s=min(max_wait, ctx.remaining()), log=ctx.log,
                              sleep=_sleeper(ctx))
        head_sha = gh.head_sha or str((pull.get("head") or {}).get("sha") or "")
        try:
            return self._decide(client, policy, owner, repo, int(number), head_sha)
        except GitHubError as exc:
            return Errored(str(exc))

    def _decide(self, client: GitHubClient, policy: Policy, owner: str, repo: str, number: int,
                head_sha: str) -> Checked:
        params = {"owner": owner, "repo": repo, "pull_number": number}
        pull = client.get(expand("/repos/{owner}/{repo}/pulls/{pull_number}", **params), permission=PULLS_READ)
        author = str((pull.get("user") or {}).get("login") or "")
        reviews = list(client.paginate(expand("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", **params),
                                       permission=PULLS_READ))
        files: list[str] = []  # changed paths, with the old path of a rename
        listed = unlisted = 0
        if policy.sensitive is not None:
            for item in client.paginate(expand("/repos/{owner}/{repo}/pulls/{pull_number}/files", **params),
                                        permission=PULLS_READ):
                listed += 1
                files.append(str(item["filename"]))
                if item.get("previous_filename"):
                    files.append(str(item["previous_filename"]))
            unlisted = max(0, int(pull.get("changed_files") or 0) - listed)  # the API lists 3000 at most
        applied = None
        labels = {str(item.get("name", "")).casefold() for item in pull.get("labels") or ()}
        if policy.label and policy.label.casefold() in labels:
            events = client.paginate(expand("/repos/{owner}/{repo}/issues/{issue_number}/events", owner=owner,
                                            repo=repo, issue_number=number), permission=EVENTS_READ)
            applied = label_applier(events, policy.label)
        access = Access(client, owner, repo)
        evaluation = evaluate(policy, standings(reviews), author, head_sha, files, applied, access,
                              unlisted_files=unlisted)
        api_head = str((pull.get("head") or {}).get("sha") or "")
        return report(policy, evaluation, repository=f"{owner}/{repo}", number=number, author=author,
                      head_sha=head_sha, api_head=api_head, reviews=len(reviews), files=listed)
