"""Fixtures for the deploy tests: the fault service, a load generator, a real Prometheus."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support import fault_service
from tests.support.processes import stop

VERSIONS = {
    "v1": {"fault": "none"},
    "v2": {"fault": "none"},
    "v2-slow": {"fault": "latency", "latency_ms": 700},
    "v2-errors": {"fault": "errors", "error_rate": 1.0},
    "v2-attacked": {"fault": "injection", "injections_per_request": 40},
    "v2-crash": {"fault": "crash"},
    "v2-flaky": {"fault": "errors", "error_rate": 0.03, "random": True, "seed": 7},
    "v2-12pct": {"fault": "errors", "error_rate": 0.12, "random": True, "seed": 11},
    "v2-late": {"fault": "errors", "error_rate": 0.1, "random": True, "seed": 3, "after_s": 6},
    "v2-cold": {"fault": "errors", "error_rate": 1.0, "until_s": 1.5},
    "v2-sluggish": {"fault": "latency", "latency_ms": 1200},
}
SCRIPT = os.path.abspath(fault_service.__file__)
SCRAPE_INTERVAL = "500ms"


@dataclass
class Service:
    """A running fault service and the commands that deploy it."""

    state_dir: Path
    url: str

    def switch_command(self, version: str = "$DEPLOYED_VERSION") -> str:
        """JSON argument list of the deploy/rollback command that makes ``version`` serve."""
        import sys
        return json.dumps([sys.executable, SCRIPT, "switch", "--state-dir", str(self.state_dir), "--version", version])

    def version_command(self) -> str:
        import sys
        return json.dumps([sys.executable, SCRIPT, "current", "--state-dir", str(self.state_dir)])

    @property
    def active(self) -> str:
        return (self.state_dir / "active").read_text(encoding="utf-8").strip()

    def events(self) -> list[dict]:
        path = self.state_dir / "events.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    @property
    def port(self) -> int:
        return int((self.state_dir / "port").read_text(encoding="utf-8"))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    state_dir = tmp_path / "service"
    state_dir.mkdir()
    (state_dir / "versions.json").write_text(json.dumps(VERSIONS), encoding="utf-8")
    (state_dir / "active").write_text("v1\n", encoding="utf-8")
    (state_dir / "port").write_text("0", encoding="utf-8")
    first = fault_service.start_detached(state_dir, 0)
    try:
        fault_service.wait_ready(state_dir)
        yield Service(state_dir, f"http://127.0.0.1:{int((state_dir / 'port').read_text())}")
    finally:
        pids = {first.pid}
        try:
            pids.add(int((state_dir / "pid").read_text()))
        except (OSError, ValueError):
            pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        first.wait(timeout=5)


@pytest.fixture
def traffic(service: Service) -> Iterator[None]:
    """Four threads POSTing prompts to /predict until the test ends (Prometheus needs traffic)."""
    stop = threading.Event()

    def loop() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                session.post(f"http://127.0.0.1:{service.port}/predict", json={"prompt": "hello"}, timeout=2)
            except requests.RequestException:
                time.sleep(0.02)
            stop.wait(0.02)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    yield
    stop.set()
    for thread in threads:
        thread.join(timeout=5)


@dataclass
class Prometheus:
    url: str
    target: str
    pid: int


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def prometheus(tmp_path: Path, service: Service) -> Iterator[Prometheus]:
    """A real Prometheus (Debian package) scraping the fault service (job ``ml``) every 500 ms."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("prometheus is not installed (apt-get install -y --no-install-recommends prometheus)")
    target = f"127.0.0.1:{service.port}"
    config = tmp_path / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: {SCRAPE_INTERVAL}\n  scrape_timeout: {SCRAPE_INTERVAL}\n"
        "  evaluation_interval: 1s\nscrape_configs:\n  - job_name: ml\n    static_configs:\n"
        f"      - targets: ['{target}']\n", encoding="utf-8")
    for attempt in range(3):
        port = _free_port()
        log = open(tmp_path / "prometheus.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",  # noqa: S603
                                 f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(proc, url, target)
            break
        except RuntimeError:
            proc.kill()
            proc.wait()
            if attempt == 2:
                raise
    try:
        yield Prometheus(url, target, proc.pid)
    finally:
        stop(proc)
        log.close()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, target: str, timeout_s: float = 20.0) -> None:
    """Poll /-/ready, then /api/v1/targets until the service target is up, then one sample."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prometheus exited with {proc.returncode}")
        try:
            if requests.get(f"{url}/-/ready", timeout=1).status_code == 200:
                targets = requests.get(f"{url}/api/v1/targets", timeout=1).json()["data"]["activeTargets"]
                if any(t["labels"].get("instance") == target and t["health"] == "up" for t in targets):
                    return
        except (requests.RequestException, KeyError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"prometheus at {url} did not report {target} up within {timeout_s} s")
