"""Spine benchmarks: start-up, runner + reporter overhead, and concurrency of the whole pipeline.

- ``--help`` start-up of our CLI beside bandit's (the lightest peer engine);
- overhead: the demo with one trivial gate (data-integrity) — CLI wall time minus the gate's
  own time — i.e. start-up, config, runner threads and all reporters;
- the full demo pipeline's wall time beside the sum and the maximum of its gates' times
  (gates run concurrently: the goal is close to the slowest gate, not the sum).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, median_seconds

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo-project"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gates", *args], capture_output=True, text=True, cwd=REPO)


def rows(quick: bool) -> list[Row]:
    """Start-up, overhead and concurrency rows."""
    repeats = 3 if quick else 7
    ours = median_seconds(lambda: _cli("--help"), repeats=repeats)
    bandit = median_seconds(lambda: subprocess.run([sys.executable, "-m", "bandit", "--version"],
                                                   capture_output=True), repeats=repeats)
    out = [Row("start-up: --help", ours * 1000, "ms", "bandit --version", bandit * 1000)]

    overheads = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            started = time.perf_counter()
            _cli("run", "--workspace", str(DEMO), "--gates", "data-integrity", "--report-dir", tmp)
            wall = time.perf_counter() - started
            gate = next(g for g in json.loads((Path(tmp) / "report.json").read_text())["gates"]
                        if g["name"] == "data-integrity")
            overheads.append(wall - gate["duration_s"])
    out.append(Row("overhead: runner + reporters (1 gate)", statistics.median(overheads) * 1000, "ms",
                   note="CLI wall time minus the gate's own time, demo, data-integrity only"))

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "examples" / "run_demo.py"), "--report-dir", tmp],
                       capture_output=True, text=True)
        wall = time.perf_counter() - started
        report = json.loads((Path(tmp) / "report.json").read_text())
    durations = [g["duration_s"] for g in report["gates"] if g["status"] != "skipped"]
    out.append(Row("demo pipeline wall time (8 gates)", wall, "s", "sum of gate times", sum(durations),
                   note=f"slowest gate {max(durations):.1f} s; includes server start/stop"))
    out.append(Row("demo pipeline: runner total vs slowest gate", report["duration_s"], "s", "slowest gate",
                   max(durations)))
    return out
