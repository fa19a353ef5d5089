"""The deploy itself: record, deploy, watch, and roll back when health or the deploy fails.

    record the last known good version -> deploy -> monitor window (or one window per canary step)
        healthy                        -> result healthy (exit 0); the deployed version is now known good
        bad / deploy failed / cancel   -> rollback -> verify window (+ version check)
            verified                   -> rolled-back (exit 1)
            verification inconclusive  -> inconclusive (exit 3): restored, health not shown
            rollback or verify failed  -> rollback-failed (exit 3)
        inconclusive (monitoring gap)  -> rollback (on-inconclusive rollback) or inconclusive (leave)
    cancelled with --on-cancel leave   -> cancelled (exit 3), new version left in service

The rollback command always runs before the state file records it: bookkeeping never delays
or stops the safety action. After a cancel signal the verification is shortened to fit
``cancel-grace`` and ends at the runner's second signal.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gates.deploy.analysis import Step
from gates.deploy.cancel import CancelGuard, Cancelled
from gates.deploy.commands import CommandRun, read_version, run_command
from gates.deploy.inflight import start_ticks, stop_group
from gates.deploy.monitor import Monitor, Verdict, WindowResult
from gates.deploy.settings import DeploySettings
from gates.deploy.state import Phase, StateFile, load
from gates.errors import ExitCode, ToolError, UsageError

UNKNOWN = "unknown"
#: time kept after a cancel for the version check, the report and the deployment status
_REPORT_RESERVE_S = 1.5
_MIN_VERIFY_S = 0.3


class Result(str, enum.Enum):
    """The ``result`` output."""

    HEALTHY = "healthy"
    ROLLED_BACK = "rolled-back"
    ROLLBACK_FAILED = "rollback-failed"
    INCONCLUSIVE = "inconclusive"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Outcome:
    """Everything the report needs."""

    result: Result
    previous_version: str
    deployed_version: str
    reason: str
    exit_code: ExitCode
    windows: tuple[WindowResult, ...] = ()
    commands: tuple[CommandRun, ...] = ()
    #: seconds from the start of the interval that crossed the limit to the rollback command starting
    rollback_delay_s: float | None = None
    #: seconds from that interval's verdict to the rollback command starting
    decision_to_rollback_s: float | None = None
    action_needed: str = ""
    interval_s: float = 0.0


@dataclass
class Deployer:
    """Runs one deploy (or, with ``rollback_only``, one rollback from the state file)."""

    settings: DeploySettings
    monitor: Monitor
    state: StateFile
    guard: CancelGuard
    log: Callable[[str], None] = print
    show_output: Callable[[CommandRun], None] = lambda _run: None
    run_id: str = ""
    commands: list[CommandRun] = field(default_factory=list)
    windows: list[WindowResult] = field(default_factory=list)
    previous: str = UNKNOWN
    deployed: str = UNKNOWN

    def run(self) -> Outcome:
        """The whole flow; only configuration problems and an unreadable current version raise."""
        if self.settings.rollback_only:
            return self._rollback_only()
        in_service = self._current_version()
        self.deployed = self.settings.new_version or UNKNOWN
        self.previous = self.state.begin(in_service, self.deployed, self.run_id).previous_version
        self.log(f"recorded the last known good version: {self.previous} (in service: {in_service}; "
                 f"state file {self.state.path})")
        if self.guard.event.is_set():
            why = f"cancelled by {self.guard.signal_name} before the deploy command started"
            self.state.update(Phase.CANCELLED, reason=why)
            return self._outcome(Result.CANCELLED, why, ExitCode.UNDECIDED,
                                 f"Nothing was deployed: {in_service} is still in service.")
        self.state.update(Phase.DEPLOYING)
        try:
            with self.guard.interruptible():
                deploy = self._command("deploy", track=True)
        except Cancelled as exc:
            return self._cancelled(f"cancelled by {exc} while the deploy command ran")
        if not deploy.ok:
            return self._rollback(f"the deploy failed ({deploy.summary})", None)
        self._confirm_deployed_version()
        self.state.update(Phase.MONITORING, deployed_version=self.deployed)
        steps = self.settings.steps or (Step(100, self.settings.duration_s),)
        for number, step in enumerate(steps, start=1):
            ended = self._step(number, step) if self.settings.steps else self._watch("monitor", step)
            if ended is not None:
                return ended
        self.state.update(Phase.HEALTHY, reason=self.windows[-1].reason)
        return self._outcome(Result.HEALTHY, f"{self.deployed} stayed healthy: {self.windows[-1].reason}",
                             ExitCode.OK)

    def _step(self, number: int, step: Step) -> Outcome | None:
        """Set one canary weight and judge its pause; an outcome when the deploy ends here."""
        try:
            with self.guard.interruptible():
                weight = self._command("set-weight", weight=str(step.weight))
        except Cancelled as exc:
            return self._cancelled(f"cancelled by {exc} while setting the weight of step {number}")
        if not weight.ok:
            return self._rollback(f"setting {step.weight} % in step {number} failed ({weight.summary})", None)
        return self._watch(f"step {number}: {step.weight} %", step)

    def _watch(self, phase: str, step: Step) -> Outcome | None:
        """One judged window of the deployed version; an outcome unless it stayed healthy."""
        try:
            window = self.monitor.run(phase, step.pause_s, self.settings.warmup_s, self.guard.event,
                                      version=self.deployed, weight=str(step.weight))
        except Exception as exc:  # noqa: BLE001 - a broken monitor must not leave an unwatched deploy behind
            return self._rollback(f"the health monitor failed ({type(exc).__name__}: {exc})", None)
        self.windows.append(window)
        where = "" if phase == "monitor" else f" in {phase}"
        if window.verdict is Verdict.CANCELLED:
            return self._cancelled(f"cancelled by {self.guard.signal_name or 'a signal'} during monitoring{where}")
        if window.verdict is Verdict.FAILED:
            return self._rollback(f"unhealthy after the deploy{where}: {window.reason}", window)
        if window.verdict is Verdict.INCONCLUSIVE:
            return self._inconclusive(f"monitoring was inconclusive{where} (a monitoring gap, not a bad service): "
                                      f"{window.reason}", window)
        return None

    def _inconclusive(self, why: str, window: WindowResult) -> Outcome:
        if self.settings.on_inconclusive == "rollback":
            return self._rollback(why, window)
        self.state.update(Phase.INCONCLUSIVE, reason=why)
        action = (f"{self.deployed} was left in service but its health was not shown (on-inconclusive leave). "
                  f"Fix the monitoring and check it; to restore {self.previous}, run "
                  f"`secure-ai-gates deploy --rollback-only --state-file {self.state.path} --rollback-command ...`.")
        return self._outcome(Result.INCONCLUSIVE, why, ExitCode.UNDECIDED, action)

    def _current_version(self) -> str:
        if self.settings.current_version:
            return self.settings.current_version
        spec = self.settings.current_version_command
        if spec is None:
            raise UsageError("give --current-version or --current-version-command")
        with self.guard.interruptible():
            version, run = read_version(spec, self._env(), self.settings.timeout_s)
        self.commands.append(run)
        if version is None:
            raise ToolError(f"cannot read the version in service, so nothing was deployed: {run.summary} "
                            f"(check --current-version-command or give --current-version)")
        return version

    def _confirm_deployed_version(self) -> None:
        spec = self.settings.current_version_command
        if self.settings.new_version or spec is None:
            return
        version, run = read_version(spec, self._env(), self.settings.timeout_s)
        self.commands.append(run)
        if version is None:
            self.log(f"warning: cannot read the deployed version: {run.summary}")
        else:
            self.deployed = version

    def _cancelled(self, why: str) -> Outcome:
        if self.settings.on_cancel == "rollback":
            return self._rollback(why, None)
        action = (f"{self.deployed} was left in service without a finished health check (--on-cancel leave). "
                  f"Check it now; to restore {self.previous}, run the rollback command or "
                  f"`secure-ai-gates deploy --rollback-only --state-file {self.state.path} --rollback-command ...`.")
        self.state.update(Phase.CANCELLED, reason=why)
        return self._outcome(Result.CANCELLED, why, ExitCode.UNDECIDED, action)

    def _rollback(self, why: str, trigger: WindowResult | None, requested: bool = False) -> Outcome:
        self.log(f"rolling back to {self.previous}: {why}")
        started = time.monotonic()
        delay = (
            None
            if trigger is None or trigger.deciding_interval_start is None
            else started - trigger.deciding_interval_start
        )
        decision = None if trigger is None or trigger.decided_at is None else started - trigger.decided_at
        rollback = self._command("rollback")  # first the safety action, then the bookkeeping
        self.state.update(Phase.ROLLING_BACK, reason=why)
        timing = {"rollback_delay_s": delay, "decision_to_rollback_s": decision}
        if not rollback.ok:
            return self._failed_rollback(why, rollback.summary, timing)
        verify = self._verify()
        problem = self._restored_version_problem()
        if problem:
            return self._failed_rollback(why, problem, timing)
        if verify is not None and verify.verdict is Verdict.FAILED:
            return self._failed_rollback(why, f"the service is still unhealthy after the rollback: {verify.reason}",
                                         timing)
        if verify is None or verify.verdict is not Verdict.HEALTHY:
            gap = "no time was left to verify it" if verify is None else (
                "the verification was cut short by the cancel" if verify.cancelled else verify.reason)
            self.state.update(Phase.ROLLED_BACK, reason=f"{why}; rollback not verified: {gap}")
            action = (f"{self.previous} was restored" + (" (the version command confirms it)"
                                                         if self.settings.current_version_command else "")
                      + f" but its health was not shown ({gap}). Check the service and the monitoring.")
            return self._outcome(Result.INCONCLUSIVE, f"rolled back to {self.previous}: {why}; the rollback was "
                                 f"not verified: {gap}", ExitCode.UNDECIDED, action, **timing)
        self.state.update(Phase.ROLLED_BACK, reason=why)
        return self._outcome(Result.ROLLED_BACK, f"rolled back to {self.previous}: {why}",
                             ExitCode.OK if requested else ExitCode.FAILED, **timing)  # type: ignore[arg-type]

    def _verify(self) -> WindowResult | None:
        """The verification window, shortened to the cancel grace when a cancel signal came."""
        duration, warmup = self.settings.verify_duration_s, self.settings.verify_warmup_s
        interval, stop = self.settings.interval_s, threading.Event()
        remaining = self.guard.remaining(self.settings.cancel_grace_s)
        if remaining is not None:
            stop = self.guard.hurry
            duration = min(duration, remaining - _REPORT_RESERVE_S)
            if duration < _MIN_VERIFY_S or stop.is_set():
                self.log("no time left before the runner's kill to verify the rollback")
                return None
            interval = min(interval, duration / 3)
            warmup = min(warmup, duration / 3)
            self.log(f"cancelled: verifying for {duration:.1f} s at {interval:.2f} s intervals to finish within "
                     f"--cancel-grace {self.settings.cancel_grace_s:g} s")
        try:
            verify = self.monitor.run("verify", duration, warmup, stop, version=self.previous, interval_s=interval)
        except Exception as exc:  # noqa: BLE001 - an unverifiable rollback is a failed one
            self.log(f"the health monitor failed during the verification: {type(exc).__name__}: {exc}")
            return None
        self.windows.append(verify)
        return verify

    def _restored_version_problem(self) -> str:
        spec = self.settings.current_version_command
        if spec is None:
            return ""
        version, run = read_version(spec, self._env(), self.settings.timeout_s)
        self.commands.append(run)
        if version is None:
            return f"cannot confirm the restored version: {run.summary}"
        if version != self.previous:
            return f"the version command reports {version} after the rollback, expected {self.previous}"
        return ""

    def _failed_rollback(self, why: str, failure: str, timing: dict[str, float | None]) -> Outcome:
        reason = f"{why}; then the rollback failed: {failure}"
        self.state.update(Phase.ROLLBACK_FAILED, reason=reason)
        action = (f"Restore version {self.previous} by hand now (the service may be running {self.deployed} "
                  f"or a broken mix); the state file {self.state.path} records both versions.")
        return self._outcome(Result.ROLLBACK_FAILED, reason, ExitCode.UNDECIDED, action, **timing)

    def _rollback_only(self) -> Outcome:
        recorded = load(self.settings.state_file)
        if recorded is None:
            raise UsageError(f"--rollback-only: no state file at {self.settings.state_file}; pass the --state-file "
                             f"written by the deploy")
        self.previous, self.deployed = recorded.previous_version, recorded.deployed_version
        self.state.resume(recorded)
        if recorded.command_pid:
            stopped = stop_group(recorded.command_pid, recorded.command_started)
            if stopped:
                self.log(stopped)
            self.state.update(command_pid=0, command_started="")
        return self._rollback(f"rollback requested with --rollback-only (state was {recorded.phase.value})", None,
                              requested=True)

    def _command(self, phase: str, *, track: bool = False, weight: str = "") -> CommandRun:
        spec = {"deploy": self.settings.deploy_command, "rollback": self.settings.rollback_command,
                "set-weight": self.settings.set_weight_command}[phase]
        if spec is None:
            raise UsageError(f"--{phase}-command is required")
        self.log(f"running the {phase} command: {spec}")
        env = {**self._env(), "WEIGHT": weight} if weight else self._env()
        on_start = self._track if track else None
        try:
            run = run_command(spec, phase, env, self.settings.timeout_s, on_start=on_start)
        finally:
            if track:
                self.state.update(command_pid=0, command_started="")
        self.commands.append(run)
        self.show_output(run)
        self.log(run.summary)
        return run

    def _track(self, pid: int) -> None:
        """Record the running deploy command so that a later --rollback-only can stop it."""
        self.state.update(command_pid=pid, command_started=start_ticks(pid))

    def _env(self) -> dict[str, str]:
        return {"PREVIOUS_VERSION": self.previous, "DEPLOYED_VERSION": self.deployed,
                "DEPLOY_STATE_FILE": str(self.state.path)}

    def _outcome(self, result: Result, reason: str, code: ExitCode, action: str = "", *,
                 rollback_delay_s: float | None = None, decision_to_rollback_s: float | None = None) -> Outcome:
        if self.state.unsaved:
            action = (action + " " if action else "") + (
                f"The state file is out of date ({self.state.unsaved}): fix the disk, then check its "
                f"versions before the next deploy (the last known good version is {self.previous}).")
        return Outcome(result, self.previous, self.deployed, reason, code, tuple(self.windows), tuple(self.commands),
                       rollback_delay_s, decision_to_rollback_s, action, self.settings.interval_s)
