"""``secure-ai-gates osv-mirror`` as a real process: prints its URL, serves, stops on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.osv.support import ASSET_DB, REPO


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "gates", "osv-mirror", *args], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def listening_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 0.2)[0]:
            line = proc.stdout.readline()
            if line.startswith("listening on "):
                return line.split("listening on ", 1)[1].strip()
            if not line:
                break
    proc.kill()
    raise AssertionError(f"osv-mirror did not start: {proc.communicate()[1]}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_queries_and_stops_cleanly(sig: signal.Signals) -> None:
    proc = start("--db", str(ASSET_DB), "--port", "0")
    try:
        url = listening_url(proc)
        query = json.dumps({"package": {"name": "PyYAML", "ecosystem": "PyPI"}, "version": "5.3.1"}).encode()
        with urllib.request.urlopen(
            urllib.request.Request(url + "/v1/query", data=query, method="POST"), timeout=10
        ) as r:
            assert [v["id"] for v in json.load(r)["vulns"]] == ["PYSEC-2021-142"]
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=20)
        assert proc.returncode == 0, stderr
        assert "loaded 12 advisories" in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_missing_db_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "gates", "osv-mirror", "--db", str(tmp_path / "none")], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no such directory" in done.stderr and "Traceback" not in done.stderr


def test_db_without_advisories_exits_3(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "gates", "osv-mirror", "--db", str(tmp_path), "--port", "0"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and "holds no advisories" in done.stderr


def test_port_in_use_exits_3() -> None:
    proc = start("--db", str(ASSET_DB), "--port", "0")
    try:
        port = listening_url(proc).rsplit(":", 1)[1]
        done = subprocess.run([sys.executable, "-m", "gates", "osv-mirror", "--db", str(ASSET_DB), "--port", port],
                              cwd=REPO, capture_output=True, text=True, timeout=60)
        assert done.returncode == 3 and "cannot listen" in done.stderr
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
