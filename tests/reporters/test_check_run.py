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


def _big(n: int) -> RunResult:
    code = tuple(finding(f"B{i % 50:03d}", Severity.HIGH if i % 4 else Severity.LOW, path=f"src/m{i % 300}.py",
                         line=i % 900 + 1) for i in range(n))
    deps = tuple(finding(f"PYSEC-{i}", Severity.HIGH, path="requirements.txt", line=i + 1) for i in range(8))
    gates = (GateResult(name="code-security", title="Code", status=Status.FAILED, summary="s", duration_s=1,
                        findings=code, tool="bandit", fail_on=Severity.HIGH),
             GateResult(name="dependencies", title="Deps", status=Status.FAILED, summary="8 vulns", duration_s=1,
                        findings=deps, tool="pip-audit"))
    return RunResult(gates=gates, duration_s=2, workspace=".", config_source="x")


def test_many_findings_capped_summary_sent_once_and_run_completed_last(github_api: GitHubAPI,  # noqa: F811
                                                                       tmp_path: Path) -> None:
    from dataclasses import replace

    from gates.reporters.check_run import ANNOTATION_CAP

    env = replace(_env(github_api, tmp_path), api_write_interval_s=0.0, repo_prefix="apps/ml/")
    CheckRunReporter().write(_big(5_000), env)
    creates, updates = github_api.calls_to("checks/create"), github_api.calls_to("checks/update")
    assert len(creates) + len(updates) == ANNOTATION_CAP // 50 == 20
    assert creates[0].body["status"] == "in_progress"
    summaries = [c.body["output"]["summary"] for c in creates + updates]
    assert sum(len(s) > 1000 for s in summaries) == 1 and len(summaries[-1]) > 1000  # the full one, once, last
    assert "annotates 1000 of the 5008 findings" in summaries[-1].replace("\\", "")
    assert updates[-1].body["status"] == "completed" and updates[-1].body["conclusion"] == "failure"
    assert all(c.body["output"]["annotations"] for c in creates + updates)
    (annotations,) = github_api.state.annotations.values()
    assert len(annotations) == ANNOTATION_CAP
    assert sum(a["path"] == "apps/ml/requirements.txt" for a in annotations) == 8  # their fair share, all of them
    assert all(a["path"].startswith("apps/ml/") for a in annotations)


def test_low_rate_limit_budget_completes_the_run_early(github_api: GitHubAPI, tmp_path: Path) -> None:  # noqa: F811
    from dataclasses import replace

    default = github_api.routes["checks/update"]

    def low_budget(req):  # type: ignore[no-untyped-def]
        reply = default(req)
        reply.headers["X-RateLimit-Remaining"] = "3"
        return reply

    github_api.route("checks/update", low_budget)
    env = replace(_env(github_api, tmp_path), api_write_interval_s=0.0)
    CheckRunReporter().write(_big(3_000), env)
    updates = github_api.calls_to("checks/update")
    assert len(updates) == 2 and updates[-1].body["status"] == "completed"  # the answer to the first said 3 left
    assert "with 150 annotation(s) in 3 request(s)" in env.stream.getvalue()  # type: ignore[attr-defined]


def test_a_failed_batch_still_completes_the_run_with_its_verdict(github_api: GitHubAPI,  # noqa: F811
                                                                 tmp_path: Path) -> None:
    from dataclasses import replace

    github_api.fail("checks/update", 422, times=1)
    env = replace(_env(github_api, tmp_path), api_write_interval_s=0.0)
    CheckRunReporter().write(_big(200), env)
    ((_, run),) = github_api.state.check_runs.items()
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert "could not be written in full" in env.stream.getvalue()  # type: ignore[attr-defined]
    assert "it was completed with its verdict" in env.stream.getvalue()  # type: ignore[attr-defined]


def test_writes_are_paced() -> None:
    from gates.github.ratelimit import Pacer

    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=sleep)
    for method in ("POST", "GET", "PATCH", "PATCH"):
        pacer.before(method)
        now[0] += 0.25
    assert slept == [0.5, 0.75] and pacer.writes == 3  # the GET in between is not paced
    pacer.observe({"X-RateLimit-Remaining": "12"})
    assert pacer.remaining_below(20) and not pacer.remaining_below(5)


def test_findings_without_a_file_are_annotated_on_their_gates_config_key(github_api: GitHubAPI,  # noqa: F811
                                                                         tmp_path: Path) -> None:
    from tests.test_locate import CONFIG, LINES, ai_run

    workspace = tmp_path / "ws"
    (workspace / ".github").mkdir(parents=True)
    (workspace / ".github" / "secure-ai-gates.yml").write_text(CONFIG)
    env = _env(github_api, tmp_path)
    CheckRunReporter().write(ai_run(workspace), env)
    ((_, run),) = github_api.state.check_runs.items()
    (annotations,) = github_api.state.annotations.values()
    placed = {a["title"].split(" · ")[0]: (a["path"], a["start_line"], a["annotation_level"]) for a in annotations}
    config = ".github/secure-ai-gates.yml"
    assert placed == {"code-security": ("src/app.py", 5, "failure"),
                      **{gate: (config, line, "failure") for gate, line in LINES.items()}}
    assert "text" not in run["_request"]["output"]  # nothing left without a place
