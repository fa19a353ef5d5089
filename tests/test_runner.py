"""The runner: concurrency, time limits, exceptions, explicit requests, ordering."""

from __future__ import annotations

import time
from pathlib import Path

from gates.config.run_config import Config, GateConfig, PlannedGate
from gates.config.settings import GitHubEnv
from gates.model import Severity, Status
from gates.runner import RunRequest, run_gates
from tests.support.fake_gates import FAKE_GATES


def _run(tmp_path: Path, *names: str, explicit: bool = False, config: Config | None = None, **kw: object):
    plan = [PlannedGate(n, run=True, explicit=explicit) for n in names]
    request = RunRequest(workspace=tmp_path, report_dir=tmp_path / "r", config=config or Config(), plan=plan,
                         github=GitHubEnv(), **kw)  # type: ignore[arg-type]
    return run_gates(request, lookup=FAKE_GATES.__getitem__)


def test_statuses_follow_outcomes(tmp_path: Path) -> None:
    run = _run(tmp_path, "passing", "finding", "empty", "skipping", "erroring", "raising")
    status = {g.name: g.status for g in run.gates}
    assert status == {"passing": Status.PASSED, "finding": Status.FAILED, "empty": Status.FAILED,
                      "skipping": Status.SKIPPED, "erroring": Status.ERROR, "raising": Status.ERROR}
    assert [g.name for g in run.gates] == ["passing", "finding", "empty", "skipping", "erroring", "raising"]
    assert run.status is Status.FAILED  # failed and errored together: failed (exit 1)


def test_exception_becomes_error_with_message(tmp_path: Path) -> None:
    (gate,) = _run(tmp_path, "raising").gates
    assert gate.status is Status.ERROR
    assert "ZeroDivisionError: division by zero" in gate.summary


def test_checked_nothing_never_passes(tmp_path: Path) -> None:
    (gate,) = _run(tmp_path, "empty").gates
    assert gate.status is Status.FAILED and gate.summary.startswith("checked nothing")


def test_explicit_skip_fails_with_reason(tmp_path: Path) -> None:
    (gate,) = _run(tmp_path, "skipping", explicit=True).gates
    assert gate.status is Status.FAILED
    assert "no endpoint configured" in gate.summary


def test_timeout_is_an_error_and_does_not_wait(tmp_path: Path) -> None:
    started = time.monotonic()
    (gate,) = _run(tmp_path, "slow").gates
    assert time.monotonic() - started < 5
    assert gate.status is Status.ERROR and "timed out after 0.5 s" in gate.summary


def test_gates_run_concurrently(tmp_path: Path) -> None:
    # five sleeping gates would take 2 s one after the other
    from tests.support import fake_gates

    lookup = {f"sleep{i}": type(f"Sleep{i}", (fake_gates.SleepGate,), {"name": f"sleep{i}"}) for i in range(5)}
    plan = [PlannedGate(n, run=True, explicit=False) for n in lookup]
    started = time.monotonic()
    result = run_gates(RunRequest(workspace=tmp_path, report_dir=tmp_path, config=Config(), plan=plan,
                                  github=GitHubEnv()), lookup=lookup.__getitem__)
    elapsed = time.monotonic() - started
    assert all(g.status is Status.PASSED for g in result.gates)
    assert elapsed < 1.5, elapsed


def test_fail_on_threshold(tmp_path: Path) -> None:
    (gate,) = _run(tmp_path, "finding", fail_on=Severity.CRITICAL).gates
    assert gate.status is Status.PASSED and len(gate.findings) == 2
    config = Config(gates={"finding": GateConfig(fail_on=Severity.LOW)})
    (gate,) = _run(tmp_path, "finding", config=config).gates
    assert gate.status is Status.FAILED and len(gate.blocking) == 2


def test_not_run_gates_are_skipped_with_reason(tmp_path: Path) -> None:
    plan = [PlannedGate("passing", run=False, explicit=False, reason="disabled in x.yml")]
    result = run_gates(RunRequest(workspace=tmp_path, report_dir=tmp_path, config=Config(), plan=plan,
                                  github=GitHubEnv()), lookup=FAKE_GATES.__getitem__)
    assert result.gates[0].status is Status.SKIPPED and result.gates[0].summary == "disabled in x.yml"
    assert result.status is Status.PASSED


def test_the_scratch_directory_is_deleted_after_the_run(tmp_path: Path) -> None:
    """Gates keep raw engine output (model replies, possibly leaked secrets) in their work dir."""
    from gates.model import Checked, Outcome
    from gates.plugins.base import Gate, GateContext

    seen: list[Path] = []

    class ScratchGate(Gate):
        """Writes a reply into its scratch directory."""

        name, title, tool = "scratch", "Scratch", "fake"

        def run(self, ctx: GateContext) -> Outcome:
            (ctx.work_dir / "raw-replies.jsonl").write_text('{"reply": "the canary"}\n', encoding="utf-8")
            seen.append(ctx.work_dir)
            return Checked(findings=(), checked=1, summary="wrote a reply")

    plan = [PlannedGate("scratch", run=True, explicit=False), PlannedGate("raising", run=True, explicit=False)]
    request = RunRequest(workspace=tmp_path, report_dir=tmp_path / "r", config=Config(), plan=plan, github=GitHubEnv())
    lookup = {**FAKE_GATES, "scratch": ScratchGate}
    run = run_gates(request, lookup=lookup.__getitem__)
    assert [g.status for g in run.gates] == [Status.PASSED, Status.ERROR]
    assert seen and not seen[0].exists() and not seen[0].parent.exists()
