"""The monitor loop's schedule with sub-second intervals, slow and broken sources, cancellation."""

from __future__ import annotations

import threading
import time

from gates.deploy.monitor import Monitor, Verdict
from gates.deploy.rules import IntervalStatus, Limits, MissingDataPolicy, Rule
from gates.deploy.sources import MetricName, MetricSource, Reading

RULES = {MetricName.ERROR_RATE: Rule(MetricName.ERROR_RATE, 0.05)}


class Scripted(MetricSource):
    """A source whose answers follow a script: a value, 'hang'/'longhang' (sleep 0.5/1.5 s) or 'raise'."""

    kind = "scripted"

    def __init__(self, script: list[object]) -> None:
        super().__init__("s")
        self.script = list(script)
        self.calls: list[float] = []

    def provides(self) -> frozenset[MetricName]:
        return frozenset({MetricName.ERROR_RATE})

    def collect(self, deadline: float, window_elapsed_s: float) -> Reading:
        self.calls.append(time.monotonic())
        step = self.script.pop(0) if self.script else 0.0
        if step == "hang":
            time.sleep(0.5)
        if step == "longhang":
            time.sleep(1.5)
        if step == "raise":
            raise ValueError("garbled answer")
        return Reading(self.name, {MetricName.ERROR_RATE: float(step)} if isinstance(step, float) else {})


def _monitor(source: MetricSource, interval: float, limits: Limits | None = None) -> Monitor:
    limits = limits or Limits(inconclusive_limit=10)
    return Monitor([source], RULES, limits, MissingDataPolicy.INCONCLUSIVE, interval, log=lambda _line: None)


def test_sub_second_ticks_follow_the_monotonic_schedule() -> None:
    source = Scripted([])
    result = _monitor(source, 0.1).run("monitor", 1.0, 0.2, threading.Event())
    assert result.healthy and len(result.records) == 10
    assert [r.status for r in result.records[:2]] == [IntervalStatus.WARMUP] * 2
    gaps = [b - a for a, b in zip(source.calls, source.calls[1:])]
    assert all(0.07 < gap < 0.13 for gap in gaps), gaps
    assert abs((source.calls[-1] - source.calls[0]) - 0.9) < 0.05  # no drift over the window


def test_hanging_and_broken_sources_are_missing_data_not_crashes() -> None:
    source = Scripted([0.0, "hang", "raise", 0.0])
    result = _monitor(source, 0.2).run("monitor", 1.6, 0, threading.Event())
    missing = [r.missing[0].split(": ", 2)[-1] if r.missing else "" for r in result.records]
    assert missing[:6] == ["", "did not answer within the interval",
                           "still busy with the previous interval's collection",
                           "still busy with the previous interval's collection",
                           "ValueError: garbled answer", ""], missing
    # a source that hangs or breaks is a measurement error (its own limit), not "no data" and never bad
    assert [r.status for r in result.records[:6]] == [IntervalStatus.HEALTHY] + [IntervalStatus.ERROR] * 4 \
        + [IntervalStatus.HEALTHY]
    assert result.records[1].collect_s < 0.2  # the verdict did not wait for the hanging source
    assert len(result.records) == 8 and len(source.calls) == 6  # not asked while the hanging call ran


def test_measurement_errors_in_a_row_end_the_window_as_inconclusive_not_failed() -> None:
    result = _monitor(Scripted(["raise"] * 10), 0.1, Limits(error_limit=3)).run("monitor", 2.0, 0, threading.Event())
    assert result.verdict is Verdict.INCONCLUSIVE and len(result.records) == 3
    assert "3 measurement errors in a row reached the error limit of 3" in result.reason


def test_the_crossing_interval_ends_the_window_at_once() -> None:
    result = _monitor(Scripted([0.0, 0.5]), 0.3, Limits(failure_limit=1)).run("monitor", 3.0, 0, threading.Event())
    assert not result.healthy and len(result.records) == 2
    assert result.decided_at is not None and result.deciding_interval_start is not None
    assert result.decided_at - result.deciding_interval_start < 0.3


def test_cancel_event_stops_the_window() -> None:
    event = threading.Event()
    threading.Timer(0.25, event.set).start()
    started = time.monotonic()
    result = _monitor(Scripted([]), 0.1).run("monitor", 30.0, 0, event)
    assert result.cancelled and not result.healthy and time.monotonic() - started < 0.5


def test_cancel_cuts_a_slow_collection_short() -> None:
    event = threading.Event()
    threading.Timer(0.3, event.set).start()
    started = time.monotonic()
    result = _monitor(Scripted(["longhang"]), 5.0).run("monitor", 60.0, 0, event)
    assert result.cancelled and result.records == () and time.monotonic() - started < 1.0
