"""Shared pieces of the benchmarks: one row type and a median timer."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of the benchmark table: our number beside the peer tool's."""

    benchmark: str
    ours: float
    unit: str
    peer_name: str = ""
    peer: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """ours / peer (for times: below 1 means we are faster)."""
        if self.peer in (None, 0):
            return None
        return self.ours / self.peer


def median_seconds(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
