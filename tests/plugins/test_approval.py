"""The approval gate against the local GitHub API, with real pull_request / pull_request_review payloads."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from gates.config.settings import GitHubEnv
from gates.errors import GateError
from gates.model import Checked, Errored, Skipped
from gates.plugins.approval import ApprovalGate
from gates.plugins.base import GateContext
from tests.support.github_api import (
    FORK_READ_ONLY,
    TOKEN,
    GitHubAPI,
    Reply,
    github_api,  # noqa: F401 - pytest fixture
    objects,
)

EVENTS = Path(__file__).resolve().parents[1] / "assets" / "github" / "events"
REPO = "octo-org/ml-service"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
OLD = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
AUTHOR = "dev-dana"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture
def gh(github_api: GitHubAPI) -> GitHubAPI:  # noqa: F811 - the fixture above
    """PR #42 of octo-org/ml-service and its people: roles as in a real organization."""
    github_api.state.add_pull(REPO, event("pull_request.opened.json")["pull_request"])
    for login, role in {AUTHOR: "write", "rev-rita": "write", "rev-raj": "write", "maint-mia": "maintain",
                        "sec-sam": "maintain", "ext-eve": "read", "triage-tom": "triage"}.items():
        github_api.state.set_role(REPO, login, role)
    github_api.state.add_team_member("octo-org", "security", "sec-sam")
    github_api.state.add_team_member("octo-org", "ml-reviewers", "rev-rita")
    github_api.state.add_team_member("octo-org", "ml-reviewers", "rev-raj", state="pending")
    github_api.state.add_files(REPO, 42, "src/service/filter.py", "src/service/classifier.py",
                               "tests/test_filter.py", "README.md")  # changed_files: 4 in the payload
    return github_api


def run(gh: GitHubAPI, options: dict[str, Any] | None = None, *, payload: str = "pull_request.opened.json",
        event_name: str = "pull_request", token: str | None = TOKEN, tmp: Path = Path("/tmp"),
        logs: list[str] | None = None) -> Any:
    github = GitHubEnv(actions=True, event_name=event_name, event=event(payload), repository=REPO,
                       sha="0" * 40, ref="refs/pull/42/merge", api_url=gh.url, token=token)
    ctx = GateContext(name="approval", workspace=tmp, options=options or {}, report_dir=tmp, work_dir=tmp,
                      github=github, deadline=time.monotonic() + 60,
                      log=(logs.append if logs is not None else (lambda _m: None)))
    return ApprovalGate().run(ctx)


def rule_ids(outcome: Any) -> list[str]:
    assert isinstance(outcome, Checked), outcome
    return [f.rule_id for f in outcome.findings]


def review(gh: GitHubAPI, login: str | None, state: str, commit: str = HEAD, at: str = "2026-11-20T10:00:00Z") -> None:
    gh.state.add_review(REPO, 42, login, state, commit, submitted_at=at)


# -- reviews ------------------------------------------------------------------------------------

