"""The deploy monitor: how fast a rollback starts after the first bad sample, and what one
interval of probing costs.

    .venv/bin/python -m bench deploy [--quick]

Reaction: the real ``secure-ai-gates deploy`` command deploys a version of the fault service that
answers every request with HTTP 500 (failure limit 1). The reaction time runs **from the first bad
sample** — the first answer the bad version served (the service logs it, wall clock) — to the
rollback command starting (the rollback's switch logs it), not from the start of the interval
that crossed the limit. Sources: HTTP probes (300 ms and 1 s intervals), and a real Prometheus
(Debian package) at scrape intervals of 500 ms and 1 s with a 500 ms interval and the error-rate
query over ``$INTERVAL``, with four client threads as traffic. Through Prometheus the floor is
3.5 scrape intervals: the queries skip the first scrape interval of the judged version (so that
no sample of the version before is counted) and wait until 2.5 more hold its samples.

Overhead: one interval's collection (20 GET probes of /health + the JSON metrics URL + three
PromQL queries when Prometheus is present) against the local fault service: wall time of the
collection and our process's CPU time per interval.

Argo Rollouts cannot run here (it needs Kubernetes), so no timing of it is given; the comparison
row states defaults read from its source (analysis/analysis.go): a metric turns Error after
more than ``consecutiveErrorLimit`` (default 4) measurement errors in a row; our ``error-limit``
(default 5) trips on reaching it, the same point.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from bench.common import Row
from gates.deploy.monitor import Monitor
from gates.deploy.rules import Limits, MissingDataPolicy, Rule
from gates.deploy.sources import HttpProbeSource, JsonMetricsSource, MetricName, MetricSource, PrometheusSource
from tests.support import fault_service

REPO = Path(__file__).resolve().parents[1]
VERSIONS = {"v1": {"fault": "none"}, "v2-errors": {"fault": "errors", "error_rate": 1.0}}
ERRORS = ("(sum(rate(http_requests_total{code=~'5..'}[$INTERVAL])) or vector(0)) / "
          "sum(rate(http_requests_total[$INTERVAL]))")


def _service(work: Path) -> tuple[Path, int, subprocess.Popen[bytes]]:
    state = work / "service"
    state.mkdir()
    (state / "versions.json").write_text(json.dumps(VERSIONS))
    (state / "active").write_text("v1\n")
    (state / "port").write_text("0")
    proc = fault_service.start_detached(state, 0)
    fault_service.wait_ready(state)
    return state, int((state / "port").read_text()), proc


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _reaction(state: Path, port: int, work: Path, interval: str, source: list[str]) -> float:
    """Seconds from the bad version's first answer to the rollback command's switch."""
    (state / "first-served.jsonl").unlink(missing_ok=True)
    (state / "events.jsonl").unlink(missing_ok=True)
    script = str(Path(fault_service.__file__).resolve())
    switch = [sys.executable, script, "switch", "--state-dir", str(state), "--version"]
    argv = [sys.executable, "-m", "gates.cli", "deploy", "--deploy-command", json.dumps(switch + ["v2-errors"]),
            "--rollback-command", json.dumps(switch + ["$PREVIOUS_VERSION"]), "--current-version", "v1",
            "--new-version", "v2-errors", *source, "--interval", interval, "--duration", "30s",
            "--verify-duration", interval, "--on-missing-data", "ignore", "--state-file", str(work / "state.json"),
            "--report-dir", str(work / "report")]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=120)  # noqa: S603
    if done.returncode not in (1, 3):
        raise SystemExit(f"expected a rollback, got exit {done.returncode}: {done.stdout}{done.stderr}")
    first_bad = min(float(e["t"]) for e in _lines(state / "first-served.jsonl")  # type: ignore[arg-type]
                    if e["version"] == "v2-errors")
    rollback = min(float(e["t"]) for e in _lines(state / "events.jsonl")  # type: ignore[arg-type]
                   if e.get("phase") == "rollback" and float(e["t"]) > first_bad)  # type: ignore[arg-type]
    return rollback - first_bad


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prometheus(work: Path, port: int, scrape: str) -> tuple[subprocess.Popen[bytes] | None, str | None]:
    binary = shutil.which("prometheus")
    if binary is None:
        print("bench_deploy: prometheus not installed; Prometheus rows skipped", file=sys.stderr)
        return None, None
    prom_port = _free_port()
    config = work / f"prometheus-{scrape}.yml"
    config.write_text(f"global:\n  scrape_interval: {scrape}\n  scrape_timeout: {scrape}\nscrape_configs:\n"
                      f"  - job_name: ml\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
    proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={work / ('tsdb-' + scrape)}",  # noqa: S603
                             f"--web.listen-address=127.0.0.1:{prom_port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{prom_port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # ready, and the target scraped at least twice
        try:
            answer = requests.post(f"{url}/api/v1/query", data={"query": "count_over_time(up[1m])"}, timeout=1).json()
            if answer["data"]["result"] and float(answer["data"]["result"][0]["value"][1]) >= 2:
                return proc, url
        except (requests.RequestException, KeyError, ValueError, IndexError):
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("prometheus did not come up")


def _traffic(port: int, stop: threading.Event) -> Iterator[threading.Thread]:
    def loop() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                session.get(f"http://127.0.0.1:{port}/health", timeout=2)
            except requests.RequestException:
                pass
            stop.wait(0.02)
    for _ in range(4):
        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        yield thread


def _overhead(port: int, prom_url: str | None, intervals: int) -> tuple[float, float, int]:
    base = f"http://127.0.0.1:{port}"
    sources: list[MetricSource] = [
        HttpProbeSource(f"{base}/health", label="health", requests_per_interval=20),
        JsonMetricsSource(f"{base}/stats.json", {MetricName.INJECTION_ATTEMPTS: "counters.injection_attempts_total"})]
    if prom_url:
        sources.append(PrometheusSource(prom_url, {
            MetricName.LATENCY_MS: "1000 * histogram_quantile(0.9, sum by (le) "
                                   "(rate(fault_service_request_seconds_bucket[$INTERVAL])))",
            MetricName.ERROR_RATE: ERRORS,
            MetricName.INJECTION_ATTEMPTS: "sum(increase(fault_service_injection_attempts_total[$WINDOW]))"},
            interval_s=0.5))
    rules: dict[str, Rule] = {m: Rule(m, v) for m, v in ((MetricName.LATENCY_MS, 5000), (MetricName.ERROR_RATE, 0.05),
                                         (MetricName.INJECTION_ATTEMPTS, 100))}
    monitor = Monitor(sources, rules, Limits(inconclusive_limit=10**6, error_limit=10**6), MissingDataPolicy.IGNORE,
                      0.5, log=lambda _line: None)
    cpu = time.process_time()
    window = monitor.run("bench", intervals * 0.5, 0, threading.Event())
    cpu_per_interval = (time.process_time() - cpu) / len(window.records)
    for source in sources:
        source.close()
    return statistics.median(r.collect_s for r in window.records), cpu_per_interval, window.records[-1].requests


def _timed(label: str, runs: list[float], target: str) -> Row:
    return Row(label, statistics.median(runs), "s", note=f"max {max(runs):.3f} s of {len(runs)} runs; {target}")


def rows(quick: bool) -> list[Row]:
    """Reaction from the first bad sample (probes; Prometheus beside its scrape interval), collection cost."""
    repeats = 2 if quick else 5
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        state, port, proc = _service(work)
        proms: list[subprocess.Popen[bytes]] = []
        stop = threading.Event()
        try:
            probe = ["--health-url", f"http://127.0.0.1:{port}/health"]
            for interval, seconds in (("300ms", 0.3), ("1s", 1.0)):
                runs = []
                for i in range(repeats):
                    (work / f"probe-{interval}-{i}").mkdir()
                    runs.append(_reaction(state, port, work / f"probe-{interval}-{i}", interval, probe))
                out.append(_timed(f"deploy: rollback after the first bad sample, HTTP probes ({interval} interval)",
                                  runs, f"bound: one interval ({seconds:g} s) + the deploy command's end"))
            threads = list(_traffic(port, stop))
            prom_url = None
            for scrape, scrape_s in (("500ms", 0.5), ("1s", 1.0)):
                prom, prom_url = _prometheus(work, port, scrape)
                if prom is None or prom_url is None:
                    break
                proms.append(prom)
                source = ["--prometheus-url", prom_url, "--query-error-rate", ERRORS]
                runs = []
                for i in range(repeats):
                    (work / f"prom-{scrape}-{i}").mkdir()
                    runs.append(_reaction(state, port, work / f"prom-{scrape}-{i}", "500ms", source))
                out.append(_timed(f"deploy: rollback after the first bad sample, Prometheus (scrape {scrape}, "
                                  "500ms interval)", runs,
                                  f"floor: 3.5 scrapes = {3.5 * scrape_s:g} s, then <= 1 interval"))
            wall, cpu, calls = _overhead(port, prom_url, 10 if quick else 40)
            what = f"{calls} HTTP calls" + (" incl. 3 PromQL" if prom_url else " (no Prometheus)")
            out.append(Row("deploy: collection wall time per interval", wall, "s", note=what))
            out.append(Row("deploy: our CPU time per interval", cpu, "s", note=what))
            out.append(Row("deploy: measurement errors in a row before the window is inconclusive (default)", 5,
                           "intervals", "Argo Rollouts consecutiveErrorLimit", 5,
                           "ours: error-limit 5, trips on reaching it; Argo: 4, trips on exceeding it"))
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
        finally:
            stop.set()
            for process in (*proms, proc):
                process.terminate()
                process.wait(timeout=10)
            try:
                os.kill(int((state / "pid").read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
    return out
