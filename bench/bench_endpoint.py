"""Benchmark: the model-security probe suite with parallel requests vs one at a time.

The demo model server adds a fixed 50 ms to every request (a stand-in for model latency); the
built-in suite runs through the real endpoint client and judge, 16 requests at a time and then
1 at a time. Run: ``.venv/bin/python -m bench endpoint``.
"""

from __future__ import annotations

from bench.common import Row, median_seconds
from gates.config.settings import EndpointSettings
from gates.endpoint import EndpointClient, ErrorBudget
from gates.probes.canary import new_canary
from gates.probes.loader import load_builtin
from gates.probes.suite import SuiteSettings, compose_system_prompt, run_probes
from tests.support.model_server import running_model_server

LATENCY_MS = 50
PARALLEL = 16


def _suite_seconds(url: str, concurrency: int, repeats: int) -> float:
    probes = load_builtin()
    canary = new_canary()
    system = compose_system_prompt(None, canary)
    settings = EndpointSettings(url=url, concurrency=concurrency, retries=0, error_budget=0.0)
    with EndpointClient(settings) as client:

        def once() -> None:
            results = run_probes(client, probes, SuiteSettings(system=system, canaries=[canary]),
                                 ErrorBudget(len(probes), 0.0, url))
            assert all(r.error is None and r.passed for r in results), "the hardened demo must pass every probe"

        return median_seconds(once, repeats=repeats, warmup=1)


def rows(quick: bool) -> list[Row]:
    """The suite's wall time at 16 parallel requests beside its time one at a time."""
    repeats = 2 if quick else 5
    probes = len(load_builtin())
    with running_model_server(latency_ms=LATENCY_MS) as url:
        parallel = _suite_seconds(url, PARALLEL, repeats)
        serial = _suite_seconds(url, 1, repeats)
    speedup = serial / parallel
    return [Row(f"model-security built-in suite ({probes} probes, {LATENCY_MS} ms/request), {PARALLEL} parallel",
                parallel, "s", "same suite, 1 at a time", serial, f"speed-up {speedup:.1f}x (aim >= 8x)")]