def test_one_fresh_approval_from_a_writer_passes(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED")
    outcome = run(gh)
    assert rule_ids(outcome) == []
    assert outcome.checked >= 1 and "1/1 approvals (@rev-rita)" in outcome.summary
    assert "| @rev-rita | APPROVED | `6dcb09b` | approval | write permission |" in outcome.details
    assert outcome.metrics["approvals"] == 1


def test_no_review_is_missing_approval_with_who_must_act(gh: GitHubAPI) -> None:
    outcome = run(gh, {"required-approvals": 2})
    (finding,) = outcome.findings
    assert finding.rule_id == "APPROVAL-MISSING" and finding.severity.value == "high"
    assert "has 0 of 2 required approval(s)" in finding.message
    assert "someone with write permission" in finding.message and "@dev-dana" in finding.message
    assert "No reviews yet." in outcome.details


def test_stale_approval_does_not_count_unless_configured(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED", commit=OLD)  # then the author pushed OLD..HEAD
    outcome = run(gh, payload="pull_request.synchronize.json")
    assert rule_ids(outcome) == ["APPROVAL-MISSING"]
    assert "Approvals of an older commit by @rev-rita must be renewed on 6dcb09b" in outcome.findings[0].message
    assert "approved an older commit 1a2b3c4, not 6dcb09b" in outcome.details
    assert rule_ids(run(gh, {"allow-stale-approvals": True})) == []


def test_author_self_approval_is_ignored(gh: GitHubAPI) -> None:
    review(gh, AUTHOR, "APPROVED")
    outcome = run(gh)
    assert rule_ids(outcome) == ["APPROVAL-MISSING"]
    assert "author of the pull request: cannot approve it" in outcome.details


def test_comment_does_not_override_approval_but_dismissal_does(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED", at="2026-11-20T10:00:00Z")
    review(gh, "rev-rita", "COMMENTED", at="2026-11-20T10:05:00Z")
    assert rule_ids(run(gh)) == []
    review(gh, "rev-rita", "DISMISSED", at="2026-11-20T10:10:00Z")
    outcome = run(gh)
    assert rule_ids(outcome) == ["APPROVAL-MISSING"] and "review dismissed" in outcome.details


def test_outstanding_change_request_blocks_even_with_approvals(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED")
    review(gh, "maint-mia", "CHANGES_REQUESTED", at="2026-11-20T10:01:00Z")
    review(gh, "maint-mia", "COMMENTED", at="2026-11-20T10:02:00Z")
    outcome = run(gh)
    assert rule_ids(outcome) == ["APPROVAL-CHANGES-REQUESTED"]
    message = outcome.findings[0].message
    assert "@maint-mia requested changes" in message and "@maint-mia must approve" in message
    assert "dismiss" in message and "changes requested by @maint-mia" in outcome.summary


def test_change_request_resolved_by_a_later_approval(gh: GitHubAPI) -> None:
    review(gh, "maint-mia", "CHANGES_REQUESTED", at="2026-11-20T10:01:00Z")
    review(gh, "maint-mia", "APPROVED", at="2026-11-20T10:30:00Z")
    assert rule_ids(run(gh)) == []


def test_change_request_from_someone_without_permission_does_not_block(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED")
    review(gh, "ext-eve", "CHANGES_REQUESTED")
    outcome = run(gh)
    assert rule_ids(outcome) == []
    assert "requested changes, but has read permission: does not block" in outcome.details


def test_deleted_accounts_and_pending_reviews_are_ignored(gh: GitHubAPI) -> None:
    review(gh, None, "APPROVED")
    review(gh, "rev-raj", "PENDING")
    assert rule_ids(run(gh)) == ["APPROVAL-MISSING"]


# -- permissions and teams ------------------------------------------------------------------------

def test_permission_levels(gh: GitHubAPI) -> None:
    review(gh, "ext-eve", "APPROVED")
    review(gh, "triage-tom", "APPROVED")
    outcome = run(gh)
    assert rule_ids(outcome) == ["APPROVAL-MISSING"]
    assert "has read permission, approval needs write" in outcome.details
    assert "has triage permission, approval needs write" in outcome.details
    assert rule_ids(run(gh, {"approver-permission": "triage"})) == []
    assert rule_ids(run(gh, {"approver-permission": "none"})) == []
    review(gh, "rev-rita", "APPROVED")
    assert rule_ids(run(gh, {"approver-permission": "maintain"})) == ["APPROVAL-MISSING"]
    review(gh, "maint-mia", "APPROVED")
    assert rule_ids(run(gh, {"approver-permission": "maintain"})) == []


def test_team_membership(gh: GitHubAPI) -> None:
    review(gh, "rev-raj", "APPROVED")  # invited to the team, invitation pending
    review(gh, "maint-mia", "APPROVED")  # not in the team
    options = {"approver-teams": ["octo-org/ml-reviewers"]}
    outcome = run(gh, options)
    assert rule_ids(outcome) == ["APPROVAL-MISSING"]
    assert "not a member of octo-org/ml-reviewers" in outcome.details
    assert "member of octo-org/ml-reviewers" in outcome.findings[0].message
    review(gh, "rev-rita", "APPROVED")
    outcome = run(gh, {"approver-teams": ["@octo-org/ml-reviewers"]})
    assert rule_ids(outcome) == [] and "write permission, member of octo-org/ml-reviewers" in outcome.details
    assert rule_ids(run(gh, {"approver-teams": ["ml-reviewers"]})) == []  # the repository's organization


def test_team_membership_needs_a_token_that_can_read_teams(gh: GitHubAPI) -> None:
    gh.add_token("ghs_actions", FORK_READ_ONLY)  # what GITHUB_TOKEN gets: never members: read
    review(gh, "rev-rita", "APPROVED")
    outcome = run(gh, {"approver-teams": ["octo-org/ml-reviewers"]}, token="ghs_actions")
    assert isinstance(outcome, Errored)
    assert "403" in outcome.reason and "members: read" in outcome.reason and "GITHUB_TOKEN" in outcome.reason
    assert "ghs_actions" not in outcome.reason


def test_read_only_fork_token_is_enough_without_teams(gh: GitHubAPI) -> None:
    gh.add_token("ghs_fork", FORK_READ_ONLY)
    gh.state.add_pull(REPO, event("pull_request.opened.fork.json")["pull_request"])
    gh.state.add_review(REPO, 57, "rev-rita", "APPROVED", HEAD)
    gh.state.add_files(REPO, 57, "src/a.py", "src/b.py", "src/c.py", "docs/d.md")
    assert rule_ids(run(gh, payload="pull_request.opened.fork.json", token="ghs_fork")) == []


# -- label alternative ------------------------------------------------------------------------------

def _labelled(gh: GitHubAPI, actor: str) -> None:
    gh.state.add_pull(REPO, event("pull_request.labeled.json")["pull_request"])
    gh.state.add_label_event(REPO, 42, "rev-rita", "needs-review", created_at="2026-11-20T09:00:00Z")
    gh.state.add_label_event(REPO, 42, actor, "security-approved")


def test_label_applied_by_a_maintainer_replaces_reviews(gh: GitHubAPI) -> None:
    _labelled(gh, "maint-mia")
    outcome = run(gh, {"label": "security-approved"}, payload="pull_request.labeled.json")
    assert rule_ids(outcome) == []
    assert "label `security-approved` by @maint-mia" in outcome.summary
    assert "applied by @maint-mia (maintain permission): satisfies approval" in outcome.details
    assert len(gh.calls_to("issues/list-events")) == 1


@pytest.mark.parametrize(("actor", "why"), [
    ("rev-rita", "has write permission, label needs maintain"),
    (AUTHOR, "applied by the author @dev-dana: does not count"),
])
def test_label_from_someone_without_authority_does_not_count(gh: GitHubAPI, actor: str, why: str) -> None:
    _labelled(gh, actor)
    outcome = run(gh, {"label": "security-approved"}, payload="pull_request.labeled.json")
    assert rule_ids(outcome) == ["APPROVAL-MISSING"]
    assert why in outcome.details
    assert "can apply the label `security-approved`" in outcome.findings[0].message


def test_label_removed_and_reapplied_counts_the_last_applier(gh: GitHubAPI) -> None:
    _labelled(gh, "maint-mia")
    gh.state.add_label_event(REPO, 42, "maint-mia", "security-approved", event="unlabeled",
                             created_at="2026-11-20T11:30:00Z")
    gh.state.add_label_event(REPO, 42, "rev-rita", "security-approved", created_at="2026-11-20T12:00:00Z")
    assert rule_ids(run(gh, {"label": "security-approved"})) == ["APPROVAL-MISSING"]


def test_label_in_a_team(gh: GitHubAPI) -> None:
    _labelled(gh, "maint-mia")
    options = {"label": "security-approved", "label-teams": ["octo-org/security"]}
    assert rule_ids(run(gh, options)) == ["APPROVAL-MISSING"]
    _labelled(gh, "sec-sam")
    assert rule_ids(run(gh, options)) == []


def test_label_not_on_the_pull_request_costs_no_event_call(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED")
    outcome = run(gh, {"label": "security-approved"})
    assert rule_ids(outcome) == [] and "label `security-approved` is not on the pull request" in outcome.details
    assert gh.calls_to("issues/list-events") == []


# -- sensitive paths ---------------------------------------------------------------------------------

def test_sensitive_paths_need_the_stricter_rule(gh: GitHubAPI) -> None:
    gh.state.add_files(REPO, 42, ".github/workflows/deploy.yml", "models/model.lock")
    review(gh, "rev-rita", "APPROVED")
    options = {"sensitive-paths": {"approver-teams": ["octo-org/security"]}}
    outcome = run(gh, options)
    assert rule_ids(outcome) == ["APPROVAL-SENSITIVE-PATHS"]
    message = outcome.findings[0].message
    assert ".github/workflows/deploy.yml, models/model.lock" in message
    assert "maintain permission who is a member of octo-org/security" in message
    review(gh, "sec-sam", "APPROVED")
    outcome = run(gh, options)
    assert rule_ids(outcome) == [] and "2 sensitive file(s), 1/1 stricter approvals" in outcome.summary


def test_sensitive_paths_default_globs_and_renames(gh: GitHubAPI) -> None:
    gh.route("pulls/list-files", lambda req: Reply(200, [
        objects.pull_file(REPO, "config/gates.yml", status="renamed", previous=".github/secure-ai-gates.yml"),
        objects.pull_file(REPO, "eval/perf-baseline.json"), objects.pull_file(REPO, "src/app.py")]))
    pull = copy.deepcopy(event("pull_request.opened.json")["pull_request"])
    pull["changed_files"] = 3  # a rename is one changed file with two names
    gh.state.add_pull(REPO, pull)
    review(gh, "rev-rita", "APPROVED")
    outcome = run(gh)
    assert rule_ids(outcome) == ["APPROVAL-SENSITIVE-PATHS"]
    assert outcome.findings[0].properties["files"] == [".github/secure-ai-gates.yml", "eval/perf-baseline.json"]
    assert outcome.metrics["files"] == 3
    assert rule_ids(run(gh, {"sensitive-paths": {"paths": []}})) == []
    assert rule_ids(run(gh, {"sensitive-paths": {"paths": ["src/**"]}})) == ["APPROVAL-SENSITIVE-PATHS"]


def test_label_can_satisfy_the_sensitive_rule(gh: GitHubAPI) -> None:
    gh.state.add_files(REPO, 42, "data/train.manifest.json")
    review(gh, "rev-rita", "APPROVED")
    _labelled(gh, "sec-sam")
    options = {"label": "security-approved", "sensitive-paths": {"approver-teams": ["octo-org/security"]}}
    outcome = run(gh, options)
    assert rule_ids(outcome) == [] and "and sensitive paths" in outcome.details
    _labelled(gh, "maint-mia")
    outcome = run(gh, options)
    assert rule_ids(outcome) == ["APPROVAL-SENSITIVE-PATHS"] and "but not sensitive paths" in outcome.details


# -- pagination ---------------------------------------------------------------------------------------

def test_reviews_and_files_are_read_across_pages(gh: GitHubAPI) -> None:
    for i in range(130):
        review(gh, f"drive-by-{i:03d}", "COMMENTED", at=f"2026-11-20T09:{i // 60:02d}:{i % 60:02d}Z")
    review(gh, "sec-sam", "APPROVED", at="2026-11-20T11:00:00Z")
    gh.state.add_files(REPO, 42, *(f"src/module_{i:03d}.py" for i in range(240)), ".github/workflows/ci.yml")
    outcome = run(gh)
    assert rule_ids(outcome) == []
    assert outcome.metrics["reviews"] == 131 and outcome.metrics["files"] == 245
    assert outcome.metrics["sensitive_files"] == 1
    assert len(gh.calls_to("pulls/list-reviews")) == 2 and len(gh.calls_to("pulls/list-files")) == 3
    assert gh.calls_to("repos/get-collaborator-permission-level")[0].path.endswith("/sec-sam/permission")


def test_more_changed_files_than_the_api_lists_count_as_sensitive(gh: GitHubAPI) -> None:
    pull = copy.deepcopy(event("pull_request.opened.json")["pull_request"])
    pull["changed_files"] = 3500
    gh.state.add_pull(REPO, pull)
    review(gh, "rev-rita", "APPROVED")
    outcome = run(gh)
    assert rule_ids(outcome) == ["APPROVAL-SENSITIVE-PATHS"]
    assert "3496 more changed files the API did not list" in outcome.findings[0].message


# -- events -------------------------------------------------------------------------------------------

def test_pull_request_review_event(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED")
    outcome = run(gh, payload="pull_request_review.submitted.json", event_name="pull_request_review")
    assert rule_ids(outcome) == []


def test_pull_request_moved_on_since_the_event(gh: GitHubAPI) -> None:
    pull = copy.deepcopy(event("pull_request.opened.json")["pull_request"])
    pull["head"]["sha"] = "9" * 40
    gh.state.add_pull(REPO, pull)
    review(gh, "rev-rita", "APPROVED", commit="9" * 40)
    outcome = run(gh)
    assert rule_ids(outcome) == ["APPROVAL-MISSING"]
    assert "moved on to `9999999`; approvals are judged on `6dcb09b`" in outcome.details


def test_outside_pull_requests_points_to_environments(gh: GitHubAPI) -> None:
    outcome = run(gh, payload="push.json", event_name="push")
    assert isinstance(outcome, Skipped)
    assert "event push" in outcome.reason and "GitHub Environment with required reviewers" in outcome.reason
    assert gh.calls == []


# -- API failures -------------------------------------------------------------------------------------

def test_no_token_on_a_pull_request_is_an_error(gh: GitHubAPI) -> None:
    outcome = run(gh, token=None)
    assert isinstance(outcome, Errored) and "no GitHub token" in outcome.reason
    assert "pull-requests: read" in outcome.reason


def test_rejected_token(gh: GitHubAPI) -> None:
    outcome = run(gh, token="ghs_revoked")
    assert isinstance(outcome, Errored) and "401" in outcome.reason and "token was rejected" in outcome.reason


def test_token_without_pull_requests_read(gh: GitHubAPI) -> None:
    gh.add_token("ghs_contents_only", {"contents": "read", "metadata": "read"})
    outcome = run(gh, token="ghs_contents_only")
    assert isinstance(outcome, Errored)
    assert "403" in outcome.reason and "`pull-requests: read`" in outcome.reason
    assert "permissions:" in outcome.reason and "pull_requests=read" in outcome.reason


def test_pull_request_not_found(gh: GitHubAPI) -> None:
    gh.state.pulls.clear()
    outcome = run(gh)
    assert isinstance(outcome, Errored) and "404" in outcome.reason and "/pulls/42" in outcome.reason


def test_rate_limit_with_retry_after_is_waited_out(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED")
    gh.rate_limit("pulls/list-reviews", retry_after=1)
    logs: list[str] = []
    started = time.monotonic()
    assert rule_ids(run(gh, logs=logs)) == []
    assert time.monotonic() - started >= 1.0
    assert any("rate limited (403); retrying in 1.0s" in line for line in logs)


def test_cancellation_ends_a_rate_limit_wait(gh: GitHubAPI) -> None:
    gh.rate_limit("pulls/get", retry_after=30)
    github = GitHubEnv(event_name="pull_request", event=event("pull_request.opened.json"), repository=REPO,
                       api_url=gh.url, token=TOKEN)
    ctx = GateContext(name="approval", workspace=Path("/tmp"), options={}, report_dir=Path("/tmp"),
                      work_dir=Path("/tmp"), github=github, log=lambda _m: None)
    ctx.cancelled.set()
    started = time.monotonic()
    with pytest.raises(GateError, match="cancelled"):
        ApprovalGate().run(ctx)
    assert time.monotonic() - started < 2


def test_rate_limit_beyond_max_wait_is_an_error(gh: GitHubAPI) -> None:
    gh.rate_limit("pulls/get", reset_in=900)
    started = time.monotonic()
    outcome = run(gh, {"max-wait": "5s"})
    assert isinstance(outcome, Errored) and "rate limited" in outcome.reason and "5s allowed" in outcome.reason
    assert time.monotonic() - started < 2


def test_server_errors_are_retried_then_succeed(gh: GitHubAPI) -> None:
    review(gh, "rev-rita", "APPROVED")
    gh.fail("pulls/list-files", 502, times=1)
    assert rule_ids(run(gh)) == []
    assert [c.status for c in gh.calls_to("pulls/list-files")] == [502, 200]


def test_server_errors_beyond_the_retries_are_an_error(gh: GitHubAPI) -> None:
    gh.fail("pulls/list-reviews", 500, times=10)
    outcome = run(gh, {"retries": 1})
    assert isinstance(outcome, Errored) and "500" in outcome.reason and "2 attempt(s)" in outcome.reason
    assert len(gh.calls_to("pulls/list-reviews")) == 2


# -- configuration --------------------------------------------------------------------------------

EXAMPLE = """
gates:
  approval:
    required-approvals: 2
    approver-permission: write
    approver-teams: [octo-org/ml-reviewers]
    allow-stale-approvals: false
    label: security-approved
    label-permission: maintain
    label-teams: ["@octo-org/security"]
    sensitive-paths:
      paths: [".github/workflows/**", "models/*.lock", "*.manifest.json"]
      required-approvals: 1
      approver-teams: [octo-org/security]
      approver-permission: maintain
    max-wait: 90s
    retries: 3
"""


def test_example_configuration_validates(tmp_path: Path) -> None:
    from gates.config.loader import load_yaml, validate
    from gates.errors import ConfigError

    path = tmp_path / "secure-ai-gates.yml"
    path.write_text(EXAMPLE, encoding="utf-8")
    validate(*load_yaml(path), str(path))
    path.write_text(EXAMPLE.replace("approver-permission: write", "approver-permission: owner"), encoding="utf-8")
    with pytest.raises(ConfigError, match="approver-permission"):
        validate(*load_yaml(path), str(path))


# -- end to end: the command line as a workflow step runs it -------------------------------------------

def test_command_line_exit_codes(gh: GitHubAPI, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "GITHUB_EVENT_PATH": str(EVENTS / "pull_request.opened.json"),
           "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": gh.url,
           "GITHUB_TOKEN": TOKEN}
    env.pop("GITHUB_ACTIONS", None)
    from tests.support.git_repo import as_pull_request

    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "README.md").write_text("app\n", encoding="utf-8")
    env = as_pull_request(tmp_path / "ws", env, tmp_path / "event.json", keep_head=True)
    command = [sys.executable, "-m", "gates", "run", "--gates", "approval", "--workspace", str(tmp_path / "ws")]
    cwd = Path(__file__).resolve().parents[2]

    def status(extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, env={**env, **(extra or {})}, cwd=cwd, capture_output=True, text=True,
                              timeout=120, check=False)

    missing = status()
    assert missing.returncode == 1 and "APPROVAL-MISSING" in missing.stdout
    review(gh, "rev-rita", "APPROVED")
    assert status().returncode == 0
    revoked = status({"GITHUB_TOKEN": "ghs_revoked"})
    assert revoked.returncode == 3 and "token was rejected" in revoked.stdout + revoked.stderr
    assert "ghs_revoked" not in revoked.stdout + revoked.stderr
    report = json.loads((tmp_path / "ws" / "secure-ai-gates-report" / "report.json").read_text(encoding="utf-8"))
    assert [g["status"] for g in report["gates"] if g["name"] == "approval"] == ["error"]
