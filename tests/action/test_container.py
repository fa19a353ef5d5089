"""The Docker path for real: build the Dockerfile with podman and run it as GitHub runs a step.

The base image is Debian bookworm's Python 3.11 tagged as python:3.12-slim (no registry here),
so this proves the Dockerfile, the image's entrypoint and the file commands, not Python 3.12.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.commands.test_cli import read_outputs
from tests.support.podman import IMAGE, REPO, Podman, action_image, docker_shim

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def podman() -> Podman:
    return action_image()


def _run(podman: Podman, ws: Path, fc: Path, *extra_env: str, args: tuple[str, ...] = ()) -> int:
    env = ["-e", "GITHUB_ACTIONS=true", "-e", "GITHUB_WORKSPACE=/github/workspace",
           "-e", "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary",
           "-e", "GITHUB_OUTPUT=/github/file_commands/output"]
    for item in extra_env:
        env += ["-e", item]
    result = podman("run", "--rm", "--network", "none", "--workdir", "/github/workspace",
                    "-v", f"{ws}:/github/workspace", "-v", f"{fc}:/github/file_commands", *env, IMAGE, *args,
                    check=False, timeout=600)
    podman.last_output = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")  # type: ignore[attr-defined]
    return result.returncode


def _workspace(tmp_path: Path, code: str) -> tuple[Path, Path]:
    ws, fc = tmp_path / "ws", tmp_path / "fc"
    (ws / "src").mkdir(parents=True)
    fc.mkdir()
    (ws / "src" / "app.py").write_text(code)
    for d in (ws, fc):
        os.chmod(d, 0o777)  # the image runs as uid 1001
    return ws, fc


def test_failing_gate_exit_1_with_summary_and_outputs(podman: Podman, tmp_path: Path) -> None:
    ws, fc = _workspace(tmp_path, "import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n")
    code = _run(podman, ws, fc, "INPUT_GATES=code-security", "INPUT_FAIL-ON=medium")
    assert code == 1, podman.last_output  # type: ignore[attr-defined]
    outputs = read_outputs(fc / "output")
    assert outputs["status"] == "failed" and outputs["failed-gates"] == "code-security"
    assert outputs["report"] == "/github/workspace/secure-ai-gates-report/report.json"
    assert "B602" in (fc / "step_summary").read_text()
    assert "::error file=src/app.py,line=4" in podman.last_output  # type: ignore[attr-defined]


def test_passing_gate_exit_0(podman: Podman, tmp_path: Path) -> None:
    ws, fc = _workspace(tmp_path, "def add(a: int, b: int) -> int:\n    return a + b\n")
    assert _run(podman, ws, fc, "INPUT_GATES=code-security") == 0, podman.last_output  # type: ignore[attr-defined]
    assert read_outputs(fc / "output")["status"] == "passed"


def test_config_error_exit_2(podman: Podman, tmp_path: Path) -> None:
    ws, fc = _workspace(tmp_path, "x = 1\n")
    (ws / ".github").mkdir()
    (ws / ".github" / "secure-ai-gates.yml").write_text("gates:\n  code-securty: {}\n")
    assert _run(podman, ws, fc) == 2
    assert "did you mean 'code-security'" in podman.last_output  # type: ignore[attr-defined]
    assert read_outputs(fc / "output")["status"] == "error"


def test_image_has_no_build_tools_and_runs_as_non_root(podman: Podman) -> None:
    result = podman("run", "--rm", "--entrypoint", "sh", IMAGE, "-c", "id -u; command -v gcc || echo no-gcc")
    out = result.stdout.decode().split()
    assert out[0] == "1001" and out[1] == "no-gcc"
    assert shutil.which("podman")


def test_composite_action_script_runs_the_image(podman: Podman, tmp_path: Path) -> None:
    """scripts/action-run.sh (the composite action's step) with podman standing in for docker."""
    import subprocess

    shim = docker_shim(tmp_path / "bin")
    runner_temp = tmp_path / "runner_temp"
    (runner_temp / "_runner_file_commands").mkdir(parents=True)
    ws, _ = _workspace(tmp_path, "import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n")
    files = runner_temp / "_runner_file_commands"
    env = {**podman.env, "PATH": f"{shim}:{os.environ['PATH']}", "GITHUB_ACTION_PATH": str(REPO),
           "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(ws), "RUNNER_TEMP": str(runner_temp),
           "GITHUB_OUTPUT": str(files / "output"), "GITHUB_STEP_SUMMARY": str(files / "summary"),
           "INPUT_RUNTIME": "docker", "INPUT_IMAGE": IMAGE, "INPUT_GATES": "code-security",
           "INPUT_CHECK_NAME": "", "INPUT_REPORT_DIR": "secure-ai-gates-report"}
    result = subprocess.run(["bash", str(REPO / "scripts" / "action-run.sh")], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    outputs = read_outputs(files / "output")
    assert outputs["status"] == "failed"
    assert outputs["report"] == str(ws / "secure-ai-gates-report" / "report.json")  # a path valid on the runner
    assert Path(outputs["report"]).is_file()


def test_composite_action_rejects_a_bad_mode(tmp_path: Path) -> None:
    import subprocess

    env = {**os.environ, "GITHUB_ACTION_PATH": str(REPO), "INPUT_MODE": "deploy"}
    result = subprocess.run(["bash", str(REPO / "scripts" / "action-run.sh")], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "mode must be run or merge" in result.stdout
