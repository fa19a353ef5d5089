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
from tests.support.podman import IMAGE, REPO, Podman, unavailable_reason

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Podman:
    reason = unavailable_reason()
    if reason:
        print(f"SKIP container tests: {reason}")
        pytest.skip(reason)
    tool = Podman(Path(os.environ.get("SECURE_AI_GATES_PODMAN_ROOT", str(REPO / ".cache" / "podman"))))
    tool.build_action_image()
    return tool


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
