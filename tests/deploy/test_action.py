"""deploy/action.yml: valid, injection-free, in step with the option table, and runnable via INPUT_*."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from gates.deploy.options import OPTIONS
from gates.github.client import GitHubClient
from gates.proc import find_executable
from tests.deploy.conftest import Service
from tests.deploy.helpers import REPO, output_value
from tests.support.github_api import TOKEN, GitHubAPI, github_api  # noqa: F401 - the fixture

ACTION = REPO / "deploy" / "action.yml"


def _tool(name: str) -> str:
    path = find_executable(name)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install {name})")
    return path


def test_action_yml_passes_the_github_actions_schema() -> None:
    done = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)],  # noqa: S603
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_yml_has_no_zizmor_findings() -> None:
    done = subprocess.run([_tool("zizmor"), "--offline", str(ACTION)], capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stdout + done.stderr


def test_inputs_mirror_the_option_table() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert list(action["inputs"]) == [o.name for o in OPTIONS]
    steps = action["runs"]["steps"]
    env = steps[-1]["env"]
    for option in OPTIONS:
        key = f"INPUT_{option.name.upper().replace('-', '_')}"
        assert env[key] == f"${{{{ inputs.{option.name} }}}}"
        declared = action["inputs"][option.name]
        if option.default is not None:
            assert declared["default"] == option.default, option.name
        assert declared["description"]
    for step in steps:  # no input or expression is ever pasted into a script
        assert "${{" not in step["run"]
    assert steps[-1]["run"].startswith("exec ")  # the runner's signals must reach the program
    assert set(action["outputs"]) == {"result", "previous-version", "deployed-version", "report"}
    assert 'pip install' in steps[0]["run"] and '"$GITHUB_ACTION_PATH/.."' in steps[0]["run"]


def test_inputs_alone_drive_a_deploy(service: Service, tmp_path: Path) -> None:
    """The environment the composite step builds (defaults applied, both spellings) runs a deploy."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    for name, spec in action["inputs"].items():
        default = spec.get("default", "")
        env[f"INPUT_{name.upper().replace('-', '_')}"] = "" if "${{" in str(default) else str(default)
    env.update({
        "INPUT_DEPLOY_COMMAND": service.switch_command(),
        "INPUT_ROLLBACK-COMMAND": service.switch_command("$PREVIOUS_VERSION"),  # the hyphen spelling
        "INPUT_CURRENT_VERSION_COMMAND": service.version_command(),
        "INPUT_NEW_VERSION": "v2", "INPUT_HEALTH_URL": f"{service.url}/health",
        "INPUT_INTERVAL": "250ms", "INPUT_DURATION": "1s",
        "INPUT_STATE_FILE": str(tmp_path / "state.json"), "INPUT_REPORT_DIR": str(tmp_path / "report"),
        "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "out"), "PYTHONPATH": str(REPO),
    })
    env.pop("INPUT_ROLLBACK_COMMAND")
    done = subprocess.run([sys.executable, "-m", "gates.cli", "deploy"], capture_output=True, text=True,  # noqa: S603
                          timeout=60, cwd=REPO, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = (tmp_path / "out").read_text(encoding="utf-8")
    assert output_value(outputs, "result") == "healthy" and output_value(outputs, "previous-version") == "v1"
    assert service.active == "v2"


def test_readme_documents_every_input() -> None:
    readme = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    for option in OPTIONS:
        assert f"| `{option.name}` |" in readme, option.name


# GitHub's runner cancels a step by sending SIGINT to the step's process (the shell), SIGTERM
# 7.5 s later, and killing the process tree 2.5 s after that (actions/runner ProcessInvoker).
SIGINT_TO_SIGTERM_S = 7.5
SIGTERM_TO_KILL_S = 2.5
REPO_NAME = "octo-org/ml-service"


def _step(tmp_path: Path, run: str) -> tuple[list[str], Path]:
    """The deploy step's script as the runner writes it, and a RUNNER_TEMP holding our program."""
    script = tmp_path / "step.sh"
    script.write_text(run + "\n", encoding="utf-8")
    program = tmp_path / "runner_temp" / "secure-ai-gates-deploy" / "bin" / "secure-ai-gates"
    program.parent.mkdir(parents=True)
    program.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(REPO)!r})\n"
                       "from gates.cli import main\nsys.exit(main())\n", encoding="utf-8")
    program.chmod(0o755)
    return ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", str(script)], tmp_path / "runner_temp"


