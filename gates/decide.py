"""Turn a gate's outcome into its final result: waivers, thresholds, and failing closed.

This is the only place a status is decided, so every gate gets the same rules:
- an ``Errored`` outcome is ``error``;
- ``Skipped`` is ``skipped``, unless the user asked for the gate by name: then ``failed``;
- ``Checked`` with nothing checked is ``failed`` (a gate that looked at nothing never passes);
- otherwise ``failed`` when an unsuppressed finding reaches the threshold, else ``passed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from gates.config.waivers import Waiver, apply_waivers
from gates.model import Checked, Errored, GateResult, Outcome, Severity, Skipped, Status


def decide(*, name: str, title: str, tool: str, outcome: Outcome, explicit: bool, fail_on: Severity,
           waivers: Sequence[Waiver], duration_s: float, today: dt.date, shard: str | None = None) -> GateResult:
    """The decided :class:`GateResult` for one gate's outcome.

    In a shard, checking nothing is normal (the work went to other shards): the result is
    ``skipped`` here and ``merge`` fails the gate if no shard checked anything.
    """
    common = GateResult(name=name, title=title, tool=tool, duration_s=round(duration_s, 3), fail_on=fail_on,
                        status=Status.SKIPPED, summary="")
    if isinstance(outcome, Skipped):
        if explicit:
            return replace(common, status=Status.FAILED, summary=f"requested but could not run: {outcome.reason}",
                           notes=("this gate was requested by name, so not running it fails the run",))
        return replace(common, summary=outcome.reason)
    applied = apply_waivers(name, outcome.findings, waivers, today)
    if isinstance(outcome, Errored):
        return replace(common, status=Status.ERROR, summary=outcome.reason, details=outcome.details,
                       findings=applied.findings, metrics=dict(outcome.metrics), notes=applied.notes)
    assert isinstance(outcome, Checked)
    result = replace(common, status=Status.PASSED, summary=outcome.summary, details=outcome.details,
                     findings=applied.findings, metrics={"checked": outcome.checked, **outcome.metrics},
                     tool_versions=dict(outcome.tool_versions), notes=applied.notes)
    if outcome.checked <= 0:
        if shard is not None and not result.findings:
            return _with(result, Status.SKIPPED, f"nothing to check in shard {shard}: {outcome.summary}")
        return _with(result, Status.FAILED, f"checked nothing: {outcome.summary}")
    if result.blocking:
        return _with(result, Status.FAILED, outcome.summary)
    return result


def _with(result: GateResult, status: Status, summary: str) -> GateResult:
    return replace(result, status=status, summary=summary)
