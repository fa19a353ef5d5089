"""The user's deploy, rollback and version commands, run through :mod:`gates.proc`.

A command is either a JSON array (``["./deploy.sh", "$DEPLOYED_VERSION"]``: an argument list,
no shell; ``$NAME``/``${NAME}`` of our variables are substituted inside arguments) or any other
string, run by ``sh -c`` because the user asked for a shell. Every command gets the workflow's
environment without the token, the action's ``INPUT_*``, the runner's ``ACTIONS_*`` tokens and
the workflow-command files (see :func:`gates.proc.child_environment`), plus the variables
below; output is captured (not streamed) and printed after the command ends, folded in a log
group between ``::stop-commands::`` markers so that nothing it prints can act as a workflow
command.

- ``PREVIOUS_VERSION``: the last known good version (the one a rollback restores);
- ``DEPLOYED_VERSION``: the version this deploy installs (``unknown`` when not given);
- ``DEPLOY_PHASE``: ``deploy``, ``set-weight``, ``rollback`` or ``version``;
- ``DEPLOY_STATE_FILE``: the state file's path;
- ``WEIGHT``: the canary step's percentage (``set-weight`` commands only).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gates import proc
from gates.errors import ToolError, UsageError

ENV_NAMES = ("PREVIOUS_VERSION", "DEPLOYED_VERSION", "DEPLOY_PHASE", "DEPLOY_STATE_FILE", "WEIGHT")
_VARIABLE = re.compile(r"\$(?:\{(" + "|".join(ENV_NAMES) + r")\}|(" + "|".join(ENV_NAMES) + r")\b)")
_OUTPUT_TAIL = 2000


@dataclass(frozen=True)
class CommandSpec:
    """An argument list or a shell string, as the user gave it."""

    flag: str
    argv: tuple[str, ...] = ()
    script: str | None = None  # a shell string, run by sh -c

    @classmethod
    def parse(cls, text: str, flag: str) -> CommandSpec:
        """A JSON array of strings is an argument list; anything else a shell string."""
        stripped = text.strip()
        if not stripped:
            raise UsageError(f"{flag}: the command is empty")
        if stripped.startswith("["):
            try:
                items = json.loads(stripped)
            except ValueError as exc:
                raise UsageError(f"{flag}: starts with '[' but is not a JSON array of strings ({exc})") from None
            if not items or not all(isinstance(item, str) for item in items):
                raise UsageError(f"{flag}: a JSON argument list must be a non-empty array of strings")
            return cls(flag, argv=tuple(items))
        return cls(flag, script=stripped)

    def render(self, env: Mapping[str, str]) -> list[str]:
        """The argv to execute: our variables substituted into an argument list, or ``sh -c``."""
        if self.script is not None:
            return ["sh", "-c", self.script]
        return [_VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), arg) for arg in self.argv]

    def __str__(self) -> str:
        return self.script if self.script is not None else json.dumps(list(self.argv))


@dataclass(frozen=True)
class CommandRun:
    """What one command did."""

    phase: str
    command: str
    ok: bool
    returncode: int | None
    duration_s: float
    stdout: str
    stderr: str
    error: str = ""

    @property
    def summary(self) -> str:
        """One line: success, exit status or why it could not run."""
        if self.ok:
            return f"{self.phase} command succeeded in {self.duration_s:.2f} s"
        return f"{self.phase} command failed: {self.error}"


def run_command(spec: CommandSpec, phase: str, env: Mapping[str, str], timeout_s: float,
                on_start: Callable[[int], None] | None = None) -> CommandRun:
    """Run ``spec`` with our variables; never raises for a failing command.

    ``on_start`` gets the command's process (group) id as soon as it runs.
    """
    full_env = {**env, "DEPLOY_PHASE": phase}
    argv = spec.render(full_env)
    try:
        # our working directory (commands such as ./deploy.sh are relative to it); the environment is
        # proc's safe one: no token, no INPUT_*, no ACTIONS_* runtime tokens, no workflow-command files
        done = proc.run(argv, timeout=timeout_s, cwd=os.getcwd(), env=full_env, ok_codes=range(-255, 256),
                        tool=f"{phase} command", on_start=on_start, user_python_env=True)
    except ToolError as exc:
        return CommandRun(phase, str(spec), False, None, 0.0, "", _tail(exc.stderr), str(exc))
    ok = done.returncode == 0
    error = "" if ok else f"exit status {done.returncode}" + (f": {_tail(done.stderr).strip()[-300:]}"
                                                             if done.stderr.strip() else "")
    return CommandRun(phase, str(spec), ok, done.returncode, done.duration_s, _tail(done.stdout),
                      _tail(done.stderr), error)


def read_version(spec: CommandSpec, env: Mapping[str, str], timeout_s: float) -> tuple[str | None, CommandRun]:
    """The version printed by ``spec`` (one non-empty line) or None with the reason in the run."""
    run = run_command(spec, "version", env, timeout_s)
    if not run.ok:
        return None, run
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip()]
    if len(lines) != 1:
        bad = CommandRun(run.phase, run.command, False, run.returncode, run.duration_s, run.stdout, run.stderr,
                         f"printed {len(lines)} non-empty lines; it must print exactly one line, the version id")
        return None, bad
    return lines[0], run


def _tail(text: str) -> str:
    return text[-_OUTPUT_TAIL:] if text else ""
