"""Typed errors of every layer and the one place that maps them to exit codes.

Exit status (the public contract):
  0 passed, 1 failed / bad thing found, 2 usage or configuration error,
  3 could not decide (tool missing or crashed, endpoint or API unreachable, rollback failed).
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """The exit-status table of the public contract (README.md, "Exit status")."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNDECIDED = 3


class GatesError(Exception):
    """Base of every expected error; the CLI prints its message, never a traceback."""

    exit_code: ExitCode = ExitCode.UNDECIDED


class UsageError(GatesError):
    """A bad flag, a missing path, a wrong argument."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """A bad configuration file or input; the message names the file, key path and line."""

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None,
                 line: int | None = None, hint: str | None = None) -> None:
        self.source = source
        self.key = key
        self.line = line
        self.hint = hint
        where = source or "configuration"
        if line is not None:
            where += f":{line}"
        text = f"{where}: "
        if key:
            text += f"{key}: "
        text += message
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class ToolError(GatesError):
    """An external engine is missing, crashed, timed out or produced unreadable output."""

    exit_code = ExitCode.UNDECIDED

    def __init__(self, message: str, *, tool: str | None = None, stderr: str = "") -> None:
        self.tool = tool
        self.stderr = stderr
        super().__init__(message)


INSTALL_EVERYTHING = "pip install torch==2.13.0 'secure-ai-gates[all,adversarial]'"
"""How to install every engine at once (PyTorch's CPU wheel first keeps garak's download small)."""


class EngineMissing(ToolError):
    """An engine (bandit, pip-audit, garak, ...) is not installed; the message names our extra for it."""

    def __init__(self, engine: str, extra: str, *, detail: str = "") -> None:
        self.engine = engine
        self.extra = extra
        text = f"{engine} is not installed{f' ({detail})' if detail else ''}: pip install 'secure-ai-gates[{extra}]'"
        super().__init__(text, tool=engine)


class GateError(GatesError):
    """Raised inside a gate when it cannot decide; the runner records an ``error`` result."""

    exit_code = ExitCode.UNDECIDED


class RemoteError(GatesError):
    """An endpoint, API or server could not be reached or answered badly."""

    exit_code = ExitCode.UNDECIDED


class CheckFailed(GatesError):
    """The thing checked is bad (tampered manifest, unsafe model, unhealthy deploy)."""

    exit_code = ExitCode.FAILED


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for any error: typed errors carry theirs, anything else is 'undecided'."""
    if isinstance(error, GatesError):
        return error.exit_code
    return ExitCode.UNDECIDED
