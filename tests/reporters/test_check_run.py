"""The check-run reporter against the local GitHub API that validates every request
against GitHub's official OpenAPI description."""

from __future__ import annotations

import io
from pathlib import Path

from gates.config.settings import GitHubEnv
from gates.model import GateResult, RunResult, Severity, Status
from gates.reporters.base import ReportEnv
from gates.reporters.check_run import CheckRunReporter
from tests.support.fake_gates import finding
from tests.support.github_api import FORK_READ_ONLY, TOKEN, GitHubAPI, github_api  # noqa: F401

HEAD = "b" * 40


def _run(n: int) -> RunResult:
    findings = tuple(finding(f"B{i:03d}", Severity.HIGH if i % 2 else Severity.LOW, path=f"src/m{i % 7}.py",
                             line=i + 1) for i in range(n))
    pathless = finding("PYSEC-2024-1", Severity.HIGH, path=None, line=None, package="requests")
    gates = (GateResult(name="code-security", title="Code", status=Status.FAILED, summary="s", duration_s=1,
                        findings=findings, tool="bandit", fail_on=Severity.HIGH),
             GateResult(name="dependencies", title="Deps", status=Status.FAILED, summary="1 vuln", duration_s=1,
                        findings=(pathless,), tool="pip-audit"))
    return RunResult(gates=gates, duration_s=2, workspace=".", config_source="x")


def _env(api: GitHubAPI, tmp_path: Path, token: str = TOKEN, fork: bool = False) -> ReportEnv:
    pr = {"head": {"sha": HEAD, "repo": {"full_name": "contributor/ml-app" if fork else "octo-org/ml-app"}},
          "base": {"sha": "c" * 40, "repo": {"full_name": "octo-org/ml-app"}}}
    github = GitHubEnv(actions=True, event_name="pull_request", event={"pull_request": pr},
                       repository="octo-org/ml-app", sha="a" * 40, api_url=api.url, token=token, run_id="77")
    return ReportEnv(report_dir=tmp_path, github=github, stream=io.StringIO(), check_name="secure-ai-gates")


def test_every_annotation_sent_in_batches_of_50(github_api: GitHubAPI, tmp_path: Path) -> None:  # noqa: F811
    env = _env(github_api, tmp_path)
    reporter = CheckRunReporter()
    assert reporter.active(env)
    reporter.write(_run(120), env)
    creates, updates = github_api.calls_to("checks/create"), github_api.calls_to("checks/update")
    assert len(creates) == 1 and len(updates) == 2
    ((_, run),) = github_api.state.check_runs.items()
    assert run["name"] == "secure-ai-gates" and run["head_sha"] == HEAD and run["conclusion"] == "failure"
    assert len(run["_request"]["output"]["summary"]) <= 65535
    assert "PYSEC-2024-1" in run["_request"]["output"]["text"]
    (annotations,) = github_api.state.annotations.values()
    assert len(annotations) == 120
    assert {a["path"] for a in annotations} == {f"src/m{i}.py" for i in range(7)}
    levels = [a["annotation_level"] for a in annotations]
    assert levels[:60] == ["failure"] * 60 and set(levels[60:]) == {"notice"}  # blocking first


def test_fork_token_falls_back_and_says_so(github_api: GitHubAPI, tmp_path: Path) -> None:  # noqa: F811
    github_api.add_token("ghs_forkReadOnly", FORK_READ_ONLY)
    env = _env(github_api, tmp_path, token="ghs_forkReadOnly", fork=True)
    CheckRunReporter().write(_run(3), env)
    out = env.stream.getvalue()  # type: ignore[attr-defined]
    assert out.startswith("::warning title=secure-ai-gates check run::no check run 'secure-ai-gates' was created")
    assert "from a fork" in out and "checks: write" in out
    assert github_api.state.check_runs == {}


def test_server_errors_are_retried_then_reported(github_api: GitHubAPI, tmp_path: Path) -> None:  # noqa: F811
    github_api.fail("checks/create", 502, times=2)
    env = _env(github_api, tmp_path)
    CheckRunReporter().write(_run(2), env)
    assert len(github_api.state.check_runs) == 1


def test_inactive_without_name_token_or_outside_actions(github_api: GitHubAPI, tmp_path: Path) -> None:  # noqa: F811
    env = _env(github_api, tmp_path)
    from dataclasses import replace

    assert not CheckRunReporter().active(replace(env, check_name=""))
    assert not CheckRunReporter().active(replace(env, github=replace(env.github, token=None)))
    assert not CheckRunReporter().active(replace(env, github=replace(env.github, actions=False)))
