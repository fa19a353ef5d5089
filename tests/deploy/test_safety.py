"""Never lose the last good version: a full disk, a killed run, an orphaned deploy command, two runs at once."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.conftest import Service
from tests.deploy.helpers import REPO, deploy_argv, env_for, output_value, run_deploy

STATE = Path("state") / "deploy-state.json"


def _start(service: Service, tmp_path: Path, version: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(deploy_argv(service, tmp_path, version, "--health-url", f"{service.url}/health",  # noqa: S603
                                        *extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env_for(tmp_path))


def _wait_for(path: Path, phase: str, key: str = "phase", timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            state = json.loads(path.read_text())
            if state[key] == phase or (key == "command_pid" and state[key]):
                return state
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"the state file never showed {key}={phase}")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (root only): a disk that a deploy command can fill."""
    mount = tmp_path / "state"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],  # noqa: S603,S607
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)  # noqa: S603,S607


def test_a_full_disk_never_skips_the_rollback(service: Service, tmp_path: Path, tiny_disk: Path) -> None:
    switch = " ".join(json.loads(service.switch_command()))
    fill = f"head -c 1000000 /dev/zero > {tiny_disk}/filler; {switch}"  # the deploy fills the state's disk
    run = run_deploy(service, tmp_path, "v2-errors", "--health-url", f"{service.url}/health", "--deploy-command", fill)
    assert run.returncode == 1, run.stdout + run.stderr
    assert service.active == "v1" and run.window("verify")["healthy"]
    assert [e["version"] for e in service.events()] == ["v2-errors", "v1"]
    assert "cannot write the state file" in run.stdout and "No space left on device" in run.stdout
    assert "The state file is out of date" in run.report["action_needed"]
    assert run.state["phase"] == "deploying"  # the last write that fitted; the report says it is behind


def test_a_killed_run_then_a_new_deploy_rolls_back_to_the_last_verified_version(service: Service,
                                                                                 tmp_path: Path) -> None:
    first = _start(service, tmp_path, "v2", "--duration", "60s")
    _wait_for(tmp_path / STATE, "monitoring")
    first.kill()  # the runner's SIGKILL: v2 serves, never verified
    first.communicate(timeout=30)
    assert service.active == "v2"

    second = tmp_path / "second"
    second.mkdir()
    (second / "state").mkdir()
    (second / STATE).write_bytes((tmp_path / STATE).read_bytes())
    run = run_deploy(service, second, "v2-errors", "--health-url", f"{service.url}/health")
    assert run.returncode == 1, run.stdout + run.stderr
    assert output_value(run.outputs, "previous-version") == "v1"
    assert run.state["previous_version"] == "v1" and run.state["in_service_version"] == "v2"
    assert service.active == "v1"  # not the unverified v2
    assert "v2, was never verified healthy" in run.stdout


def test_rollback_only_stops_a_deploy_command_still_in_flight(service: Service, tmp_path: Path) -> None:
    switch = " ".join(json.loads(service.switch_command()))
    slow = f"sleep 4; {switch}"
    run = _start(service, tmp_path, "v2-errors", "--deploy-command", slow, "--duration", "60s")
    state = _wait_for(tmp_path / STATE, "", key="command_pid")
    run.kill()  # the run dies; its deploy command (own session) would switch to v2-errors in 4 s
    run.communicate(timeout=30)
    os.kill(state["command_pid"], 0)  # still running
    later = run_deploy(service, tmp_path, "ignored", "--rollback-only", "--health-url", f"{service.url}/health")
    assert later.returncode == 0, later.stdout + later.stderr
    assert f"stopped the deploy command still running from the earlier run (process group {state['command_pid']}" \
        in later.stdout
    time.sleep(4.5)  # past the moment the orphan would have switched
    assert service.active == "v1" and "v2-errors" not in [e["version"] for e in service.events()]
    assert later.state["command_pid"] == 0 and later.state["phase"] == "rolled-back"


def test_a_second_deploy_on_the_same_state_file_is_refused_or_waits(service: Service, tmp_path: Path) -> None:
    first = _start(service, tmp_path, "v2", "--duration", "8s")
    _wait_for(tmp_path / STATE, "monitoring")
    for name in ("other", "waits"):
        (tmp_path / name).mkdir()
    refused = run_deploy(service, tmp_path / "other", "v2-errors", "--health-url", f"{service.url}/health",
                         "--state-file", str(tmp_path / STATE))
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"another deploy holds the lock on this state file (pid {first.pid}" in refused.stderr
    assert "concurrency:" in refused.stderr and "Traceback" not in refused.stderr
    assert [e["version"] for e in service.events()] == ["v2"]  # the refused run touched nothing

    waited = run_deploy(service, tmp_path / "waits", "v2-errors", "--health-url", f"{service.url}/health",
                        "--state-file", str(tmp_path / STATE), "--lock-timeout", "30s")
    first.communicate(timeout=30)
    assert first.returncode == 0
    assert waited.returncode == 1, waited.stdout + waited.stderr  # ran after the first one ended
    assert output_value(waited.outputs, "previous-version") == "v2" and service.active == "v2"
