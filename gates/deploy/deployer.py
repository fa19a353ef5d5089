"""The deploy itself: record, deploy, watch, and roll back when health or the deploy fails.

    record the version in service -> deploy -> monitor window
        healthy                       -> result healthy (exit 0)
        bad / deploy failed / cancel  -> rollback -> verify window (+ version check)
            verified                  -> rolled-back (exit 1)
            rollback or verify failed -> rollback-failed (exit 3)
    cancelled with --on-cancel leave  -> cancelled (exit 3), new version left in service
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gates.deploy.cancel import CancelGuard, Cancelled
from gates.deploy.commands import CommandRun, read_version, run_command
from gates.deploy.monitor import Monitor, WindowResult
from gates.deploy.settings import DeploySettings
from gates.deploy.state import Phase, StateFile, load
from gates.errors import ExitCode, ToolError, UsageError

UNKNOWN = "unknown"


class Result(str, enum.Enum):
    """The ``result`` output."""

    HEALTHY = "healthy"
    ROLLED_BACK = "rolled-back"
    ROLLBACK_FAILED = "rollback-failed"
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
        self.previous = self._current_version()
        self.deployed = self.settings.new_version or UNKNOWN
        self.state.begin(self.previous, self.deployed, self.run_id)
        self.log(f"recorded version in service: {self.previous} (state file {self.state.path})")
        if self.guard.event.is_set():
            why = f"cancelled by {self.guard.signal_name} before the deploy command started"
            self.state.update(Phase.CANCELLED, reason=why)
            return self._outcome(Result.CANCELLED, why, ExitCode.UNDECIDED,
                                 f"Nothing was deployed: {self.previous} is still in service.")
        self.state.update(Phase.DEPLOYING)
        try:
            with self.guard.interruptible():
                deploy = self._command("deploy")
        except Cancelled as exc:
            return self._cancelled(f"cancelled by {exc} while the deploy command ran")
        if not deploy.ok:
            return self._rollback(f"the deploy failed ({deploy.summary})", None)
        self._confirm_deployed_version()
        self.state.update(Phase.MONITORING, deployed_version=self.deployed)
        try:
            window = self.monitor.run("monitor", self.settings.duration_s, self.settings.warmup_s, self.guard.event)
        except Exception as exc:  # noqa: BLE001 - a broken monitor must not leave an unwatched deploy behind
            return self._rollback(f"the health monitor failed ({type(exc).__name__}: {exc})", None)
        self.windows.append(window)
        if window.cancelled:
            return self._cancelled(f"cancelled by {self.guard.signal_name or 'a signal'} during monitoring")
        if window.healthy:
            self.state.update(Phase.HEALTHY, reason=window.reason)
            return self._outcome(Result.HEALTHY, f"{self.deployed} stayed healthy: {window.reason}", ExitCode.OK)
        return self._rollback(f"unhealthy after the deploy: {window.reason}", window)

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
        self.state.update(Phase.ROLLING_BACK, reason=why)
        started = time.monotonic()
        delay = (
            None
            if trigger is None or trigger.deciding_interval_start is None
            else started - trigger.deciding_interval_start
        )
        decision = None if trigger is None or trigger.decided_at is None else started - trigger.decided_at
        rollback = self._command("rollback")
        timing = {"rollback_delay_s": delay, "decision_to_rollback_s": decision}
        if not rollback.ok:
            return self._failed_rollback(why, rollback.summary, timing)
        try:
            verify = self.monitor.run("verify", self.settings.verify_duration_s, self.settings.verify_warmup_s,
                                      threading.Event())
        except Exception as exc:  # noqa: BLE001 - an unverifiable rollback is a failed one
            return self._failed_rollback(why, f"the health monitor failed ({type(exc).__name__}: {exc})", timing)
        self.windows.append(verify)
        if not verify.healthy:
            return self._failed_rollback(why, f"the service is still unhealthy after the rollback: {verify.reason}",
                                         timing)
        problem = self._restored_version_problem()
        if problem:
            return self._failed_rollback(why, problem, timing)
        self.state.update(Phase.ROLLED_BACK, reason=why)
        return self._outcome(Result.ROLLED_BACK, f"rolled back to {self.previous}: {why}",
                             ExitCode.OK if requested else ExitCode.FAILED, **timing)  # type: ignore[arg-type]

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
        return self._rollback(f"rollback requested with --rollback-only (state was {recorded.phase.value})", None,
                              requested=True)

    def _command(self, phase: str) -> CommandRun:
        spec = self.settings.deploy_command if phase == "deploy" else self.settings.rollback_command
        if spec is None:
            raise UsageError(f"--{phase}-command is required")
        self.log(f"running the {phase} command: {spec}")
        run = run_command(spec, phase, self._env(), self.settings.timeout_s)
        self.commands.append(run)
        self.show_output(run)
        self.log(run.summary)
        return run

    def _env(self) -> dict[str, str]:
        return {"PREVIOUS_VERSION": self.previous, "DEPLOYED_VERSION": self.deployed,
                "DEPLOY_STATE_FILE": str(self.state.path)}

    def _outcome(self, result: Result, reason: str, code: ExitCode, action: str = "", *,
                 rollback_delay_s: float | None = None, decision_to_rollback_s: float | None = None) -> Outcome:
        return Outcome(result, self.previous, self.deployed, reason, code, tuple(self.windows), tuple(self.commands),
                       rollback_delay_s, decision_to_rollback_s, action, self.settings.interval_s)
