"""The directories the gate leaves out by default: found on disk, never matched by name alone.

bandit's built-in excludes (``.git``, ``CVS``, ``.tox``, ...) are plain substrings of a path:
``src/CVS_parser.py`` or a package moved under ``src/.tox/`` would not be scanned. A directory
called ``venv`` need not be a virtualenv either. So the gate walks the scanned paths itself and
excludes only directories that really are what the default means: version-control and cache
directories by exact name, ``node_modules``, ``*.egg``, and virtualenvs (a ``pyvenv.cfg`` at
their root, whatever their name; ``site-packages`` lies inside one). On a pull request, a
default-excluded directory in which the change adds or edits tracked files is scanned anyway:
moving code into ``src/venv/`` does not hide it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

BY_NAME = frozenset({".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".eggs", "node_modules"})


@dataclass(frozen=True)
class DefaultExcludes:
    """Directories (workspace-relative) excluded by default, and the ones a change un-excluded."""

    excluded: tuple[str, ...]
    scanned_anyway: tuple[str, ...]


def _is_default_excluded(directory: Path, name: str) -> bool:
    return name in BY_NAME or name.endswith(".egg") or (directory / "pyvenv.cfg").is_file()


def find_default_excludes(workspace: Path, paths: Sequence[str],
                          changed: Callable[[Sequence[str]], Iterable[str]] | None = None) -> DefaultExcludes:
    """Walk ``paths`` (workspace-relative, symbolic links not followed) for default-excluded directories.

    ``changed`` (pull requests) lists the tracked files under some directories that the change
    adds or edits; such a directory is scanned.
    """
    found: list[str] = []
    for start in paths:
        top = workspace / start
        if not top.is_dir() or top.is_symlink():
            continue
        for root, dirs, _files in os.walk(top):
            keep = []
            for name in sorted(dirs):
                directory = Path(root) / name
                if directory.is_symlink():
                    continue  # bandit's walk does not follow it either
                if _is_default_excluded(directory, name):
                    found.append(directory.relative_to(workspace).as_posix())
                else:
                    keep.append(name)
            dirs[:] = keep
    found = sorted(set(found))
    touched: set[str] = set()
    if changed is not None and found:
        for name in changed(found):
            touched.update(d for d in found if name == d or name.startswith(d + "/"))
    return DefaultExcludes(tuple(d for d in found if d not in touched), tuple(sorted(touched)))
