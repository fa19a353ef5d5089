"""Run the selected gates concurrently, each with a time limit, and decide their results.

Gates are independent (their engines are subprocesses or network I/O), so each runs in a
daemon thread, at most ``concurrency`` at once. An exception or a timeout becomes an ``error``
result; nothing a gate does can crash the run or pass by accident.
"""

from __future__ import annotations

import datetime as dt
import queue
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gates.config.policy import stricter
from gates.config.run_config import Config, PlannedGate
from gates.config.settings import EndpointSettings, GitHubEnv, Shard
from gates.decide import decide
from gates.errors import EngineMissing, GatesError, UsageError
from gates.model import Checked, Errored, GateResult, Outcome, RunResult, Severity, Skipped, Status
from gates.plugins.base import Gate, GateContext
from gates.plugins.registry import gate_class
from gates.tooloutput import code_block, essential


@dataclass(frozen=True)
class RunRequest:
    """Everything the runner needs, already resolved from config, inputs and flags."""

    workspace: Path
    report_dir: Path
    config: Config
    plan: Sequence[PlannedGate]
    github: GitHubEnv
    endpoint: EndpointSettings | None = None
    fail_on: Severity | None = None  # --fail-on: overrides every gate's threshold
    shard: Shard | None = None
    update_baseline: bool = False
    flags_tighten_only: bool = False  # on pull requests --fail-on may only lower a threshold
    heartbeat_s: float = 30.0
    today: dt.date = field(default_factory=dt.date.today)


@dataclass
class _Running:
    """Book-keeping for one gate thread; the deadline starts when the gate gets a slot."""

    name: str
    cls: type[Gate]
    explicit: bool
    cancelled: threading.Event
    logs: list[str]
    started: float = 0.0
    deadline: float = float("inf")


def run_gates(request: RunRequest, *, on_done: Callable[[GateResult, list[str]], None] | None = None,
              on_progress: Callable[[str], None] | None = None,
              lookup: Callable[[str], type[Gate]] = gate_class) -> RunResult:
    """Run the planned gates and return the decided results in pipeline order.

    ``lookup`` maps a gate name to its class (the registry; tests pass their own plugins).
    """
    started = time.monotonic()
    results: dict[str, GateResult] = {}
    to_run = []
    for planned in request.plan:
        cls = lookup(planned.name)
        reason = planned.reason
        if planned.run and request.shard is not None and not cls.shardable and request.shard.index != 1:
            reason = f"runs in shard 1/{request.shard.count} only (its work is not split)"
        elif planned.run:
            to_run.append(planned)
            continue
        results[planned.name] = GateResult(name=planned.name, title=cls.title, tool=cls.tool,
                                           status=Status.SKIPPED, summary=reason, duration_s=0.0)
    limit = request.config.concurrency or max(1, len(to_run))
    slots = threading.Semaphore(limit)
    done: queue.Queue[tuple[str, Outcome, float]] = queue.Queue()
    scratch = Path(tempfile.mkdtemp(prefix="secure-ai-gates-"))
    try:
        running = {p.name: _start(p, lookup(p.name), request, scratch, slots, done) for p in to_run}
        _collect(request, running, results, done, on_done, on_progress)
    finally:
        # the gates' scratch holds raw engine output (garak replies, materialised base files): never left behind
        shutil.rmtree(scratch, ignore_errors=True)
    ordered = tuple(results[p.name] for p in request.plan)
    return RunResult(gates=ordered, duration_s=round(time.monotonic() - started, 3),
                     workspace=str(request.workspace), config_source=request.config.source,
                     shard=str(request.shard) if request.shard else None)


def _collect(request: RunRequest, running: dict[str, _Running], results: dict[str, GateResult],
             done: queue.Queue[tuple[str, Outcome, float]],
             on_done: Callable[[GateResult, list[str]], None] | None,
             on_progress: Callable[[str], None] | None) -> None:
    """Wait for every running gate: finish each as it reports, time out the late ones, beat the heart."""
    last_beat = time.monotonic()
    while running:
        now = time.monotonic()
        wait = min([r.deadline for r in running.values()] + [last_beat + request.heartbeat_s]) - now
        try:
            name, outcome, finished = done.get(timeout=max(0.05, wait))
        except queue.Empty:
            now = time.monotonic()
            for name, item in list(running.items()):
                if now >= item.deadline:
                    item.cancelled.set()
                    limit_s = item.deadline - item.started
                    outcome = Errored(f"timed out after {limit_s:g} s (raise gates.{name}.timeout if it needs longer)")
                    _finish(request, results, running.pop(name), outcome, now, on_done)
            if now - last_beat >= request.heartbeat_s and running and on_progress:
                on_progress("still running: " + ", ".join(f"{n} ({now - r.started:.0f}s)" for n, r in running.items()))
                last_beat = now
            continue
        if name in running:
            _finish(request, results, running.pop(name), outcome, finished, on_done)


