"""OSV mirror and dependencies gate benchmarks on the shared PyPA advisory snapshot.

    .venv/bin/python -m bench osv [--quick]

Rows: snapshot load time (target < 2 s); median query latency with the whole snapshot loaded,
in-process and over HTTP on loopback (target < 5 ms); pip-audit end-to-end against the mirror
for a pinned requirements file, beside the whole gate (load + mirror + pip-audit + findings).
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, median_seconds
from gates.config.settings import GitHubEnv
from gates.osv.loader import load_database
from gates.osv.server import OsvApi, RunningMirror
from gates.plugins.base import GateContext
from gates.plugins.dependencies import DependenciesGate

DB = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pypa-advisory-db").resolve()
REQUIREMENTS = """\
requests==2.19.0
urllib3==1.26.5
PyYAML==5.3.1
Jinja2==2.10
numpy==1.21.0
pillow==8.1.0
django==3.2.0
flask==1.0
werkzeug==2.2.2
aiohttp==3.8.1
cryptography==3.3.1
lxml==4.6.2
idna==3.20
certifi==2026.10.19.post1
charset-normalizer==3.5.3
tqdm==4.60.0
protobuf==3.18.0
tensorflow==2.4.0
torch==1.13.0
transformers==4.30.0
"""


def _queries(db_index: object, count: int) -> list[dict[str, object]]:
    """Queries over every package of the snapshot: a listed (affected) version or an unlisted one."""
    rng = random.Random(7)
    names = sorted({a.name for adv in db_index for a in adv.affected})  # type: ignore[attr-defined]
    out: list[dict[str, object]] = []
    for _ in range(count):
        name = rng.choice(names)
        out.append(
            {"package": {"name": name, "ecosystem": "PyPI"}, "version": rng.choice(["0.1", "1.0.0", "2.3.1", "99.0"])}
        )
    return out


def _http_latencies(mirror: RunningMirror, queries: list[dict[str, object]]) -> list[float]:
    host, port = mirror.server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    times = []
    for query in queries:
        body = json.dumps(query).encode()
        started = time.perf_counter()
        conn.request("POST", "/v1/query", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        assert response.status == 200
    conn.close()
    return times


def _pip_audit(requirements: Path, url: str, work: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps", "--disable-pip",
                           "-s", "osv", "--osv-url", url, "-f", "json", "-o", str(work / "out.json"),
                           "--progress-spinner", "off", "--cache-dir", str(work / "cache")],
                          capture_output=True, text=True, check=False)
    if not (work / "out.json").is_file():
        raise RuntimeError(f"pip-audit failed: {done.stderr[-500:]}")


def _gate(workspace: Path) -> int:
    ctx = GateContext(name="dependencies", workspace=workspace, options={"advisory-db": str(DB)},
                      report_dir=workspace / "report", work_dir=workspace / "work", github=GitHubEnv(),
                      log=lambda message: None)
    outcome = DependenciesGate().run(ctx)
    return len(getattr(outcome, "findings", ()))


def rows(quick: bool) -> list[Row]:
    """Measure and return the table rows."""
    if not (DB / "vulns").is_dir():
        return [Row("osv: PyPA snapshot missing", 0.0, "-", note=f"not found at {DB}")]
    repeats = 1 if quick else 3
    load = median_seconds(lambda: load_database(DB), repeats=repeats, warmup=0 if quick else 1)
    cpu_started = time.process_time()
    loaded = load_database(DB)
    load_cpu = time.process_time() - cpu_started
    queries = _queries(loaded.index, 500 if quick else 5000)
    api = OsvApi(loaded.index, loaded.snapshot)
    in_process = []
    for query in queries:
        started = time.perf_counter()
        api.query(query)
        in_process.append(time.perf_counter() - started)
    with RunningMirror(api) as mirror:
        _http_latencies(mirror, queries[:200])  # warm-up: compile and serialise on first use
        over_http = _http_latencies(mirror, queries)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            requirements = work / "requirements.txt"
            requirements.write_text(REQUIREMENTS, encoding="utf-8")
            pip_audit = median_seconds(lambda: _pip_audit(requirements, mirror.server.query_url, work),
                                       repeats=repeats, warmup=1)
            (work / "ws").mkdir()
            (work / "ws" / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
            found = _gate(work / "ws")
            gate = median_seconds(lambda: _gate(work / "ws"), repeats=repeats, warmup=0)
    pins = REQUIREMENTS.count("==")
    return [
        Row(f"osv: load snapshot ({loaded.snapshot.advisories} advisories, {loaded.snapshot.packages} packages)",
            load, "s", note=f"target < 2 s; CPU time {load_cpu:.2f} s (wall grows when the cores are shared)"),
        Row(f"osv: query median, in-process ({len(queries)} queries)", statistics.median(in_process) * 1000, "ms",
            note="target < 5 ms"),
        Row(f"osv: query median over HTTP keep-alive ({len(queries)} queries)", statistics.median(over_http) * 1000,
            "ms", note=f"p95 {sorted(over_http)[int(len(over_http) * 0.95)] * 1000:.2f} ms; target < 5 ms"),
        Row(f"dependencies gate, {pins} pins ({found} findings)", gate, "s", "pip-audit alone vs mirror", pip_audit,
            note="gate = snapshot load + mirror + pip-audit + findings"),
    ]
