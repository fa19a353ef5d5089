"""Listing the files under some paths, safely: relative POSIX names, no escape from the root.

Symlinks are followed only when they point to a file inside the root; a link leaving the
root, a broken link, a linked directory, a special file, a name that is not UTF-8 or a
directory that cannot be read becomes a :class:`~gates.manifest.model.Problem`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.manifest.errors import ManifestError
from gates.manifest.model import Problem


@dataclass(frozen=True)
class TreeFile:
    """A regular file (or a link to one inside the root) found under the scanned paths."""

    rel: str  # POSIX path relative to the root
    path: Path  # the path to open


@dataclass(frozen=True)
class Tree:
    """The files found and what could not be listed."""

    files: tuple[TreeFile, ...]
    problems: tuple[Problem, ...]


def printable(name: str) -> str:
    """A file name safe to print and store in JSON (undecodable bytes as ``\\xNN``)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def is_within(path: str, root: str) -> bool:
    """True when the absolute, normalised ``path`` is ``root`` or lies below it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def relative_scope(paths: Iterable[Path], root: Path) -> tuple[str, ...]:
    """``paths`` as POSIX paths relative to ``root``; a path outside the root is a usage error."""
    root_abs = os.path.abspath(root)
    out: list[str] = []
    for path in paths:
        absolute = os.path.abspath(path)
        if not is_within(absolute, root_abs):
            raise ManifestError(f"{path} is outside the root {root}: pass --root DIR containing every path")
        rel = Path(os.path.relpath(absolute, root_abs)).as_posix()
        out.append("" if rel == "." else rel)
    return tuple(sorted(set(out)))


def excluded(rel: str, exclude: Sequence[str]) -> bool:
    """True when ``rel`` is one of ``exclude`` or lies below one of them."""
    return any(rel == e or rel.startswith(e.rstrip("/") + "/") for e in exclude if e)


def collect(scope: Sequence[str], root: Path, *, exclude: Sequence[str] = ()) -> Tree:
    """Every file under the root-relative ``scope`` paths ("" = the whole root), sorted."""
    root_real = os.path.realpath(root)
    found: dict[str, TreeFile] = {}
    problems: list[Problem] = []
    for start in scope:
        start_path = os.path.join(root, start) if start else os.fspath(root)
        if not os.path.lexists(start_path):
            continue
        _visit(start_path, start, root_real, exclude, found, problems, top=True)
    files = tuple(found[k] for k in sorted(found))
    return Tree(files, tuple(sorted(problems, key=lambda p: (p.path or "", p.kind))))


def _visit(path: str, rel: str, root_real: str, exclude: Sequence[str], found: dict[str, TreeFile],
           problems: list[Problem], *, top: bool = False) -> None:
    if rel and excluded(rel, exclude):
        return
    shown = printable(rel)
    try:
        info = os.lstat(path)
    except OSError as exc:
        problems.append(Problem("unreadable", f"{shown}: cannot be read ({exc.strerror})", shown))
        return
    if stat.S_ISLNK(info.st_mode):
        target = os.path.realpath(path)
        if not is_within(target, root_real):
            problems.append(
                Problem("symlink-escapes-root", f"{shown} is a symlink to {target}, outside the root", shown)
            )
            return
        if not os.path.exists(target):
            problems.append(Problem("broken-symlink", f"{shown} is a symlink to missing {target}", shown))
            return
        if os.path.isdir(target) and not top:
            problems.append(Problem("symlinked-directory",
                                    f"{shown} is a symlink to a directory, which is not followed: "
                                    "list the real directory instead", shown))
            return
        info = os.stat(target)
    if stat.S_ISDIR(info.st_mode):
        try:
            with os.scandir(path) as it:
                names = sorted(e.name for e in it)
        except OSError as exc:
            problems.append(
                Problem("unreadable", f"{shown or '.'}: directory cannot be listed ({exc.strerror})", shown)
            )
            return
        for name in names:
            _visit(os.path.join(path, name), f"{rel}/{name}" if rel else name, root_real, exclude, found, problems)
        return
    if not stat.S_ISREG(info.st_mode):
        problems.append(Problem("special-file", f"{shown} is not a regular file", shown))
        return
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        problems.append(Problem("non-utf8-name", f"{shown}: file name is not valid UTF-8; rename it", shown))
        return
    found[rel] = TreeFile(rel, Path(path))
