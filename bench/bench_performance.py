"""The performance gate's built-in evaluation against the demo server with a fixed 50 ms
latency: 16 requests in flight vs one at a time (the same dataset, the same endpoint client).

    .venv/bin/python -m bench performance [--quick]
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench.common import Row
from gates.config.settings import EndpointSettings
from gates.perf.dataset import Match, load_dataset
from gates.perf.evaluate import evaluate
from tests.support.model_server import running_model_server

LATENCY_MS = 50
DATASET = Path(__file__).resolve().parents[1] / "examples" / "demo-project" / "eval" / "dataset.jsonl"


def _cases(copies: int, folder: Path) -> Path:
    """The demo dataset repeated ``copies`` times (ids made unique)."""
    lines = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    path = folder / "dataset.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n in range(copies):
            for row in lines:
                handle.write(json.dumps({**row, "id": f"{row['id']}-{n}"}) + "\n")
    return path


def _time(url: str, path: Path, concurrency: int) -> tuple[float, float]:
    cases = load_dataset(path, Match.CONTAINS, 0.0, path.name)
    settings = EndpointSettings(url=url, concurrency=concurrency)
    started = time.perf_counter()
    result = evaluate(settings, cases, concurrency=concurrency)
    elapsed = time.perf_counter() - started
    if result.metrics["accuracy"] != 1.0:
        raise SystemExit(f"the demo server should answer every case: {result.metrics}")
    return elapsed, len(cases) / elapsed


def rows(quick: bool) -> list[Row]:
    """Throughput (cases per second) concurrent vs sequential."""
    copies = 2 if quick else 5
    with tempfile.TemporaryDirectory() as tmp, running_model_server(latency_ms=LATENCY_MS) as url:
        path = _cases(copies, Path(tmp))
        _time(url, path, 16)  # warm-up
        parallel_s, parallel_rate = _time(url, path, 16)
        sequential_s, sequential_rate = _time(url, path, 1)
    n = 39 * copies
    return [
        Row(f"built-in evaluation, {n} cases, {LATENCY_MS} ms/request: wall time", parallel_s, "s",
            "one at a time", sequential_s, f"speed-up {sequential_s / parallel_s:.1f}x with 16 in flight"),
        Row(f"built-in evaluation, {n} cases, {LATENCY_MS} ms/request: throughput", parallel_rate, "cases/s",
            "one at a time", sequential_rate, ""),
    ]
