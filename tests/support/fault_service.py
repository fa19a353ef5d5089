"""A fault-injecting HTTP service with real Prometheus metrics, and the CLI that deploys it.

Self-contained (run it as a script, no package import needed):

    python fault_service.py serve   --state-dir D [--port 0]
    python fault_service.py switch  --state-dir D --version V   # deploy/rollback: make V serve
    python fault_service.py current --state-dir D               # print the version serving now

``D/versions.json`` maps each version to its behaviour::

    {"v1": {"fault": "none"},
     "v2-slow": {"fault": "latency", "latency_ms": 800},
     "v2-errors": {"fault": "errors", "error_rate": 1.0},
     "v2-attacked": {"fault": "injection", "injections_per_request": 40},
     "v2-crash": {"fault": "crash"}}

``switch`` writes the version to ``D/active`` (read by the server on every request) and, when
the server process is gone (a crashed version), starts it again on the same port: a deploy
or rollback really changes what serves. Each switch appends a line to ``D/events.jsonl`` with
the wall time, so tests can see when a rollback started.

Routes: ``GET /health``, ``POST /predict`` (a prompt containing "ignore previous instructions"
counts one injection attempt), ``GET /metrics`` (Prometheus text format, from
``prometheus_client``), ``GET /stats.json`` (latency and error rate over the last 2 s, the
injection-attempt counter).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

STATS_WINDOW_S = 2.0
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0)


class Service:
    """State shared by the handler threads: metrics, recent requests, the state dir."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.registry = CollectorRegistry()
        self.latency = Histogram("fault_service_request_seconds", "Request latency", ["version"],
                                 buckets=BUCKETS, registry=self.registry)
        self.requests = Counter("fault_service_requests_total", "Requests by outcome", ["outcome"],
                                registry=self.registry)
        self.injections = Counter("fault_service_injection_attempts_total", "Prompt-injection attempts seen",
                                  registry=self.registry)
        for outcome in ("ok", "error"):
            self.requests.labels(outcome)
        self.recent: collections.deque[tuple[float, float, bool]] = collections.deque(maxlen=2000)
        self.lock = threading.Lock()
        self.count = 0

    def version(self) -> tuple[str, dict[str, Any]]:
        """The active version and its behaviour."""
        name = (self.state_dir / "active").read_text(encoding="utf-8").strip()
        versions = json.loads((self.state_dir / "versions.json").read_text(encoding="utf-8"))
        return name, versions.get(name, {"fault": "errors", "error_rate": 1.0})

    def record(self, version: str, seconds: float, error: bool) -> None:
        self.latency.labels(version).observe(seconds)
        self.requests.labels("error" if error else "ok").inc()
        with self.lock:
            self.recent.append((time.monotonic(), seconds, error))

    def should_fail(self, rate: float) -> bool:
        """Deterministic error pattern: ``rate`` of every 20 requests fail."""
        with self.lock:
            self.count += 1
            return (self.count % 20) < round(rate * 20)

    def stats(self) -> dict[str, Any]:
        now = time.monotonic()
        with self.lock:
            window = [(s, e) for t, s, e in self.recent if now - t <= STATS_WINDOW_S]
        version, _ = self.version()
        return {"version": version,
                "window": {"latency_ms": (sum(s for s, _ in window) / len(window) * 1000) if window else None,
                           "error_rate": (sum(1 for _, e in window if e) / len(window)) if window else None,
                           "requests": len(window)},
                "counters": {"injection_attempts_total":
                             self.registry.get_sample_value("fault_service_injection_attempts_total")}}


def make_handler(service: Service) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one segment per answer: no delayed-ACK stalls in latency numbers

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/metrics":
                self._send(200, generate_latest(service.registry), CONTENT_TYPE_LATEST)
            elif self.path == "/stats.json":
                self._send(200, json.dumps(service.stats()).encode())
            elif self.path == "/health":
                self._serve("")
            else:
                self._send(404, b'{"error": "not found"}')

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            prompt = self.rfile.read(length).decode("utf-8", "replace")
            if self.path == "/predict":
                self._serve(prompt)
            else:
                self._send(404, b'{"error": "not found"}')

        def _serve(self, prompt: str) -> None:
            started = time.perf_counter()
            version, behaviour = service.version()
            fault = behaviour.get("fault", "none")
            if fault == "crash":  # the watcher may not have noticed yet: die on the spot
                os._exit(3)
            if "ignore previous instructions" in prompt.lower():
                service.injections.inc()
            if fault == "injection":
                service.injections.inc(float(behaviour.get("injections_per_request", 10)))
            if fault == "latency":
                time.sleep(float(behaviour.get("latency_ms", 500)) / 1000)
            error = fault == "errors" and service.should_fail(float(behaviour.get("error_rate", 1.0)))
            body = json.dumps({"status": "error" if error else "ok", "version": version}).encode()
            service.record(version, time.perf_counter() - started, error)
            self._send(500 if error else 200, body)

    return Handler


def _crash_watch(service: Service) -> None:
    """Exit the whole process as soon as a ``crash`` version becomes active."""
    while True:
        try:
            if service.version()[1].get("fault") == "crash":
                os._exit(3)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)


def serve(state_dir: Path, port: int) -> None:
    service = Service(state_dir)
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(service))
    server.daemon_threads = True
    (state_dir / "port").write_text(str(server.server_address[1]), encoding="utf-8")
    (state_dir / "pid").write_text(str(os.getpid()), encoding="utf-8")
    threading.Thread(target=_crash_watch, args=(service,), daemon=True).start()
    server.serve_forever(poll_interval=0.05)


def _alive(state_dir: Path) -> bool:
    try:
        port = int((state_dir / "port").read_text(encoding="utf-8"))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats.json", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


def start_detached(state_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """Start ``serve`` in its own session, output to ``D/service.log`` (never our pipes)."""
    log = open(state_dir / "service.log", "ab")  # noqa: SIM115 - handed to the child
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), "serve", "--state-dir", str(state_dir),  # noqa: S603
                             "--port", str(port)], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            start_new_session=True)


def wait_ready(state_dir: Path, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _alive(state_dir):
            return
        time.sleep(0.02)
    raise SystemExit(f"fault service in {state_dir} did not come up within {timeout_s} s")


def switch(state_dir: Path, version: str) -> None:
    versions = json.loads((state_dir / "versions.json").read_text(encoding="utf-8"))
    if version not in versions:
        raise SystemExit(f"unknown version {version!r}; known: {', '.join(sorted(versions))}")
    with open(state_dir / "events.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"t": time.time(), "version": version, "phase": os.environ.get("DEPLOY_PHASE", "")}) + "\n")
    tmp = state_dir / "active.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, state_dir / "active")
    if versions[version].get("fault") != "crash" and not _alive(state_dir):
        start_detached(state_dir, int((state_dir / "port").read_text(encoding="utf-8")))
        wait_ready(state_dir)
    print(f"now serving {version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("serve", "switch", "current"))
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--version")
    args = parser.parse_args(argv)
    if args.action == "serve":
        serve(args.state_dir, args.port)
    elif args.action == "switch":
        if not args.version:
            parser.error("switch needs --version")
        switch(args.state_dir, args.version)
    else:
        print((args.state_dir / "active").read_text(encoding="utf-8").strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
