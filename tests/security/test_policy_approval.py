"""A policy change passes only with the policy owners' approval (GitHub API stand-in, real git, real CLI)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.commands.test_cli import run_cli
from tests.support.git_repo import commit_all, git
from tests.support.github_api import TOKEN, GitHubAPI, github_api  # noqa: F401 - pytest fixture

EVENTS = Path(__file__).resolve().parents[1] / "assets" / "github" / "events"
REPO = "octo-org/ml-service"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"  # the head sha of the recorded event and its reviews
CONFIG = ".github/secure-ai-gates.yml"
BASE = ("version: 1\ngates:\n  code-security:\n    paths: [src]\n    fail-on: high\n"
        "  approval:\n    required-approvals: 1\n")


def _setup(tmp: Path, gh: GitHubAPI) -> dict[str, str]:
    event = json.loads((EVENTS / "pull_request.opened.json").read_text(encoding="utf-8"))
    gh.state.add_pull(REPO, event["pull_request"])
    for login, role in {"dev-dana": "write", "rev-rita": "write", "maint-mia": "maintain"}.items():
        gh.state.set_role(REPO, login, role)
    gh.state.add_files(REPO, 42, CONFIG, "src/app.py", "README.md", "tests/test_app.py")
    ws = tmp / "ws"
    (ws / ".github").mkdir(parents=True)
    (ws / "src").mkdir()
    (ws / CONFIG).write_text(BASE, encoding="utf-8")
    (ws / "src" / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    base = commit_all(ws, "base")
    git(ws, "checkout", "-q", "-b", "pr")
    (ws / CONFIG).write_text(BASE.replace("fail-on: high", "fail-on: critical"), encoding="utf-8")
    head = commit_all(ws, "pull request: raise fail-on")
    event["pull_request"]["base"]["sha"] = base
    (tmp / "event.json").write_text(json.dumps(event), encoding="utf-8")
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(tmp / "event.json"),
            "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": gh.url, "GITHUB_TOKEN": TOKEN, "GITHUB_SHA": head,
            "GITHUB_WORKSPACE": str(ws), "INPUT_GATES": "code-security,approval", "INPUT_CHECK-NAME": ""}


def _policy(ws: Path) -> dict[str, object]:
    report = json.loads((ws / "secure-ai-gates-report" / "report.json").read_text(encoding="utf-8"))
    return next(g for g in report["gates"] if g["name"] == "policy")


def test_policy_change_needs_the_sensitive_path_approvers(tmp_path: Path, github_api: GitHubAPI) -> None:  # noqa: F811
    env = _setup(tmp_path, github_api)
    ws = Path(env["GITHUB_WORKSPACE"])
    unreviewed = run_cli([], env=env, cwd=ws)
    assert unreviewed.returncode == 1, unreviewed.stdout + unreviewed.stderr
    assert _policy(ws)["status"] == "failed"
    github_api.state.add_review(REPO, 42, "rev-rita", "APPROVED", HEAD, submitted_at="2026-11-20T10:00:00Z")
    writer_only = run_cli([], env=env, cwd=ws)  # enough for the normal rule, not for a policy file
    assert writer_only.returncode == 1 and _policy(ws)["status"] == "failed", writer_only.stdout
    github_api.state.add_review(REPO, 42, "maint-mia", "APPROVED", HEAD, submitted_at="2026-11-20T11:00:00Z")
    owners = run_cli([], env=env, cwd=ws)
    assert owners.returncode == 0, owners.stdout + owners.stderr
    policy = _policy(ws)
    assert policy["status"] == "passed" and policy["metrics"]["approved"] is True  # type: ignore[index]
    assert "sensitive-path rule" in policy["findings"][0]["message"]  # type: ignore[index]
