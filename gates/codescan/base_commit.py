"""Materialise files of a pull request's base commit into a scratch directory, with git.

Only the files that have findings now are needed: a finding in any other file is new by
definition (the path is part of its fingerprint). Of those, a file whose bytes in the work
tree are the base commit's blob has the same findings at both, so only the files that
changed are read from git objects (:mod:`gates.git`) and written below the scratch
directory: the user's repository and work tree are never touched.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gates import git
from gates.errors import GateError, ToolError

_MAX_FILE_BYTES = 32 << 20  # bandit would not scan a larger source file usefully either


@dataclass(frozen=True)
class BaseTree:
    """The base commit's versions of some files, below ``root`` (the workspace's counterpart)."""

    sha: str
    root: Path
    files: tuple[str, ...]  # workspace-relative POSIX paths changed since the base, written below root
    unchanged: tuple[str, ...] = ()  # identical at the base commit and in the work tree (not written)


def materialise(workspace: Path, sha: str, files: Sequence[str], dest: Path) -> BaseTree:
    """Write the base-commit versions of the ``files`` (workspace-relative) that changed since.

    Raises :class:`~gates.git.GitUnavailable` when there is no repository or the commit is not
    in the local history, and :class:`GateError` when git fails on a commit it has.
    """
    repo = git.Repo.at(workspace)
    sha = repo.require_commit(sha, "base commit")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if not files:
        return BaseTree(sha, dest, ())
    written, unchanged = [], []
    try:
        for entry in repo.list_tree(sha, files):
            if entry.mode not in ("100644", "100755"):
                continue
            current = workspace / entry.path
            if current.is_file() and not current.is_symlink() and repo.blob_id(current) == entry.object_id:
                unchanged.append(entry.path)
                continue
            data = repo.read(sha, entry.path, _MAX_FILE_BYTES)
            if data is None:
                continue
            target = dest / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(entry.path)
    except ToolError as exc:
        raise GateError(f"could not read files of the base commit {sha} with git: {exc}") from None
    except OSError as exc:
        raise GateError(f"could not write files of the base commit {sha} into {dest}: {exc}") from None
    return BaseTree(sha, dest, tuple(sorted(written)), tuple(sorted(unchanged)))
