"""Waivers, thresholds and failing closed, decided in one place."""

from __future__ import annotations

import datetime as dt

from gates.config.waivers import Waiver
from gates.decide import decide
from gates.model import Checked, Errored, Severity, Skipped, Status, SuppressionKind
from tests.support.fake_gates import finding

TODAY = dt.date(2026, 11, 25)


def _decide(outcome, waivers=(), explicit=False, fail_on=Severity.LOW):
    return decide(name="dependencies", title="Deps", tool="pip-audit", outcome=outcome, explicit=explicit,
                  fail_on=fail_on, waivers=waivers, duration_s=0.1, today=TODAY)


def _waiver(**kw):
    base = dict(id="PYSEC-1", reason="no fix yet, not reachable", owner="@sec", expires=dt.date(2026, 12, 31))
    base.update(kw)
    return Waiver(**base)


def test_live_waiver_suppresses_but_keeps_finding() -> None:
    f = finding("PYSEC-1", package="requests")
    result = _decide(Checked(findings=(f,), checked=1, summary="1 vuln"), [_waiver()])
    assert result.status is Status.PASSED
    assert result.findings[0].suppression.kind is SuppressionKind.WAIVER
    assert result.findings[0].suppression.owner == "@sec"


def test_waiver_matches_alias_and_scope() -> None:
    f = finding("PYSEC-1", package="requests", aliases=("CVE-2024-1",))
    assert _decide(Checked((f,), 1, "s"), [_waiver(id="CVE-2024-1")]).status is Status.PASSED
    assert _decide(Checked((f,), 1, "s"), [_waiver(package="urllib3")]).status is Status.FAILED
    assert _decide(Checked((f,), 1, "s"), [_waiver(gate="code-security")]).status is Status.FAILED
    assert _decide(Checked((f,), 1, "s"), [_waiver(path="src/**")]).status is Status.PASSED
    assert _decide(Checked((f,), 1, "s"), [_waiver(path="lib/*")]).status is Status.FAILED
    ruamel = finding("PYSEC-1", package="ruamel-yaml")
    assert _decide(Checked((ruamel,), 1, "s"), [_waiver(package="Ruamel.YAML")]).status is Status.PASSED


def test_expired_waiver_blocks_and_says_so() -> None:
    f = finding("PYSEC-1")
    result = _decide(Checked((f,), 1, "s"), [_waiver(expires=dt.date(2026, 11, 24))])
    assert result.status is Status.FAILED
    assert "waiver expired 2026-11-24" in result.findings[0].message
    assert any("expired on 2026-11-24" in n for n in result.notes)


def test_waiver_applies_through_its_last_day() -> None:
    f = finding("PYSEC-1")
    assert _decide(Checked((f,), 1, "s"), [_waiver(expires=TODAY)]).status is Status.PASSED


def test_error_keeps_findings_and_waivers() -> None:
    result = _decide(Errored("pip-audit crashed", findings=(finding("PYSEC-1"),)), [_waiver()])
    assert result.status is Status.ERROR and result.findings[0].suppressed


def test_skip_explicit_and_not() -> None:
    assert _decide(Skipped("no manifest")).status is Status.SKIPPED
    explicit = _decide(Skipped("no manifest"), explicit=True)
    assert explicit.status is Status.FAILED and "no manifest" in explicit.summary
