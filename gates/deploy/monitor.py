"""The monitor loop: one collection per interval from every source, judged, counted.

Ticks are scheduled on ``time.monotonic()`` at ``start + k * interval``; a collection gets
80 % of the interval as its deadline (and 10 % more to hand in late answers), so the verdict
of an interval is known before the next tick and the rollback can start within one interval of the interval that
crossed the limit. Sources are read in parallel threads; a source that has not answered by
the deadline counts as missing data, and is not asked again while that collection still runs
(one collection per source at a time). Missed ticks (a slow machine) are skipped, not queued.
"""

from __future__ import annotations

import concurrent.futures
import enum
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from gates.deploy.rules import Ending, IntervalStatus, Limits, MissingDataPolicy, Rule, Tally, judge
from gates.deploy.sources.base import MetricSource, Reading, WindowStart

_COLLECT_FRACTION = 0.8
_GRACE_FRACTION = 0.1
_CANCEL_POLL_S = 0.1


@dataclass(frozen=True)
class IntervalRecord:
    """One row of the timeline."""

    phase: str
    index: int
    started_at: str
    offset_s: float
    status: IntervalStatus
    worst: Mapping[str, float]
    violations: tuple[str, ...]
    missing: tuple[str, ...]
    collect_s: float
    requests: int


class Verdict(str, enum.Enum):
    """How a window ended."""

    HEALTHY = "healthy"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class WindowResult:
    """How a monitoring, canary-step or verification window ended."""

    phase: str
    verdict: Verdict
    reason: str
    records: tuple[IntervalRecord, ...]
    #: monotonic start of the interval whose verdict ended the window (None when none did)
    deciding_interval_start: float | None = None
    decided_at: float | None = None
    first_bad_offset_s: float | None = None
    collect_overhead_s: tuple[float, ...] = field(default_factory=tuple)

    @property
    def healthy(self) -> bool:
        """Every limit held and health was shown."""
        return self.verdict is Verdict.HEALTHY

    @property
    def cancelled(self) -> bool:
        """A cancel signal ended the window."""
        return self.verdict is Verdict.CANCELLED


@dataclass
class Monitor:
    """Reads ``sources`` every ``interval_s`` and judges them by ``rules`` and ``limits``."""

    sources: Sequence[MetricSource]
    rules: Mapping[str, Rule]
    limits: Limits
    policy: MissingDataPolicy
    interval_s: float
    log: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic
    _inflight: dict[int, concurrent.futures.Future[Reading]] = field(default_factory=dict, repr=False)

    def run(self, phase: str, duration_s: float, warmup_s: float, cancelled: threading.Event, *,
            version: str = "", interval_s: float | None = None, weight: str = "") -> WindowResult:
        """Watch ``version`` for ``duration_s`` seconds (the first ``warmup_s`` do not count)."""
        interval = interval_s or self.interval_s
        for source in self.sources:
            source.start_window(WindowStart(phase, version, warmup_s, interval, weight))
        tally = Tally(self.limits)
        records: list[IntervalRecord] = []
        first_bad: float | None = None
        start = self.clock()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(self.sources)),
                                                     thread_name_prefix=f"deploy-{phase}")
        try:
            index = 0
            while True:
                tick = start + index * interval
                if tick - start >= duration_s - 1e-9:
                    break
                if cancelled.wait(max(0.0, tick - self.clock())):
                    return WindowResult(phase, Verdict.CANCELLED, "cancelled", tuple(records),
                                        first_bad_offset_s=first_bad)
                tick_now = self.clock()
                if tick_now - tick > interval:  # fell behind: skip to the current tick
                    index = int((tick_now - start) // interval)
                    continue
                record = self._interval(pool, phase, index, tick, start, warmup_s, cancelled, interval)
                if cancelled.is_set():  # a collection cut short by the cancel is not judged
                    return WindowResult(phase, Verdict.CANCELLED, "cancelled", tuple(records),
                                        first_bad_offset_s=first_bad)
                records.append(record)
                self.log(_line(record))
                if record.status is IntervalStatus.BAD and first_bad is None:
                    first_bad = record.offset_s
                ending = tally.add(record.status)
                if ending is not None:
                    return WindowResult(phase, _VERDICTS[ending[0]], ending[1], tuple(records),
                                        deciding_interval_start=tick,
                                        decided_at=self.clock(), first_bad_offset_s=first_bad,
                                        collect_overhead_s=tuple(r.collect_s for r in records))
                index += 1
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        late = tally.at_end()
        verdict, reason = (Verdict.HEALTHY, "every limit held for the whole window") if late is None \
            else (_VERDICTS[late[0]], late[1])
        return WindowResult(phase, verdict, reason, tuple(records), first_bad_offset_s=first_bad,
                            collect_overhead_s=tuple(r.collect_s for r in records))

    def _interval(self, pool: concurrent.futures.ThreadPoolExecutor, phase: str, index: int, tick: float,
                  start: float, warmup_s: float, cancelled: threading.Event, interval: float) -> IntervalRecord:
        began = self.clock()
        deadline = tick + interval * _COLLECT_FRACTION
        elapsed = began - start
        readings: list[Reading] = []
        futures: dict[concurrent.futures.Future[Reading], MetricSource] = {}
        for source in self.sources:
            previous = self._inflight.get(id(source))
            if previous is not None and not previous.done():  # one collection per source at a time
                readings.append(Reading.failed(source.name, source.provides(),
                                               "still busy with the previous interval's collection"))
                continue
            future = pool.submit(source.collect, deadline, elapsed)
            self._inflight[id(source)] = future
            futures[future] = source
        end = deadline + interval * _GRACE_FRACTION
        while True:  # wait in short slices so that a cancel is seen at once
            remaining = end - self.clock()
            done, pending = concurrent.futures.wait(futures, timeout=max(0.0, min(remaining, _CANCEL_POLL_S)))
            if not pending or remaining <= 0 or cancelled.is_set():
                break
        readings += [_reading(future, futures[future], future in done) for future in futures]
        verdict = judge(readings, self.rules, self.policy)
        status = IntervalStatus.WARMUP if tick - start < warmup_s else verdict.status
        return IntervalRecord(phase, index + 1, datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                              round(tick - start, 3), status, verdict.worst, verdict.violations, verdict.missing,
                              round(self.clock() - began, 4), sum(r.requests for r in readings))


_VERDICTS = {Ending.FAILED: Verdict.FAILED, Ending.INCONCLUSIVE: Verdict.INCONCLUSIVE}


def _reading(future: concurrent.futures.Future[Reading], source: MetricSource, done: bool) -> Reading:
    """The source's reading, or a reading with everything missing and the reason."""
    if not done:
        return Reading.failed(source.name, source.provides(), "did not answer within the interval")
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - whatever broke in a source is missing data, never a crash
        return Reading.failed(source.name, source.provides(), f"{type(exc).__name__}: {exc}")


def _line(record: IntervalRecord) -> str:
    values = ", ".join(f"{metric}={value:.4g}" for metric, value in sorted(record.worst.items()))
    extra = "; ".join(record.violations or record.missing)
    return (f"[{record.phase} #{record.index} +{record.offset_s:.2f}s] {record.status.value}"
            + (f" ({values})" if values else "") + (f": {extra}" if extra else ""))
