"""The composite action's step (scripts/action-run.sh) on both runtimes.

Docker: the container gets an allow-list of variables: the action's inputs, the run's read-only
facts, the two file commands the gates write and the names in pass-env; never an ``ACTIONS_*``
token, ``GITHUB_TOKEN`` or ``GITHUB_ENV``/``GITHUB_PATH``/``GITHUB_STATE``. The script runs with
podman standing in for docker (a shim records the arguments and execs podman).
Host: every Python the step starts runs isolated, from a fresh directory under ``RUNNER_TEMP``.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.commands.test_cli import ROOT, read_outputs
from tests.security.pr import RUNNER_SECRETS
from tests.support.podman import IMAGE, action_image, docker_shim

SCRIPT = ROOT / "scripts" / "action-run.sh"


def _step(tmp_path: Path, **extra: str) -> tuple[dict[str, str], Path, Path]:
    runner_temp = tmp_path / "runner_temp"
    files = runner_temp / "_runner_file_commands"
    files.mkdir(parents=True)
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "app.py").write_text("def add(a, b):\n    return a + b\n")
    for path in (ws, files):
        path.chmod(0o777)  # the image runs as uid 1001
    env = {"GITHUB_ACTION_PATH": str(ROOT), "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(ws),
           "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(files / "output"),
           "GITHUB_STEP_SUMMARY": str(files / "summary"), "GITHUB_ENV": str(files / "set_env"),
           "GITHUB_PATH": str(files / "add_path"), "GITHUB_STATE": str(files / "save_state"),
           "INPUT_RUNTIME": "docker", "INPUT_IMAGE": IMAGE, "INPUT_GATES": "code-security", "INPUT_CHECK_NAME": "",
           "INPUT_REPORT_DIR": "secure-ai-gates-report", "INPUT_GITHUB_TOKEN": "ghs_inputTokenForTheContainer00",
           **RUNNER_SECRETS, **extra}
    return env, ws, files


def test_pass_env_refuses_the_runners_variables(tmp_path: Path) -> None:
    for name in ("ACTIONS_RUNTIME_TOKEN", "github_token", "INPUT_GITHUB_TOKEN", "RUNNER_TEMP"):
        env, _, _ = _step(tmp_path / name, INPUT_PASS_ENV=f"MODEL_API_KEY, {name}")
        env = {**os.environ, **env, "PATH": "/nonexistent:" + os.environ["PATH"]}
        result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"pass-env: '{name}' belongs to the runner" in result.stdout


@pytest.mark.slow
def test_the_container_gets_an_allow_list(tmp_path: Path) -> None:
    podman = action_image()
    record = tmp_path / "docker-args"
    shim = docker_shim(tmp_path / "bin", record)
    env, ws, files = _step(tmp_path, INPUT_PASS_ENV="MODEL_API_KEY", MODEL_API_KEY="sk-model-key")
    env = {**podman.env, **env, "PATH": f"{shim}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert read_outputs(files / "output")["status"] == "passed"
    args = record.read_text().splitlines()
    passed = {args[i + 1] for i, a in enumerate(args) if a == "--env"}
    assert {"INPUT_GATES", "INPUT_GITHUB_TOKEN", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE",
            "RUNNER_TEMP", "MODEL_API_KEY"} <= passed
    assert not [n for n in passed if n.startswith("ACTIONS_")]
    assert not {"GITHUB_TOKEN", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE"} & passed
    assert (ws / "secure-ai-gates-report" / "report.json").is_file()


def test_host_runtime_installs_and_runs_isolated_from_runner_temp() -> None:
    """Read from the script: a full host install takes minutes, the commands are what matters."""
    text = SCRIPT.read_text()
    host = text[text.index("  host)"):text.index("  docker)")]
    pythons = [line.strip() for line in host.splitlines() if re.search(r'"\$(python_bin|py)"', line)]
    assert len(pythons) == 3 and all(' -I -m ' in line for line in pythons), pythons
    assert 'mktemp -d "${RUNNER_TEMP:-/tmp}/secure-ai-gates.XXXXXX"' in host
    assert all(line.startswith(("(cd \"$work\"", "exec ")) for line in pythons)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["python", "-I", "-B", "-u", "/opt/secure-ai-gates/entrypoint.py"]' in dockerfile
