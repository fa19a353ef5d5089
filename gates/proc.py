"""The one subprocess wrapper every engine call goes through.

Never ``shell=True`` for our own calls; a missing executable, a timeout or an unexpected
exit status becomes a :class:`~gates.errors.ToolError` carrying the tail of stderr.

Every child starts from a *safe* environment (:func:`child_environment`): the workflow token,
every action input (``INPUT_*``), the runner's own tokens and URLs (``ACTIONS_*``), the
workflow-command files (``GITHUB_OUTPUT``, ``GITHUB_ENV``, ...) and any variable registered with
:func:`withhold` (the endpoint's API key, a canary) are removed unless the call passes them by
name (``pass_env``). A child runs in an empty scratch directory unless the call gives ``cwd``,
and Python tools run isolated (``python -I``): neither the working directory nor
``PYTHONPATH`` can put a module of the checked-out tree in front of the tool's own.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.errors import ToolError
from gates.tooloutput import essential

_STDERR_TAIL = 4000
_LIVE: set[subprocess.Popen[Any]] = set()  # processes started and not yet reaped
# The parent of our package: appended (never prepended) to a child's sys.path for our own modules.
PACKAGE_PARENT = str(Path(__file__).resolve().parents[1])
WITHHELD_PREFIXES = ("INPUT_", "ACTIONS_")
WITHHELD_NAMES = frozenset({"GITHUB_TOKEN", "GH_TOKEN", "GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH",
                            "GITHUB_STEP_SUMMARY", "GITHUB_STATE"})
# Prefixes a configuration may not name as "the variable holding a key": they belong to the runner.
RESERVED_PREFIXES = ("GITHUB_", "INPUT_", "ACTIONS_", "RUNNER_")
_BOOTSTRAP = ("import json, runpy, sys; sys.path.extend(json.loads(sys.argv.pop(1))); "
              "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)")
# Variables through which a Python child would import from places of the environment's choosing.
PYTHON_IMPORT_VARIABLES = frozenset({"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE",
                                     "PYTHONPLATLIBDIR", "PYTHONBREAKPOINT", "PYTHONINSPECT", "PYTHONEXECUTABLE"})
_lock = threading.Lock()
_withheld: set[str] = set()
_scratch: list[str] = []


@dataclass(frozen=True)
class Completed:
    """What a finished process produced."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    stdout_bytes: bytes = b""  # the exact output when run with ``binary=True`` (``stdout`` is then "")


def _key(name: str) -> str:
    """Variable names compare case-insensitively on Windows, exactly elsewhere."""
    return name.upper() if os.name == "nt" else name


def withhold(*names: str) -> None:
    """Never pass these variables to a child unless a call names them in ``pass_env``."""
    with _lock:
        _withheld.update(_key(n) for n in names if n)


def is_withheld(name: str) -> bool:
    """True for a variable a child never sees by default (token, inputs, runner internals, keys)."""
    key = _key(name)
    return (key.upper().startswith(WITHHELD_PREFIXES) or key.upper() in WITHHELD_NAMES
            or key in _withheld)


def is_reserved(name: str) -> bool:
    """True for a ``GITHUB_*``, ``INPUT_*``, ``ACTIONS_*`` or ``RUNNER_*`` name (any case)."""
    return name.upper().startswith(RESERVED_PREFIXES)


def child_environment(env: Mapping[str, str] | None = None, pass_env: Iterable[str] = (),
                      user_python_env: bool = False) -> dict[str, str]:
    """Our environment minus every withheld variable, plus ``pass_env`` (by name) and ``env``.

    Unless ``user_python_env`` (the user's own commands keep the workflow's ``PYTHONPATH``), the
    variables that make a Python import from elsewhere are dropped and ``PYTHONSAFEPATH`` set:
    an isolated tool's own Python children (pip-audit runs ``python -m pip``) stay isolated too.
    """
    out = {k: v for k, v in os.environ.items()
           if not is_withheld(k) and (user_python_env or _key(k).upper() not in PYTHON_IMPORT_VARIABLES)}
    if not user_python_env:
        out.update({"PYTHONSAFEPATH": "1", "PYTHONNOUSERSITE": "1"})
    for name in pass_env:
        if name and name in os.environ:
            out[name] = os.environ[name]
    out.update(env or {})
    return out


def scratch_dir() -> str:
    """An empty private directory, the working directory of every child that is not given one."""
    with _lock:
        if not _scratch or not os.path.isdir(_scratch[0]):
            _scratch[:] = [tempfile.mkdtemp(prefix="secure-ai-gates-cwd-")]
            atexit.register(shutil.rmtree, _scratch[0], True)
        return _scratch[0]


def python_tool(module: str, *, python: str | None = None, flags: Sequence[str] = (),
                extra_path: Sequence[str] = ()) -> list[str]:
    """Command prefix that runs ``python -I -m module`` with ``python`` (default: ours).

    Isolated mode: no working directory or script directory on ``sys.path``, ``PYTHON*``
    variables and the user site ignored. ``extra_path`` entries are appended to the child's
    ``sys.path`` (after the standard library and site-packages, so they never shadow them).
    """
    exe = python or sys.executable
    if not extra_path:
        return [exe, "-I", *flags, "-m", module]
    return [exe, "-I", *flags, "-c", _BOOTSTRAP, json.dumps([str(p) for p in extra_path]), module]


