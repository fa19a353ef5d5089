"""The adversarial gate (real garak) against the demo server with a fixed 50 ms latency:
16 prompts in flight (garak --parallel_attempts 16) vs one at a time.

    .venv/bin/python -m bench adversarial [--quick]

The probes are garak's encoding injections, whose attempts garak can run in parallel; the
promptinject probes are not (garak marks them ``parallelisable_attempts = False``) and would
only measure garak's sequential path. The gate's wall time includes garak's fixed costs
(start-up, probe construction, detectors, bootstrap intervals, HTML report), which no
parallelism removes: the speed-up is bounded by them and by the machine's cores.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Row
from gates.config.settings import EndpointSettings, GitHubEnv
from gates.model import Checked
from gates.plugins.adversarial import AdversarialGate
from gates.plugins.base import GateContext
from tests.support.model_server import running_model_server

LATENCY_MS = 50
PROBES = ["encoding.InjectBase64", "encoding.InjectHex", "encoding.InjectROT13"]


def _run(url: str, parallel: int, cap: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ctx = GateContext(name="adversarial", workspace=work, options={"probes": PROBES, "parallel": parallel,
                                                                      "prompt-cap": cap, "generations": 1},
                          report_dir=work, work_dir=work, github=GitHubEnv(), endpoint=EndpointSettings(url=url),
                          log=lambda _m: None)
        started = time.perf_counter()
        outcome = AdversarialGate().run(ctx)
        elapsed = time.perf_counter() - started
    if not isinstance(outcome, Checked):  # findings are possible (detector false positives): only time counts
        raise SystemExit(f"garak did not complete against the demo server: {outcome}")
    return elapsed, int(outcome.metrics["outputs_evaluated"])


def _median(url: str, parallel: int, cap: int, repeats: int) -> float:
    return statistics.median(_run(url, parallel, cap)[0] for _ in range(repeats))


def rows(quick: bool) -> list[Row]:
    """Gate wall time with 16 parallel attempts vs 1, and garak's fixed cost (1 prompt per probe).

    Medians of 3 runs (1 with --quick): on a shared 2-core machine single runs vary a lot.
    """
    cap = 32 if quick else 64
    repeats = 1 if quick else 3
    with running_model_server(latency_ms=LATENCY_MS) as url:
        _run(url, 16, 2)  # warm-up: imports, caches
        parallel = _median(url, 16, cap, repeats)
        sequential = _median(url, 1, cap, repeats)
        fixed_parallel = _median(url, 16, 1, repeats)
        fixed_sequential = _median(url, 1, 1, repeats)
    marginal = (sequential - fixed_sequential) / max(parallel - fixed_parallel, 1e-3)
    return [
        Row(f"adversarial gate, {len(PROBES)} encoding probes x {cap} prompts, {LATENCY_MS} ms/request",
            parallel, "s", "one at a time", sequential,
            f"speed-up {sequential / parallel:.1f}x with 16 parallel attempts"),
        Row("same, 1 prompt per probe (garak's fixed cost)", fixed_parallel, "s", "one at a time",
            fixed_sequential, f"without the fixed cost: {marginal:.1f}x"),
    ]