def _start(planned: PlannedGate, cls: type[Gate], request: RunRequest, scratch: Path, slots: threading.Semaphore,
           done: queue.Queue[tuple[str, Outcome, float]]) -> _Running:
    section = request.config.gate(planned.name)
    timeout = section.timeout_s or request.config.timeout_s or cls.default_timeout_s
    item = _Running(planned.name, cls, planned.explicit, threading.Event(), [], started=time.monotonic())
    work_dir = scratch / planned.name
    work_dir.mkdir(parents=True, exist_ok=True)

    def work() -> None:
        with slots:
            item.started = time.monotonic()
            item.deadline = item.started + timeout
            ctx = GateContext(name=planned.name, workspace=request.workspace, options=dict(section.options),
                              report_dir=request.report_dir, work_dir=work_dir, github=request.github,
                              endpoint=request.endpoint, explicit=planned.explicit,
                              shard=request.shard if cls.shardable else None,
                              update_baseline=request.update_baseline, deadline=item.deadline,
                              cancelled=item.cancelled, log=item.logs.append)
            outcome = _call(cls(), ctx)
        done.put((planned.name, outcome, time.monotonic()))

    threading.Thread(target=work, name=f"gate-{planned.name}", daemon=True).start()
    return item


def _call(gate: Gate, ctx: GateContext) -> Outcome:
    """Run one gate; every exception becomes an Errored outcome with a clear message."""
    try:
        outcome: object = gate.run(ctx)
    except EngineMissing as exc:
        return Errored(str(exc), metrics={"missing-extra": exc.extra})
    except GatesError as exc:  # a bad input file (ConfigError) is remembered: the run then exits 2, not 3
        return Errored(str(exc), details=_stderr_details(exc, ctx),
                       metrics={"error_kind": "usage"} if isinstance(exc, UsageError) else {})
    except Exception as exc:  # noqa: BLE001 - a gate bug must end in error, never crash or pass
        ctx.log(traceback.format_exc())  # shown in the gate's console group, not as the message
        return Errored(f"internal error in the {gate.name} gate: {type(exc).__name__}: {exc}")
    if not isinstance(outcome, (Checked, Skipped, Errored)):
        return Errored(f"the {gate.name} gate returned {type(outcome).__name__}, not an outcome")
    return outcome


def _stderr_details(exc: GatesError, ctx: GateContext) -> str:
    """The engine's error output trimmed for the summary; the raw text goes to the gate's log."""
    stderr = getattr(exc, "stderr", "") or ""
    if not stderr.strip():
        return ""
    tool = getattr(exc, "tool", None) or "the engine"
    ctx.log(f"{tool} error output ({len(stderr)} characters):")
    for line in stderr.splitlines():
        ctx.log(f"    {line}")
    short = essential(stderr)
    return f"{tool} said (last lines; the whole output is in the gate's log):\n{code_block(short)}" if short else ""


def _finish(request: RunRequest, results: dict[str, GateResult], item: _Running, outcome: Outcome,
            finished: float, on_done: Callable[[GateResult, list[str]], None] | None) -> None:
    cls = item.cls
    section = request.config.gate(item.name)
    fail_on = section.fail_on or request.config.fail_on or cls.default_fail_on
    if request.fail_on is not None:
        fail_on = stricter(request.fail_on, fail_on) if request.flags_tighten_only else request.fail_on
    result = decide(name=cls.name, title=cls.title, tool=cls.tool, outcome=outcome, explicit=item.explicit,
                    fail_on=fail_on, waivers=request.config.waivers, duration_s=finished - item.started,
                    today=request.today, shard=str(request.shard) if request.shard else None)
    results[item.name] = result
    if on_done:
        on_done(result, list(item.logs))
