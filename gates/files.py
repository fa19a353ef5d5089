"""Small file helpers: atomic writes (no reader ever sees half a report) and capped, safe reads."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from gates.errors import UsageError


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare_report_dir(path: Path) -> Path:
    """Create the report directory; a file in its place is a usage error."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"report dir {path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create report dir {path}: {exc.strerror}") from None
    return path


# Reading files of the checked-out tree, which on a pull request is attacker input: a symlink to
# /dev/zero, /proc/self/environ or a FIFO must neither hang the run, exhaust memory nor leak.
DEFAULT_READ_CAP = 64 * 1024 * 1024


class UnsafeFileError(OSError):
    """A file of the tree that is not read on purpose: not a regular file, or a link out of the tree."""


class FileTooLargeError(OSError):
    """A file over the read cap of its kind."""


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def open_regular(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> int:
    """A read-only descriptor for ``path`` if it is a regular file (never blocks on a FIFO).

    With ``root``: a path inside ``root`` whose real location is outside it (a symlink leaving
    the tree, e.g. to ``/proc/self/environ``) is refused. Raises :class:`UnsafeFileError` (an
    ``OSError``) naming why, or the ``OSError`` of the open itself.
    """
    text = os.fspath(path)
    real = os.path.realpath(text)
    if root is not None:
        root_abs, root_real = os.path.abspath(root), os.path.realpath(root)
        if _within(os.path.abspath(text), root_abs) and not _within(real, root_real):
            raise UnsafeFileError(errno.EPERM, f"a symlink to {real}, outside the workspace: not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(real, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)}): not read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes_capped(path: str | os.PathLike[str], *, cap: int = DEFAULT_READ_CAP,
                      root: str | os.PathLike[str] | None = None) -> bytes:
    """The content of a regular file of at most ``cap`` bytes (see :func:`open_regular`)."""
    fd = open_regular(path, root)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise FileTooLargeError(errno.EFBIG, f"larger than {cap} bytes: not read")
    return data


def read_text_capped(path: str | os.PathLike[str], *, cap: int = DEFAULT_READ_CAP,
                     root: str | os.PathLike[str] | None = None, errors: str = "strict") -> str:
    """:func:`read_bytes_capped` decoded as UTF-8 (``UnicodeDecodeError`` when it is not)."""
    return read_bytes_capped(path, cap=cap, root=root).decode("utf-8", errors)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "a special file"