def _step_env(service: Service, tmp_path: Path, runner_temp: Path, gh: GitHubAPI, deployment_id: str) -> dict[str, str]:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    for name, spec in action["inputs"].items():  # the defaults, as the composite step passes them
        default = spec.get("default", "")
        env[f"INPUT_{name.upper().replace('-', '_')}"] = "" if "${{" in str(default) else str(default)
    env.update({
        "INPUT_DEPLOY_COMMAND": service.switch_command(),
        "INPUT_ROLLBACK_COMMAND": service.switch_command("$PREVIOUS_VERSION"),
        "INPUT_CURRENT_VERSION_COMMAND": service.version_command(), "INPUT_NEW_VERSION": "v2",
        "INPUT_HEALTH_URL": f"{service.url}/health", "INPUT_STATE_FILE": str(tmp_path / "state.json"),
        "INPUT_REPORT_DIR": str(tmp_path / "report"), "INPUT_GITHUB_TOKEN": TOKEN, "INPUT_DEPLOYMENT_ID": deployment_id,
        "RUNNER_TEMP": str(runner_temp), "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_API_URL": gh.url, "GITHUB_REPOSITORY": REPO_NAME, "GITHUB_RUN_ID": "7",
    })
    return env


def _cancel_like_the_runner(proc: subprocess.Popen[str], target: int) -> list[str]:
    """SIGINT, SIGTERM 7.5 s later, the kill 2.5 s after that; return the signals that had to be sent."""
    sent = ["SIGINT"]
    os.kill(target, signal.SIGINT)
    for name, wait in (("SIGTERM", SIGINT_TO_SIGTERM_S), ("SIGKILL", SIGTERM_TO_KILL_S)):
        try:
            proc.wait(timeout=wait)
            return sent
        except subprocess.TimeoutExpired:
            sent.append(name)
            os.kill(target, getattr(signal, name))
    proc.wait(timeout=10)
    return sent


@pytest.mark.parametrize("run", ["shipped", "without exec"])
def test_cancelling_the_shipped_step_rolls_back_within_the_runners_window(
        service: Service, tmp_path: Path, github_api: GitHubAPI, run: str) -> None:  # noqa: F811
    """The step script of deploy/action.yml under bash, default monitoring settings, a runner-style cancel."""
    script = yaml.safe_load(ACTION.read_text(encoding="utf-8"))["runs"]["steps"][-1]["run"]
    if run == "without exec":  # the step as it was: the test must catch the orphaned program
        script = script.removeprefix("exec ")
    client = GitHubClient(github_api.url, TOKEN)
    deployment_id = str(client.post(f"/repos/{REPO_NAME}/deployments", {"ref": "main", "environment": "prod"})["id"])
    argv, runner_temp = _step(tmp_path, script)
    log = open(tmp_path / "step.log", "w", encoding="utf-8")  # noqa: SIM115 - a file: an orphan may keep it open
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True,  # noqa: S603
                            env=_step_env(service, tmp_path, runner_temp, github_api, deployment_id))
    children: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = json.loads((tmp_path / "state.json").read_text()) if (tmp_path / "state.json").exists() else {}
            if state.get("phase") == "monitoring":
                break
            time.sleep(0.05)
        time.sleep(1.0)  # a few intervals into the window (default interval 30 s, duration 10 m)
        children = _children(proc.pid)
        started = time.monotonic()
        sent = _cancel_like_the_runner(proc, proc.pid)
        elapsed = time.monotonic() - started
        output = (tmp_path / "step.log").read_text(encoding="utf-8")
        statuses = [s["state"] for s in client.get(f"/repos/{REPO_NAME}/deployments/{deployment_id}/statuses")]
        if run == "without exec":
            assert service.active == "v2" and statuses[0] == "in_progress"  # the bug the exec fixes
            return
        assert sent == ["SIGINT"] and elapsed < SIGINT_TO_SIGTERM_S, (sent, elapsed, output)
        assert proc.returncode == 1, output
        assert service.active == "v1" and statuses == ["failure", "in_progress"], output
        assert "cancelled: verifying for" in output and output_value((tmp_path / "out").read_text(), "result") == \
            "rolled-back"
        assert json.loads((tmp_path / "state.json").read_text())["phase"] == "rolled-back"
    finally:
        for pid in children:  # the orphaned program of the 'without exec' run
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found
