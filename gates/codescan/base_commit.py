"""Materialise files of a pull request's base commit into a scratch directory, with git.

Only the files that have findings now are needed: a finding in any other file is new by
definition (the path is part of its fingerprint). Of those, a file identical at the base
commit and in the work tree (``git diff``) has the same findings at both, so only the files
that changed are taken, with ``git archive`` into a tar file extracted with the ``data``
filter: the user's repository and work tree are never touched. Every git call goes through
:func:`gates.proc.run`.
"""

from __future__ import annotations

import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from gates import proc
from gates.errors import GateError, ToolError

_GIT_TIMEOUT = 120.0


@dataclass(frozen=True)
class BaseTree:
    """The base commit's versions of some files, below ``root`` (the workspace's counterpart)."""

    sha: str
    root: Path
    files: tuple[str, ...]  # workspace-relative POSIX paths changed since the base, extracted below root
    unchanged: tuple[str, ...] = ()  # identical at the base commit and in the work tree (not extracted)


class BaseUnavailable(Exception):
    """The base commit cannot be read here (no git, not a repository, shallow clone)."""


def _git(workspace: Path, *args: str, ok_codes: Sequence[int] = (0,), timeout: float = _GIT_TIMEOUT) -> proc.Completed:
    git = proc.find_executable("git")
    if git is None:
        raise BaseUnavailable("git is not installed")
    # Command-line safe.directory: in a container the checkout belongs to another user.
    return proc.run([git, "-c", f"safe.directory={workspace.resolve()}", "-C", str(workspace), *args],
                    timeout=timeout, ok_codes=ok_codes, tool="git")


def materialise(workspace: Path, sha: str, files: Sequence[str], dest: Path) -> BaseTree:
    """Extract the base-commit versions of the ``files`` (workspace-relative) that changed since.

    Raises :class:`BaseUnavailable` when the commit is not in the local history and
    :class:`GateError` when git fails on a commit it has.
    """
    inside = _git(workspace, "rev-parse", "--is-inside-work-tree", ok_codes=range(256))
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise BaseUnavailable(f"{workspace} is not a git work tree")
    if _git(workspace, "cat-file", "-e", f"{sha}^{{commit}}", ok_codes=range(256)).returncode != 0:
        raise BaseUnavailable(f"the base commit {sha} is not in the local history "
                              "(check out with fetch-depth: 0)")
    prefix = _git(workspace, "rev-parse", "--show-prefix").stdout.strip()
    top = Path(_git(workspace, "rev-parse", "--show-toplevel").stdout.strip())
    root = dest / prefix if prefix else dest
    if dest.exists():
        shutil.rmtree(dest)
    root.mkdir(parents=True)
    if not files:
        return BaseTree(sha, root, ())
    try:
        listed = _git(top, "ls-tree", "-r", "-z", "--name-only", "--full-name", sha, "--",
                      *[prefix + f for f in files]).stdout
        present = {name[len(prefix):] for name in listed.split("\0") if name}
        diff = _git(workspace, "diff", "--name-only", "-z", "--no-renames", "--relative", sha, "--",
                    *sorted(present)).stdout if present else ""
        changed = {name for name in diff.split("\0") if name}
        wanted = sorted(present & changed)
        if wanted:
            archive = dest.parent / f"{dest.name}.tar"
            _git(top, "archive", "--format=tar", "-o", str(archive), sha, "--", *[prefix + f for f in wanted])
            with tarfile.open(archive) as tar:
                tar.extractall(dest, filter="data")
            archive.unlink()
    except ToolError as exc:
        raise GateError(f"could not read files of the base commit {sha} with git: {exc}") from None
    except (OSError, tarfile.TarError) as exc:
        raise GateError(f"could not extract files of the base commit {sha} into {dest}: {exc}") from None
    return BaseTree(sha, root, tuple(wanted), tuple(sorted(present - changed)))
