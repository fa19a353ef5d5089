"""Where the user's security tests run: no token, their own HOME and TMPDIR, and no way to our outputs.

The tests and their ``conftest.py`` are code from the checked-out tree (on a pull request: the
PR's), so pytest runs as a separate, untrusted process:

* its environment comes from :func:`gates.proc.child_environment` (no token, no ``INPUT_*``,
  no ``ACTIONS_*``, no workflow-command file paths), plus only the endpoint key when one is set;
* when we run as root it runs as the unprivileged ``nobody`` user (no supplementary groups), so
  it can write neither the report dir nor the step's output, summary or env files; it gets a
  private HOME, TMPDIR and an output dir for its JUnit XML, owned by that user. When ``nobody``
  cannot reach the workspace or the interpreter (e.g. a Python under ``/root``), it runs as root
  with every capability dropped instead: no ``CAP_SYS_PTRACE``, so our non-dumpable process's
  environ and memory (the token) stay out of reach;
* whatever the identity, the workflow-command files (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``,
  ``GITHUB_ENV``, ``GITHUB_PATH``, ``GITHUB_STATE``) are fingerprinted before and after the run:
  a change made while the tests ran is an error, never a silent pass.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gates.errors import GateError

GUARDED_FILES = ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE")
_NOBODY = 65534


@dataclass(frozen=True)
class Sandbox:
    """The user tests' private directories and how they run: as ``user``/``group``, or behind ``prefix``."""

    home: Path
    tmp: Path
    out: Path
    user: int | None = None
    group: int | None = None
    prefix: tuple[str, ...] = ()  # a command that drops every capability, then runs the tests
    identity: str = "the gates' own user"

    def environment(self) -> dict[str, str]:
        """HOME and the temp-dir variables pointing into the sandbox."""
        return {"HOME": str(self.home), "TMPDIR": str(self.tmp), "TMP": str(self.tmp), "TEMP": str(self.tmp),
                "XDG_CACHE_HOME": str(self.home / ".cache"), "XDG_CONFIG_HOME": str(self.home / ".config")}


# Run as `python -I -c CAPLESS PROGRAM ARGS...`: empty the capability bounding, ambient and
# inheritable sets, set no_new_privs, exec PROGRAM. A root process without capabilities cannot
# read a non-dumpable process's environ or memory (no CAP_SYS_PTRACE) nor bypass file modes.
CAPLESS = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
with open('/proc/sys/kernel/cap_last_cap') as f:
    last = int(f.read())
for cap in range(last + 1):
    if libc.prctl(24, cap, 0, 0, 0) != 0:
        sys.exit('secure-ai-gates: cannot drop capability %d' % cap)
libc.prctl(47, 4, 0, 0, 0)
class Header(ctypes.Structure):
    _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [('effective', ctypes.c_uint32), ('permitted', ctypes.c_uint32), ('inheritable', ctypes.c_uint32)]
header, data = Header(0x20080522, 0), (Data * 2)()
if libc.capget(ctypes.byref(header), data) != 0:
    sys.exit('secure-ai-gates: capget failed')
for part in data:
    part.inheritable = 0
if libc.capset(ctypes.byref(header), data) != 0 or libc.prctl(38, 1, 0, 0, 0) != 0:
    sys.exit('secure-ai-gates: cannot drop the inheritable capabilities')
os.execv(sys.argv[1], sys.argv[1:])
"""


def unprivileged_identity() -> tuple[int, int] | None:
    """``(uid, gid)`` of ``nobody`` when we run as root on Linux, else None (we cannot switch)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return None
    try:
        import pwd

        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        return _NOBODY, _NOBODY


def unreachable(path: Path, what: str) -> str | None:
    """Why an unprivileged user cannot reach ``path`` (a parent not searchable by others), or None."""
    for current in {Path(os.path.abspath(path)), path.resolve()}:
        for parent in (*reversed(current.parents), current):
            try:
                mode = parent.stat().st_mode
            except OSError as exc:
                return f"{what} {path}: {parent} cannot be checked ({exc.strerror})"
            needed = stat.S_IXOTH | (stat.S_IROTH if parent == current and parent.is_dir() else 0)
            if mode & needed != needed:
                return f"{what} {path} is not reachable by other users ({parent} has mode {stat.filemode(mode)})"
    return None


@contextlib.contextmanager
def sandbox(workspace: Path, python: str) -> Iterator[Sandbox]:
    """A fresh sandbox, removed afterwards.

    As root: the tests run as ``nobody`` when that user can reach the workspace, the interpreter
    and our package; otherwise as root without any capability (:data:`CAPLESS`).
    """
    identity = unprivileged_identity()
    why_not = None
    if identity is not None:
        why_not = next(filter(None, (unreachable(workspace, "the workspace"),
                                     unreachable(Path(python), "the Python interpreter"),
                                     unreachable(Path(__file__).resolve().parents[1], "the secure-ai-gates package"))),
                       None)
    drop = identity if identity is not None and why_not is None else None
    base = Path(tempfile.mkdtemp(prefix="secure-ai-gates-usertests-"))
    try:
        home, tmp, out = dirs = (base / "home", base / "tmp", base / "out")
        for directory in dirs:
            directory.mkdir(mode=0o700)
            if drop is not None:
                os.chown(directory, *drop)
        if drop is not None:
            base.chmod(0o711)
            yield Sandbox(home, tmp, out, user=drop[0], group=drop[1], identity="nobody")
        elif identity is not None:
            yield Sandbox(home, tmp, out, prefix=(sys.executable, "-I", "-c", CAPLESS),
                          identity=f"root without capabilities ({why_not})")
        else:
            yield Sandbox(home, tmp, out)
    finally:
        shutil.rmtree(base, ignore_errors=True)


Fingerprint = dict[str, tuple[int, int, int, int] | None]


def fingerprint_outputs() -> Fingerprint:
    """Identity, size and change times of every workflow-command file named in our environment."""
    out: Fingerprint = {}
    for name in GUARDED_FILES:
        path = os.environ.get(name)
        if not path:
            continue
        try:
            info = os.stat(path)
        except OSError:
            out[name] = None
            continue
        out[name] = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return out


def check_untouched(before: Fingerprint) -> None:
    """Raise GateError naming every workflow-command file that changed since ``before``."""
    after = fingerprint_outputs()
    changed = sorted(name for name in before if after.get(name) != before[name])
    if changed:
        raise GateError(f"the user security tests modified ${', $'.join(changed)} while they ran (the step's "
                        "outputs, summary or environment): their results are not trusted. Tests and conftest.py "
                        "must not write the workflow's files")
