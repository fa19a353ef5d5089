"""Start a loopback server subprocess that prints ``listening on URL``, wait until it is healthy, stop it.

Shared by the demo model server, the real-LLM app and Prometheus helpers: readiness is read
from the server's first stdout line and ``GET /health``, never by sleeping a fixed time.
"""

from __future__ import annotations

import json
import select
import subprocess
import time
import urllib.error
import urllib.request
from typing import AnyStr


def read_url(proc: subprocess.Popen[str], deadline: float, what: str) -> str:
    """The URL from the server's ``listening on URL`` line, or RuntimeError naming ``what``."""
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("listening on "):
                return line.split("listening on ", 1)[1].strip()
            if not line and proc.poll() is not None:
                break
    raise RuntimeError(f"{what} did not start (exit {proc.poll()}): {_stderr(proc)}")


def _stderr(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None or proc.stderr is None:
        return ""
    return proc.stderr.read()[-2000:]


def wait_healthy(url: str, proc: subprocess.Popen[str], deadline: float, what: str) -> None:
    """Poll ``url/health`` until it says ``{"status": "ok"}``; RuntimeError if the server exits or never does."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {_stderr(proc)}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as response:  # noqa: S310 - loopback
                if json.load(response).get("status") == "ok":
                    return
        except (urllib.error.URLError, OSError, ValueError):
            time.sleep(0.05)
    raise RuntimeError(f"{what} at {url} never became healthy")


def stop(proc: subprocess.Popen[AnyStr], timeout: float = 10.0) -> None:
    """Terminate ``proc``, kill it after ``timeout`` seconds, and close its pipes."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
