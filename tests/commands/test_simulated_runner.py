"""The entrypoint in a simulated GitHub runner: real gates, real files, every exit path.

GITHUB_STEP_SUMMARY, GITHUB_OUTPUT and GITHUB_EVENT_PATH (a real pull_request payload) are temp
files; inputs arrive as INPUT_* variables in both spellings.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.commands.test_cli import read_outputs, run_cli, simulated_runner
from tests.support.git_repo import as_pull_request

VULNERABLE = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"


def _workspace(tmp_path: Path, code: str) -> Path:
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "app.py").write_text(code)
    return ws


def _pr(ws: Path, env: dict[str, str]) -> dict[str, str]:
    """The workspace as the base of a pull request (real git), as the runner checks it out."""
    return as_pull_request(ws, env, ws.parent / "event.json")


def test_pass_writes_summary_outputs_and_reports(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, CLEAN)
    env = simulated_runner(tmp_path, gates="code-security")
    result = run_cli([], env=_pr(ws, env), cwd=ws)
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs == {"status": "passed", "failed-gates": "", "report": str(ws / "secure-ai-gates-report/report.json"),
                       "sarif": str(ws / "secure-ai-gates-report/results.sarif")}
    report = json.loads(Path(outputs["report"]).read_text())
    assert report["schema"] == 1 and report["status"] == "passed"
    statuses = {g["name"]: g["status"] for g in report["gates"]}
    assert statuses["code-security"] == "passed" and statuses["approval"] == "skipped"
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "## 🛡️ secure-ai-gates: ✅ passed" in summary
    assert "::group::code-security: passed" in result.stdout


def test_fail_annotates_the_line_and_exits_1(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, VULNERABLE)
    env = simulated_runner(tmp_path, **{"gates": "code-security", "fail-on": "medium"})  # INPUT_FAIL-ON
    result = run_cli([], env=_pr(ws, env), cwd=ws)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "::error file=src/app.py,line=5,col=5,title=code-security · B602 subprocess_popen" in result.stdout
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["status"] == "failed" and outputs["failed-gates"] == "code-security"
    sarif = json.loads(Path(outputs["sarif"]).read_text())
    (bandit,) = [r for r in sarif["runs"] if r["tool"]["driver"]["name"] == "bandit"]
    assert {r["ruleId"] for r in bandit["results"]} == {"B404", "B602"}


def test_underscore_spelling_and_flag_precedence(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, VULNERABLE)
    env = simulated_runner(tmp_path, event="push.json", gates="code-security")
    env.update({"INPUT_FAIL_ON": "low", "GITHUB_EVENT_NAME": "push"})
    # the flag wins over the input: critical lets the high finding through (on a push; on a pull
    # request flags may only tighten the base policy, tests/security/test_policy_pull_request.py)
    result = run_cli(["run", "--fail-on", "critical"], env=env, cwd=ws)
    assert result.returncode == 0, result.stdout + result.stderr


def test_error_exits_3(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, CLEAN)
    env = simulated_runner(tmp_path, gates="model-security", endpoint="http://127.0.0.1:9/v1/chat/completions")
    result = run_cli([], env=_pr(ws, env), cwd=ws)
    assert result.returncode == 3, result.stdout + result.stderr
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["status"] == "error" and outputs["failed-gates"] == "model-security"
    assert "::error title=secure-ai-gates%3A model-security::model-security could not decide" in result.stdout


def test_failed_and_errored_together_exit_1(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, VULNERABLE)
    env = simulated_runner(tmp_path, gates="code-security,model-security", endpoint="http://127.0.0.1:9/v1")
    result = run_cli([], env=_pr(ws, env), cwd=ws)
    assert result.returncode == 1, result.stdout + result.stderr
    assert read_outputs(Path(env["GITHUB_OUTPUT"]))["failed-gates"] == "code-security,model-security"


def test_token_is_masked_and_never_written(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, CLEAN)
    secret = "ghs_superSecretTokenValue123"
    env = simulated_runner(tmp_path, gates="code-security", **{"github-token": secret, "check-name": ""})
    result = run_cli([], env=_pr(ws, env), cwd=ws)
    assert f"::add-mask::{secret}" in result.stdout
    assert result.stdout.count(secret) == 1
    for path in (ws / "secure-ai-gates-report").iterdir():
        assert secret not in path.read_text()
