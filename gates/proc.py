"""The one subprocess wrapper every engine call goes through.

Never ``shell=True`` for our own calls; a missing executable, a timeout or an unexpected
exit status becomes a :class:`~gates.errors.ToolError` carrying the tail of stderr.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.errors import ToolError
from gates.tooloutput import essential

_STDERR_TAIL = 4000


@dataclass(frozen=True)
class Completed:
    """What a finished process produced."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    stdout_bytes: bytes = b""  # the exact output when run with ``binary=True`` (``stdout`` is then "")


def python_tool(module: str) -> list[str]:
    """Command prefix that runs ``python -m module`` with the interpreter running us."""
    return [sys.executable, "-m", module]


def find_executable(name: str) -> str | None:
    """The executable ``name`` on PATH or beside our interpreter (venv ``bin/``)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def run(args: Sequence[str], *, timeout: float, cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None, ok_codes: Iterable[int] = (0,),
        input_text: str | None = None, tool: str | None = None, binary: bool = False,
        on_start: Callable[[int], None] | None = None) -> Completed:
    """Run ``args`` to completion and return its output.

    ``on_start`` is called with the child's pid (also its process group id) once it runs.

    With ``binary`` the output is kept byte for byte in ``stdout_bytes`` (no decoding, no
    newline translation), for file contents such as ``git cat-file blob``.

    Raises :class:`ToolError` when the program is missing, exceeds ``timeout`` seconds (the
    whole process group is killed), or exits with a code outside ``ok_codes``.
    """
    argv = [str(a) for a in args]
    name = tool or Path(argv[0]).name
    full_env = None if env is None else {**os.environ, **env}
    started = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - argv list, never a shell
            argv, cwd=cwd, env=full_env, stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=not binary, errors=None if binary else "replace",
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ToolError(f"{name} is not installed (could not execute {argv[0]!r})", tool=name) from None
    except PermissionError as exc:
        raise ToolError(f"{name} cannot be executed: {exc}", tool=name) from None
    sent = input_text.encode("utf-8") if binary and input_text is not None else input_text
    try:
        if on_start is not None:
            on_start(proc.pid)
        out, err = proc.communicate(input=sent, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        _, err = proc.communicate()
        raise ToolError(f"{name} did not finish within {timeout:g} s and was stopped", tool=name,
                        stderr=_tail(_text(err))) from None
    except BaseException:
        _kill_group(proc)
        proc.communicate()
        raise
    stdout, stderr = ("" if binary else _text(out)), _text(err)
    result = Completed(tuple(argv), proc.returncode, stdout, stderr, time.monotonic() - started,
                       out if binary else b"")
    if proc.returncode not in set(ok_codes):
        detail = essential(stderr) or essential(stdout)
        raise ToolError(f"{name} exited with status {proc.returncode}" + (f": {detail}" if detail else ""),
                        tool=name, stderr=_tail(stderr))
    return result


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill the process and everything it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _tail(text: str) -> str:
    return text[-_STDERR_TAIL:] if text else ""
