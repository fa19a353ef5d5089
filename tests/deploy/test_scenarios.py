"""End-to-end deploys of the fault service through the real command line (no Prometheus)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.deploy.conftest import Service
from tests.deploy.helpers import REPO, collect, deploy_argv, env_for, output_value, run_deploy


def test_healthy_deploy_stays(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2", "--health-url", f"{service.url}/health", "--expect-body", '"ok"')
    assert run.returncode == 0, run.stdout + run.stderr
    assert service.active == "v2"
    assert [e["version"] for e in service.events()] == ["v2"]
    assert output_value(run.outputs, "result") == "healthy"
    assert output_value(run.outputs, "previous-version") == "v1"
    assert output_value(run.outputs, "deployed-version") == "v2"
    monitor = run.window("monitor")
    assert monitor["healthy"] and len(monitor["intervals"]) >= 5
    assert {i["status"] for i in monitor["intervals"]} == {"healthy"}
    assert run.state["phase"] == "healthy" and run.state["previous_version"] == "v1"
    assert "xychart-beta" in run.summary and "| result | `healthy` |" in run.summary
    assert "::notice title=Deploy monitor::injection attempts in the window is not watched" in run.stdout


def test_latency_spike_rolls_back_within_one_interval(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2-slow", "--health-url", f"{service.url}/health",
                     "--max-latency-ms", "300", "--interval", "1s", "--duration", "4s", "--verify-duration", "2s")
    assert run.returncode == 1, run.stdout + run.stderr
    assert service.active == "v1"
    bad = run.window("monitor")["intervals"][-1]
    assert bad["status"] == "bad" and bad["values"]["latency_ms"] > 600
    assert any("latency" in v for v in bad["violations"])
    assert 0 <= run.report["rollback_delay_s"] <= run.report["interval_s"]
    assert output_value(run.outputs, "result") == "rolled-back"
    assert "::warning title=Deploy rolled back::" in run.stdout


def test_error_burst_rolls_back_after_consecutive_limit(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2-errors", "--health-url", f"{service.url}/health",
                     "--failure-limit", "2", "--consecutive")
    assert run.returncode == 1, run.stdout + run.stderr
    statuses = [i["status"] for i in run.window("monitor")["intervals"]]
    assert statuses == ["bad", "bad"]  # the limit is reached at the second bad interval, not before
    assert "2 consecutive bad intervals reached the failure limit of 2" in run.report["reason"]
    assert service.active == "v1" and run.window("verify")["healthy"]


def test_crash_rolls_back_and_the_service_is_restarted(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2-crash", "--health-url", f"{service.url}/health")
    assert run.returncode == 1, run.stdout + run.stderr
    last = run.window("monitor")["intervals"][-1]
    assert last["status"] == "bad" and last["values"]["error_rate"] == 1.0
    assert service.active == "v1" and run.window("verify")["healthy"]


def test_json_metrics_injection_counter_rolls_back(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2-attacked", "--metrics-url", f"{service.url}/stats.json",
                     "--metrics-injection-path", "counters.injection_attempts_total",
                     "--endpoint-url", f"{service.url}/predict", "--probe-requests", "2")
    assert run.returncode == 1, run.stdout + run.stderr
    intervals = run.window("monitor")["intervals"]
    assert intervals[-1]["values"]["injection_attempts"] > 100
    assert intervals[0]["values"]["injection_attempts"] == 0  # the counter's baseline is the window start
    assert service.active == "v1"


def test_json_metrics_missing_field_is_inconclusive_then_fails(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2", "--metrics-url", f"{service.url}/stats.json",
                     "--metrics-latency-path", "window.p99_ms", "--inconclusive-limit", "2")
    # no data is a monitoring gap: rolled back (on-inconclusive rollback), but the same missing field
    # leaves the rollback unverified too: exit 3, "inconclusive", never "rollback failed, restore by hand"
    assert run.returncode == 3, run.stdout + run.stderr
    statuses = [i["status"] for i in run.window("monitor")["intervals"]]
    # (a fetch too slow for the 300 ms interval on a busy machine is a measurement error, counted apart)
    assert statuses.count("inconclusive") == 2 and set(statuses) <= {"inconclusive", "error"}, statuses
    assert any("no field 'p99_ms'" in m for i in run.window("monitor")["intervals"] for m in i["missing"])
    assert "inconclusive limit of 2" in run.report["reason"] and "not a bad service" in run.report["reason"]
    assert run.report["result"] == "inconclusive" and service.active == "v1"
    assert "by hand" not in run.stdout and "rollback failed" not in run.report["reason"]


def test_deploy_command_failure_rolls_back_at_once(service: Service, tmp_path: Path) -> None:
    half_done = (f"{sys.executable} {service.switch_command('x')[2:-2].split(chr(34) + ', ' + chr(34))[1]} "
                 f"switch --state-dir {service.state_dir} --version v2-errors && echo 'migration failed' >&2 && exit 4")
    run = run_deploy(service, tmp_path, "v2-errors", "--health-url", f"{service.url}/health",
                     "--deploy-command", half_done)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "deploy failed" in run.report["reason"] and "exit status 4" in run.report["reason"]
    assert [w["phase"] for w in run.report["windows"]] == ["verify"]
    assert [e["version"] for e in service.events()] == ["v2-errors", "v1"]
    assert service.active == "v1"


def test_rollback_command_failure_exits_3_with_instructions(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2-errors", "--health-url", f"{service.url}/health",
                     "--rollback-command", "echo 'cluster unreachable' >&2; exit 7")
    assert run.returncode == 3, run.stdout + run.stderr
    assert output_value(run.outputs, "result") == "rollback-failed"
    error_lines = [
        line for line in run.stdout.splitlines() if line.startswith("::error title=Deploy%3A rollback failed::")
    ]
    assert error_lines and "Restore version v1 by hand now" in error_lines[0]
    assert "cluster unreachable" in run.report["reason"]
    assert run.state["phase"] == "rollback-failed" and service.active == "v2-errors"


def test_rollback_to_the_wrong_version_is_a_failed_rollback(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2-errors", "--health-url", f"{service.url}/health",
                     "--rollback-command", service.switch_command("v2"))
    assert run.returncode == 3, run.stdout + run.stderr
    assert "reports v2 after the rollback, expected v1" in run.report["reason"]


def _start(service: Service, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(deploy_argv(service, tmp_path, "v2", "--health-url", f"{service.url}/health",  # noqa: S603
                                        "--duration", "60s", *extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env_for(tmp_path))


def _wait_for_phase(tmp_path: Path, phase: str, timeout_s: float = 20) -> None:
    path = tmp_path / "state" / "deploy-state.json"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if json.loads(path.read_text())["phase"] == phase:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"the deploy never reached phase {phase}")


def test_sigterm_during_monitoring_rolls_back(service: Service, tmp_path: Path) -> None:
    proc = _start(service, tmp_path)
    _wait_for_phase(tmp_path, "monitoring")
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=30)
    run = collect(proc.returncode, stdout, stderr, tmp_path)
    assert run.returncode == 1, stdout + stderr
    assert "cancelled by SIGTERM during monitoring" in run.report["reason"]
    assert service.active == "v1"
    assert time.monotonic() - sent < 10


def test_sigterm_during_a_slow_deploy_command_kills_it_and_rolls_back(service: Service, tmp_path: Path) -> None:
    proc = _start(service, tmp_path, "--deploy-command", "echo started; sleep 30")
    _wait_for_phase(tmp_path, "deploying")
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=30)
    run = collect(proc.returncode, stdout, stderr, tmp_path)
    assert run.returncode == 1, stdout + stderr
    assert "while the deploy command ran" in run.report["reason"]
    assert service.active == "v1" and run.state["phase"] == "rolled-back"


def test_leave_on_cancel_then_a_later_job_rolls_back_from_the_state_file(service: Service, tmp_path: Path) -> None:
    proc = _start(service, tmp_path, "--on-cancel", "leave")
    _wait_for_phase(tmp_path, "monitoring")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    first = collect(proc.returncode, stdout, stderr, tmp_path)
    assert first.returncode == 3, stdout + stderr
    assert first.state["phase"] == "cancelled" and first.state["previous_version"] == "v1"
    assert service.active == "v2"
    assert "::error title=Deploy cancelled::" in stdout and "--rollback-only" in stdout

    later = tmp_path / "later-job"
    later.mkdir()
    (later / "state").mkdir()
    (later / "state" / "deploy-state.json").write_bytes((tmp_path / "state" / "deploy-state.json").read_bytes())
    run = run_deploy(service, later, "ignored", "--rollback-only", "--health-url", f"{service.url}/health")
    assert run.returncode == 0, run.stdout + run.stderr
    assert service.active == "v1"
    assert run.state["phase"] == "rolled-back" and output_value(run.outputs, "result") == "rolled-back"


def test_unfinished_state_file_is_kept_and_reported(service: Service, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    unfinished = {"schema": 1, "previous_version": "v0", "deployed_version": "v1", "phase": "monitoring",
                  "started_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:01+00:00"}
    (state / "deploy-state.json").write_text(json.dumps(unfinished))
    run = run_deploy(service, tmp_path, "v2", "--health-url", f"{service.url}/health", "--duration", "600ms")
    assert run.returncode == 0, run.stdout + run.stderr
    kept = list(state.glob("deploy-state.unfinished-*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["previous_version"] == "v0"
    assert "::warning title=Deploy state file::" in run.stdout and "unfinished deploy" in run.stdout


def test_command_output_is_shown_but_cannot_issue_workflow_commands(service: Service, tmp_path: Path) -> None:
    noisy = f"echo '::error title=forged::not from us'; {' '.join(json.loads(service.switch_command()))}"
    run = run_deploy(service, tmp_path, "v2", "--health-url", f"{service.url}/health", "--duration", "600ms",
                     "--deploy-command", noisy)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    start = lines.index("::group::output of the deploy command")
    token = lines[start + 1].removeprefix("::stop-commands::")
    assert len(token) == 32 and lines[start + 2] == "::error title=forged::not from us"
    assert lines[start + 4] == f"::{token}::" and lines[start + 5] == "::endgroup::"
