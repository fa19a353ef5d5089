"""Gates that exist only for the runner's tests: real plugins with scripted outcomes."""

from __future__ import annotations

import time

from gates.fingerprint import fingerprint
from gates.model import Checked, Errored, Finding, Outcome, Severity, Skipped
from gates.plugins.base import Gate, GateContext


def finding(rule: str = "T001", severity: Severity = Severity.HIGH, path: str | None = "src/app.py",
            line: int | None = 3, **kw: object) -> Finding:
    """A finding with a real fingerprint."""
    return Finding(rule_id=rule, severity=severity, message=kw.pop("message", f"{rule} found"),  # type: ignore[arg-type]
                   fingerprint=fingerprint(rule, path, f"context {rule} {line}"), path=path, line=line,
                   **kw)  # type: ignore[arg-type]


class PassingGate(Gate):
    """Checks three things and finds nothing."""

    name, title, tool = "passing", "Passing", "fake"

    def run(self, ctx: GateContext) -> Outcome:
        return Checked(findings=(), checked=3, summary="3 things fine")


class FindingGate(Gate):
    """Finds one high and one low finding."""

    name, title, tool = "finding", "Finding", "fake"

    def run(self, ctx: GateContext) -> Outcome:
        return Checked(findings=(finding("T100", Severity.HIGH), finding("T200", Severity.LOW, line=9)),
                       checked=2, summary="2 findings")


class EmptyGate(Gate):
    """Checks nothing at all."""

    name, title, tool = "empty", "Empty", "fake"

    def run(self, ctx: GateContext) -> Outcome:
        return Checked(findings=(), checked=0, summary="no files")


class SkippingGate(Gate):
    """Has nothing to check."""

    name, title, tool = "skipping", "Skipping", "fake"

    def run(self, ctx: GateContext) -> Outcome:
        return Skipped("no endpoint configured")


class ErroringGate(Gate):
    """Cannot decide."""

    name, title, tool = "erroring", "Erroring", "fake"

    def run(self, ctx: GateContext) -> Outcome:
        return Errored("tool crashed")


class RaisingGate(Gate):
    """Has a bug."""

    name, title, tool = "raising", "Raising", "fake"

    def run(self, ctx: GateContext) -> Outcome:
        raise ZeroDivisionError("division by zero")


class SlowGate(Gate):
    """Sleeps until cancelled or for 30 s."""

    name, title, tool = "slow", "Slow", "fake"
    default_timeout_s = 0.5

    def run(self, ctx: GateContext) -> Outcome:
        ctx.cancelled.wait(30)
        return Checked(findings=(), checked=1, summary="finished late")


class SleepGate(Gate):
    """Sleeps 0.4 s then passes (to show gates run concurrently)."""

    name, title, tool = "sleep", "Sleep", "fake"

    def run(self, ctx: GateContext) -> Outcome:
        time.sleep(0.4)
        return Checked(findings=(), checked=1, summary="slept")


FAKE_GATES: dict[str, type[Gate]] = {cls.name: cls for cls in (
    PassingGate, FindingGate, EmptyGate, SkippingGate, ErroringGate, RaisingGate, SlowGate, SleepGate)}
