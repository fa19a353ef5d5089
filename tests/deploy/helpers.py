"""Running the real ``secure-ai-gates deploy`` command line against the fault service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deploy.conftest import Service

REPO = Path(__file__).resolve().parents[2]


@dataclass
class DeployRun:
    """A finished deploy: exit status, output, the JSON report, outputs and state."""

    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any]
    outputs: str
    state: dict[str, Any]
    summary: str

    def window(self, phase: str) -> dict[str, Any]:
        return next(w for w in self.report["windows"] if w["phase"] == phase)


def deploy_argv(service: Service, tmp_path: Path, new_version: str, *extra: str) -> list[str]:
    """The deploy command line with sub-second intervals and the service's switch commands."""
    return [sys.executable, "-m", "gates.cli", "deploy",
            "--deploy-command", service.switch_command(),
            "--rollback-command", service.switch_command("$PREVIOUS_VERSION"),
            "--current-version-command", service.version_command(),
            "--new-version", new_version,
            "--interval", "300ms", "--duration", "2s", "--verify-duration", "900ms",
            "--state-file", str(tmp_path / "state" / "deploy-state.json"),
            "--report-dir", str(tmp_path / "report"), *extra]


def env_for(tmp_path: Path) -> dict[str, str]:
    """A GitHub-like environment with output and summary files."""
    return {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "github_output"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary"), "PYTHONPATH": str(REPO)}


def run_deploy(service: Service, tmp_path: Path, new_version: str, *extra: str, timeout: float = 90) -> DeployRun:
    done = subprocess.run(deploy_argv(service, tmp_path, new_version, *extra), capture_output=True, text=True,  # noqa: S603
                          timeout=timeout, cwd=REPO, env=env_for(tmp_path))
    return collect(done.returncode, done.stdout, done.stderr, tmp_path)


def collect(returncode: int, stdout: str, stderr: str, tmp_path: Path) -> DeployRun:
    def read(path: Path) -> str:
        return path.read_text(encoding="utf-8") if path.exists() else ""

    report_text = read(tmp_path / "report" / "deploy-report.json")
    state_text = read(tmp_path / "state" / "deploy-state.json")
    return DeployRun(returncode, stdout, stderr, json.loads(report_text) if report_text else {},
                     read(tmp_path / "github_output"), json.loads(state_text) if state_text else {},
                     read(tmp_path / "step_summary"))


def output_value(outputs: str, name: str) -> str:
    """A value from a $GITHUB_OUTPUT file written with heredoc delimiters."""
    lines = outputs.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{name}<<"):
            return lines[i + 1]
    raise KeyError(name)
