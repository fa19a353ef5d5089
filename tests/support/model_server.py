"""Start the demo project's real model server for a test and stop it afterwards.

    from tests.support.model_server import running_model_server

    with running_model_server(vulnerable=True, latency_ms=50) as base_url:
        ...  # base_url == "http://127.0.0.1:PORT" (chat completions at base_url + "/v1/chat/completions")

The server runs as a subprocess of this interpreter on a free loopback port; readiness is
checked by polling ``GET /health``, never by sleeping a fixed time.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.support.processes import read_url, stop, wait_healthy

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "examples" / "demo-project" / "model_server.py"
DEMO_CANARY = "CANARY-7f3a9c2e1b"  # the server's built-in canary (BUILTIN_CANARY)


def model_server_command(*, port: int = 0, vulnerable: bool = False, garbage: bool = False,
                         latency_ms: float = 0.0, fail_rate: float = 0.0, wrong_rate: float = 0.0,
                         api_key: str | None = None, extra_args: Sequence[str] = ()) -> list[str]:
    """The argv that starts the demo server with these options."""
    argv = [sys.executable, str(SERVER), "--host", "127.0.0.1", "--port", str(port)]
    if vulnerable:
        argv.append("--vulnerable")
    if garbage:
        argv.append("--garbage")
    if latency_ms:
        argv += ["--latency-ms", str(latency_ms)]
    if fail_rate:
        argv += ["--fail-rate", str(fail_rate)]
    if wrong_rate:
        argv += ["--wrong-rate", str(wrong_rate)]
    if api_key:
        argv += ["--api-key", api_key]
    return argv + list(extra_args)


@contextlib.contextmanager
def running_model_server(*, vulnerable: bool = False, garbage: bool = False, latency_ms: float = 0.0,
                         fail_rate: float = 0.0, wrong_rate: float = 0.0, api_key: str | None = None,
                         extra_args: Sequence[str] = (), startup_timeout: float = 20.0) -> Iterator[str]:
    """Run the demo model server; yield its base URL (``http://127.0.0.1:PORT``)."""
    argv = model_server_command(vulnerable=vulnerable, garbage=garbage, latency_ms=latency_ms,
                                fail_rate=fail_rate, wrong_rate=wrong_rate, api_key=api_key,
                                extra_args=extra_args)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        deadline = time.monotonic() + startup_timeout
        url = read_url(proc, deadline, "demo model server")
        wait_healthy(url, proc, deadline, "demo model server")
        yield url
    finally:
        stop(proc, timeout=5)