def own_module(module: str, *, python: str | None = None, flags: Sequence[str] = ()) -> list[str]:
    """Command prefix that runs one of our own modules isolated, our package found even if not installed."""
    return python_tool(module, python=python, flags=flags, extra_path=[PACKAGE_PARENT])


def find_executable(name: str) -> str | None:
    """The executable ``name`` on PATH or beside our interpreter (venv ``bin/``)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def protect_own_environment() -> None:
    """Make this process non-dumpable (Linux): a child running as our uid cannot read our environ or memory.

    ``/proc/PID/environ`` of a non-dumpable process is readable only with CAP_SYS_PTRACE, so a
    user test cannot fish ``INPUT_GITHUB_TOKEN`` out of its parent. Best effort elsewhere.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        return


def run(args: Sequence[str], *, timeout: float, cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None, ok_codes: Iterable[int] = (0,),
        input_text: str | None = None, tool: str | None = None, binary: bool = False,
        on_start: Callable[[int], None] | None = None, pass_env: Iterable[str] = (), user: int | None = None,
        group: int | None = None, user_python_env: bool = False,
        cancelled: threading.Event | None = None) -> Completed:
    """Run ``args`` to completion and return its output.

    ``on_start`` is called with the child's pid (also its process group id) once it runs.
    The child gets :func:`child_environment` (``env`` on top, ``pass_env`` let through) and
    runs in ``cwd`` or else :func:`scratch_dir`; ``user``/``group`` switch its identity (root only);
    ``user_python_env`` keeps ``PYTHONPATH`` and the like for the user's own commands. With
    ``binary`` the output is kept byte for byte in ``stdout_bytes`` (no decoding, no newline
    translation), for file contents such as ``git cat-file blob``.

    Raises :class:`ToolError` when the program is missing, exceeds ``timeout`` seconds or is
    ``cancelled`` (the whole process group is killed either way), or exits with a code outside
    ``ok_codes``. A process group still running when the interpreter exits is killed too.
    """
    argv = [str(a) for a in args]
    name = tool or Path(argv[0]).name
    started = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - argv list, never a shell
            argv, cwd=cwd if cwd is not None else scratch_dir(), env=child_environment(env, pass_env, user_python_env),
            stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=not binary, errors=None if binary else "replace",
            start_new_session=True, user=user, group=group if group is not None or user is None else user,
            extra_groups=[] if user is not None else None,
        )
    except FileNotFoundError:
        raise ToolError(f"{name} is not installed (could not execute {argv[0]!r})", tool=name) from None
    except PermissionError as exc:
        raise ToolError(f"{name} cannot be executed: {exc}", tool=name) from None
    sent = input_text.encode("utf-8") if binary and input_text is not None else input_text
    _LIVE.add(proc)
    try:
        if on_start is not None:
            on_start(proc.pid)
        out, err = _communicate(proc, sent, started + timeout, cancelled)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        _, err = proc.communicate()
        late = f"did not finish within {timeout:g} s"
        stopped = "was cancelled" if cancelled is not None and cancelled.is_set() else late
        raise ToolError(f"{name} {stopped} and was stopped", tool=name, stderr=_tail(_text(err))) from None
    except BaseException:
        _kill_group(proc)
        proc.communicate()
        raise
    finally:
        _LIVE.discard(proc)
    stdout, stderr = ("" if binary else _text(out)), _text(err)
    result = Completed(tuple(argv), proc.returncode, stdout, stderr, time.monotonic() - started,
                       out if binary else b"")
    if proc.returncode not in set(ok_codes):
        detail = essential(stderr) or essential(stdout)
        raise ToolError(f"{name} exited with status {proc.returncode}" + (f": {detail}" if detail else ""),
                        tool=name, stderr=_tail(stderr))
    return result


def _communicate(proc: subprocess.Popen[Any], sent: str | bytes | None, deadline: float,
                 cancelled: threading.Event | None) -> tuple[Any, Any]:
    """``proc.communicate`` until ``deadline``, checking ``cancelled`` every half second."""
    if cancelled is None:
        return proc.communicate(input=sent, timeout=max(0.0, deadline - time.monotonic()))
    while True:
        step = max(0.0, min(0.5, deadline - time.monotonic()))
        try:
            return proc.communicate(input=sent, timeout=step)  # input is sent once; retries keep the output
        except subprocess.TimeoutExpired:
            if cancelled.is_set() or time.monotonic() >= deadline:
                raise


@atexit.register
def _kill_leftovers() -> None:
    """Kill every process group still running when we exit (e.g. a gate thread given up on)."""
    for proc in list(_LIVE):
        if proc.poll() is None:
            _kill_group(proc)


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
