"""The deploy monitor: how fast a rollback starts after the interval that crossed the limit, and
what one interval of probing costs.

    .venv/bin/python -m bench deploy [--quick]

Reaction: the real ``secure-ai-gates deploy`` command deploys a version of the fault service
that answers every request with HTTP 500, or one that answers after 700 ms (limit 300 ms;
failure limit 1); the report's ``rollback_delay_s``
is the time from the start of the interval that crossed the limit to the rollback command
starting (monotonic clock, in-process). Target: below one interval.

Overhead: one interval's collection (3 GET probes of /health + the JSON metrics URL + three
PromQL queries when the Debian ``prometheus`` binary is present) against the local fault
service: wall time of the collection and our process's CPU time per interval.

Argo Rollouts cannot run here (it needs Kubernetes), so no timing of it is given; the one
comparison row states defaults read from its source (analysis/analysis.go): an AnalysisRun
metric turns Error after more than ``consecutiveErrorLimit`` (default 4) measurement errors
in a row, where we fail a window after ``inconclusive-limit`` (default 3) inconclusive
intervals in total.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import Row
from gates.deploy.monitor import Monitor
from gates.deploy.rules import Limits, MissingDataPolicy, Rule
from gates.deploy.sources import HttpProbeSource, JsonMetricsSource, MetricName, MetricSource, PrometheusSource
from tests.support import fault_service

REPO = Path(__file__).resolve().parents[1]
VERSIONS = {"v1": {"fault": "none"}, "v2-errors": {"fault": "errors", "error_rate": 1.0},
            "v2-slow": {"fault": "latency", "latency_ms": 700}}


def _service(work: Path) -> tuple[Path, int, subprocess.Popen[bytes]]:
    state = work / "service"
    state.mkdir()
    (state / "versions.json").write_text(json.dumps(VERSIONS))
    (state / "active").write_text("v1\n")
    (state / "port").write_text("0")
    proc = fault_service.start_detached(state, 0)
    fault_service.wait_ready(state)
    return state, int((state / "port").read_text()), proc


def _reaction(state: Path, port: int, work: Path, interval: str, version: str = "v2-errors") -> float:
    script = str(Path(fault_service.__file__).resolve())
    switch = [sys.executable, script, "switch", "--state-dir", str(state), "--version"]
    argv = [
        sys.executable,
        "-m",
        "gates.cli",
        "deploy",
        "--deploy-command",
        json.dumps(switch + [version]),
        "--rollback-command",
        json.dumps(switch + ["$PREVIOUS_VERSION"]),
        "--current-version",
        "v1",
        "--new-version",
        version,
        "--max-latency-ms",
        "300",
        "--health-url",
        f"http://127.0.0.1:{port}/health",
        "--interval",
        interval,
        "--duration",
        "30s",
        "--verify-duration",
        interval,
        "--state-file",
        str(work / "state.json"),
        "--report-dir",
        str(work / "report"),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=120)  # noqa: S603
    if done.returncode != 1:
        raise SystemExit(f"expected a rollback (exit 1), got {done.returncode}: {done.stdout}{done.stderr}")
    return float(json.loads((work / "report" / "deploy-report.json").read_text())["rollback_delay_s"])


def _prometheus(work: Path, port: int) -> tuple[subprocess.Popen[bytes] | None, str | None]:
    binary = shutil.which("prometheus")
    if binary is None:
        print("bench_deploy: prometheus not installed; overhead measured without PromQL queries", file=sys.stderr)
        return None, None
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        prom_port = sock.getsockname()[1]
    config = work / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\nscrape_configs:\n"
                      f"  - job_name: f\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
    proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={work / 'tsdb'}",  # noqa: S603
                             f"--web.listen-address=127.0.0.1:{prom_port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(1.5)  # a few scrapes; the queries tolerate empty answers (missing data)
    return proc, f"http://127.0.0.1:{prom_port}"


def _overhead(port: int, prom_url: str | None, intervals: int) -> tuple[float, float, int]:
    base = f"http://127.0.0.1:{port}"
    sources: list[MetricSource] = [
        HttpProbeSource(f"{base}/health", label="health"),
        JsonMetricsSource(f"{base}/stats.json", {MetricName.INJECTION_ATTEMPTS: "counters.injection_attempts_total"})]
    if prom_url:
        sources.append(PrometheusSource(prom_url, {
            MetricName.LATENCY_MS: "1000 * histogram_quantile(0.9, sum by (le) "
                                   "(rate(fault_service_request_seconds_bucket[$WINDOW])))",
            MetricName.ERROR_RATE: "sum(rate(fault_service_requests_total{outcome='error'}[$WINDOW]))",
            MetricName.INJECTION_ATTEMPTS: "sum(increase(fault_service_injection_attempts_total[$WINDOW]))"},
            interval_s=0.2))
    rules = {m: Rule(m, v) for m, v in ((MetricName.LATENCY_MS, 5000), (MetricName.ERROR_RATE, 0.05),
                                         (MetricName.INJECTION_ATTEMPTS, 100))}
    monitor = Monitor(sources, rules, Limits(inconclusive_limit=10**6), MissingDataPolicy.IGNORE, 0.2,
                      log=lambda _line: None)
    cpu = time.process_time()
    window = monitor.run("bench", intervals * 0.2, 0, threading.Event())
    cpu_per_interval = (time.process_time() - cpu) / len(window.records)
    for source in sources:
        source.close()
    requests_per_interval = window.records[-1].requests
    return statistics.median(r.collect_s for r in window.records), cpu_per_interval, requests_per_interval


def rows(quick: bool) -> list[Row]:
    """Reaction time at 300 ms and 1 s intervals, collection cost per interval, Argo defaults."""
    repeats = 2 if quick else 5
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        state, port, proc = _service(work)
        prom, prom_url = _prometheus(work, port)
        try:
            for interval, seconds in (("300ms", 0.3), ("1s", 1.0)):
                delays = []
                for i in range(repeats):
                    run_dir = work / f"run-{interval}-{i}"
                    run_dir.mkdir()
                    delays.append(_reaction(state, port, run_dir, interval))
                out.append(Row(f"deploy: rollback start after the crossing interval began ({interval} interval)",
                               statistics.median(delays), "s", note=f"max {max(delays):.3f} s of {repeats} runs; "
                               f"target < {seconds:g} s"))
            delays = []
            for i in range(repeats):
                run_dir = work / f"run-slow-{i}"
                run_dir.mkdir()
                delays.append(_reaction(state, port, run_dir, "1s", "v2-slow"))
            out.append(Row("deploy: rollback start, 700 ms latency fault (1s interval)", statistics.median(delays), "s",
                           note=f"max {max(delays):.3f} s; the verdict waits for the slow probe answer"))
            wall, cpu, calls = _overhead(port, prom_url, 10 if quick else 40)
            what = f"{calls} HTTP calls" + (" incl. 3 PromQL" if prom_url else " (no Prometheus)")
            out.append(Row("deploy: collection wall time per interval", wall, "s", note=what))
            out.append(Row("deploy: our CPU time per interval", cpu, "s", note=what))
            out.append(Row("deploy: bad-data tolerance before failing (default)", 3, "intervals",
                           "Argo Rollouts consecutiveErrorLimit", 4, "ours: inconclusive intervals in total; "
                           "Argo: measurement errors in a row (errors > limit)"))
        finally:
            for process in (prom, proc):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
            try:
                import os
                import signal
                os.kill(int((state / "pid").read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
    return out
