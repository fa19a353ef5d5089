"""A fault-injecting HTTP service with real Prometheus metrics, and the CLI that deploys it.

Self-contained (run it as a script, no package import needed):

    python fault_service.py serve   --state-dir D [--port 0]
    python fault_service.py switch  --state-dir D --version V   # deploy/rollback: make V serve
    python fault_service.py current --state-dir D               # print the version serving now
    python fault_service.py canary  --state-dir D --version V   # install V beside the active one, weight 0
    python fault_service.py set-weight --state-dir D --weight W # route W % to the canary (100 promotes it)

``D/versions.json`` maps each version to its behaviour::

    {"v1": {"fault": "none"},
     "v2-slow": {"fault": "latency", "latency_ms": 800},
     "v2-errors": {"fault": "errors", "error_rate": 1.0},
     "v2-attacked": {"fault": "injection", "injections_per_request": 40},
     "v2-crash": {"fault": "crash"},
     "v2-flaky": {"fault": "errors", "error_rate": 0.03, "random": true, "seed": 7},
     "v2-late": {"fault": "errors", "error_rate": 0.1, "after_s": 4}}

``random`` draws errors from a seeded generator instead of the fixed pattern (``rate`` of every
20 requests); ``after_s`` starts the fault that many seconds after the version became active,
``until_s`` ends it (a cold start). Besides its own metrics the service exports
``http_requests_total{code}``, ``http_request_duration_seconds{version}`` and
``injection_attempts_total``, the names the README's example
queries use; ``D/first-served.jsonl`` records when each version first answered after each switch.

``switch`` writes the version to ``D/active`` (read by the server on every request) and, when
the server process is gone (a crashed version), starts it again on the same port: a deploy
or rollback really changes what serves. ``canary`` and ``set-weight`` split traffic between
the active version and a canary (``D/canary``: version and weight), for progressive steps.
Each switch appends a line to ``D/events.jsonl`` with the wall time, so tests can see when a
rollback started.

Routes: ``GET /health``, ``POST /predict`` (a prompt containing "ignore previous instructions"
counts one injection attempt), ``GET /metrics`` (Prometheus text format, from
``prometheus_client``), ``GET /stats.json`` (latency and error rate over the last 2 s, the
injection-attempt counter).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import random
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
        self.requests = Counter("fault_service_requests_total", "Requests by outcome and version",
                                ["outcome", "version"], registry=self.registry)
        self.injections = Counter("fault_service_injection_attempts_total", "Prompt-injection attempts seen",
                                  registry=self.registry)
        # the names the README's example queries use, so that they run as written
        self.http = Counter("http_requests_total", "Requests by status code", ["code"], registry=self.registry)
        self.http_injections = Counter("injection_attempts_total", "Prompt-injection attempts seen",
                                       registry=self.registry)
        self.http_latency = Histogram("http_request_duration_seconds", "Request latency", ["version"],
                                      buckets=BUCKETS, registry=self.registry)
        self.first_served: set[tuple[str, float]] = set()
        self.recent: collections.deque[tuple[float, float, bool]] = collections.deque(maxlen=2000)
        self.lock = threading.Lock()
        self.count = 0
        self.routed = 0
        self.random: dict[str, random.Random] = {}

    def version(self, route: bool = False) -> tuple[str, dict[str, Any]]:
        """The active version and its behaviour (with ``route``, the canary for its share of requests)."""
        active = self.state_dir / "active"
        name = active.read_text(encoding="utf-8").strip()
        since = active.stat().st_mtime
        canary = self.state_dir / "canary"
        if route and canary.exists():
            canary_name, _, weight = canary.read_text(encoding="utf-8").partition(" ")
            with self.lock:
                self.routed += 1
                picked = self.routed % 100 < int(weight or 0)
            if picked:
                name, since = canary_name.strip(), canary.stat().st_mtime
        versions = json.loads((self.state_dir / "versions.json").read_text(encoding="utf-8"))
        behaviour = dict(versions.get(name, {"fault": "errors", "error_rate": 1.0}))
        age = time.time() - since
        if age < float(behaviour.get("after_s", 0)) or age > float(behaviour.get("until_s", math.inf)):
            behaviour["fault"] = "none"
        return name, behaviour

    def record(self, version: str, seconds: float, error: bool) -> None:
        self.latency.labels(version).observe(seconds)
        self.http_latency.labels(version).observe(seconds)
        self.requests.labels("error" if error else "ok", version).inc()
        self.http.labels("500" if error else "200").inc()
        activation = (version, (self.state_dir / "active").stat().st_mtime)
        with self.lock:
            self.recent.append((time.monotonic(), seconds, error))
            first = activation not in self.first_served
            self.first_served.add(activation)
        if first:  # the first answer of each version after each switch (benchmarks time reactions from it)
            with open(self.state_dir / "first-served.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"t": time.time(), "version": version}) + "\n")

    def inject(self, count: float) -> None:
        self.injections.inc(count)
        self.http_injections.inc(count)

    def should_fail(self, version: str, behaviour: dict[str, Any]) -> bool:
        """``error_rate`` of the requests fail: a fixed pattern (of every 20), or seeded random draws."""
        rate = float(behaviour.get("error_rate", 1.0))
        with self.lock:
            if behaviour.get("random"):
                generator = self.random.setdefault(version, random.Random(behaviour.get("seed", 0)))
                return generator.random() < rate
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
            version, behaviour = service.version(route=True)
            fault = behaviour.get("fault", "none")
            if fault == "crash":  # the watcher may not have noticed yet: die on the spot
                os._exit(3)
            if "ignore previous instructions" in prompt.lower():
                service.inject(1)
            if fault == "injection":
                service.inject(float(behaviour.get("injections_per_request", 10)))
            if fault == "latency":
                time.sleep(float(behaviour.get("latency_ms", 500)) / 1000)
            error = fault == "errors" and service.should_fail(version, behaviour)
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
    _write(state_dir / "active", version)
    (state_dir / "canary").unlink(missing_ok=True)
    if versions[version].get("fault") != "crash" and not _alive(state_dir):
        start_detached(state_dir, int((state_dir / "port").read_text(encoding="utf-8")))
        wait_ready(state_dir)
    print(f"now serving {version}")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def canary(state_dir: Path, version: str) -> None:
    """Install ``version`` as the canary at weight 0."""
    versions = json.loads((state_dir / "versions.json").read_text(encoding="utf-8"))
    if version not in versions:
        raise SystemExit(f"unknown version {version!r}")
    _write(state_dir / "canary", f"{version} 0")
    print(f"canary {version} installed at 0 %")


def set_weight(state_dir: Path, weight: int) -> None:
    """Route ``weight`` percent to the canary; 100 promotes it to the active version."""
    path = state_dir / "canary"
    if not path.exists():
        raise SystemExit("no canary installed")
    name = path.read_text(encoding="utf-8").split()[0]
    with open(state_dir / "events.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"t": time.time(), "version": name, "weight": weight,
                             "phase": os.environ.get("DEPLOY_PHASE", "")}) + "\n")
    if weight >= 100:
        since = path.stat().st_mtime
        _write(state_dir / "active", name)
        os.utime(state_dir / "active", (since, since))  # a delayed fault keeps counting from the canary's start
        path.unlink()
    else:
        stat = path.stat()
        _write(path, f"{name} {weight}")
        os.utime(path, (stat.st_atime, stat.st_mtime))
    print(f"{weight} % to {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("serve", "switch", "current", "canary", "set-weight"))
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--version")
    parser.add_argument("--weight", type=int)
    args = parser.parse_args(argv)
    if args.action == "serve":
        serve(args.state_dir, args.port)
    elif args.action == "switch":
        if not args.version:
            parser.error("switch needs --version")
        switch(args.state_dir, args.version)
    elif args.action == "canary":
        canary(args.state_dir, args.version or "")
    elif args.action == "set-weight":
        set_weight(args.state_dir, int(args.weight or 0))
    else:
        print((args.state_dir / "active").read_text(encoding="utf-8").strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
