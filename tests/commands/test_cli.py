"""The entrypoint as a user and as GitHub's runner see it: a subprocess, files, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "assets" / "spine"


def run_cli(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
            entry: str = "entrypoint") -> subprocess.CompletedProcess[str]:
    """Run ``python entrypoint.py ARGS`` (or ``-m gates``) with a clean, explicit environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    base.update(env or {})
    command = (
        [sys.executable, str(ROOT / "entrypoint.py")] if entry == "entrypoint" else [sys.executable, "-m", "gates"]
    )
    return subprocess.run(command + args, cwd=cwd or ROOT, env=base, capture_output=True, text=True, timeout=600)


def simulated_runner(tmp_path: Path, event: str | None = "pull_request.json", **inputs: str) -> dict[str, str]:
    """The variables GitHub sets for a Docker/composite step, with INPUT_* as given."""
    fc = tmp_path / "file_commands"
    fc.mkdir(exist_ok=True)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(fc / "step_summary"),
           "GITHUB_OUTPUT": str(fc / "output"), "GITHUB_EVENT_NAME": "pull_request",
           "GITHUB_REPOSITORY": "octo-org/ml-app", "GITHUB_SHA": "a" * 40, "GITHUB_WORKSPACE": str(tmp_path / "ws")}
    if event:
        env["GITHUB_EVENT_PATH"] = str(EVENTS / event)
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return env


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file written with heredoc delimiters."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: dict[str, str] = {}
    i = 0
    while i < len(lines):
        key, delimiter = lines[i].split("<<", 1)
        j = lines.index(delimiter, i + 1)
        out[key] = "\n".join(lines[i + 1:j])
        i = j + 1
    return out


def test_help_imports_no_engine() -> None:
    code = ("import sys, gates.cli; gates.cli.build_parser(); "
            "print([m for m in ('yaml','jsonschema','requests','bandit','pylint','pip_audit','torch','garak',"
            "'numpy','model_signing') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_help_and_bad_flag() -> None:
    assert run_cli(["--help"]).returncode == 0
    bad = run_cli(["run", "--no-such-flag"])
    assert bad.returncode == 2 and "unrecognized arguments" in bad.stderr and "Traceback" not in bad.stderr


def test_unknown_gate_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["run", "--workspace", str(tmp_path), "--gates", "code-securty"])
    assert result.returncode == 2
    assert "unknown gate 'code-securty' (did you mean 'code-security'?)" in result.stderr


def test_config_error_in_actions_reaches_summary_annotation_and_outputs(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / ".github").mkdir(parents=True)
    (ws / ".github" / "secure-ai-gates.yml").write_text("gates:\n  dependencies:\n    fail-on: hgh\n")
    env = {**simulated_runner(tmp_path, event="push.json"), "GITHUB_EVENT_NAME": "push"}
    result = run_cli([], env=env, cwd=ws)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "secure-ai-gates.yml:3: gates.dependencies.fail-on: 'hgh' is not one of" in result.stderr
    assert "::error title=secure-ai-gates configuration error::" in result.stdout
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "configuration error" in summary and "gates.dependencies.fail-on" in summary
    assert read_outputs(Path(env["GITHUB_OUTPUT"]))["status"] == "error"


def test_missing_config_file_is_exit_2(tmp_path: Path) -> None:
    result = run_cli(["run", "--workspace", str(tmp_path), "--config", "nope.yml"])
    assert result.returncode == 2 and "config file not found: nope.yml" in result.stderr


def test_report_dir_that_is_a_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("user data")
    result = run_cli(["run", "--workspace", str(tmp_path), "--report-dir", str(tmp_path / "taken")])
    assert result.returncode == 2
    assert (tmp_path / "taken").read_text() == "user data"


def test_bad_event_payload_is_exit_2(tmp_path: Path) -> None:
    env = simulated_runner(tmp_path)
    env["GITHUB_EVENT_PATH"] = str(tmp_path / "missing.json")
    (tmp_path / "ws").mkdir()
    result = run_cli(["run"], env=env)
    assert result.returncode == 2 and "GITHUB_EVENT_PATH points to a missing file" in result.stderr
