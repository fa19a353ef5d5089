"""Reading a file as it is on another commit (the pull request's base) through git.

Every call goes through :func:`gates.proc.run`. ``safe.directory`` is set on the command
line because the workspace of a container action belongs to another user; we only read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gates.errors import ToolError
from gates.proc import run

_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class BaseFile:
    """A file read from a commit; ``content`` is None when the commit does not have it."""

    rev: str
    repo_path: str  # path inside the repository
    content: bytes | None


class BaseUnavailable(Exception):
    """The base commit cannot be read here; the message says why and what to do."""


def _git(args: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0,)) -> tuple[int, str]:
    done = run(["git", "-c", "safe.directory=*", *args], timeout=_TIMEOUT_S, cwd=cwd, ok_codes=ok_codes, tool="git")
    return done.returncode, done.stdout


def repo_top(directory: Path) -> Path:
    """The top of the git work tree holding ``directory``; BaseUnavailable when there is none."""
    try:
        code, out = _git(["rev-parse", "--show-toplevel"], directory, ok_codes=(0, 128))
    except ToolError as exc:
        raise BaseUnavailable(f"git is not usable here ({exc})") from None
    if code != 0 or not out.strip():
        raise BaseUnavailable(f"{directory} is not inside a git repository")
    return Path(out.strip())


def read_at(rev: str, path: Path) -> BaseFile:
    """``path`` (absolute, in a work tree) as it is on commit ``rev``.

    BaseUnavailable when git is missing, the directory is not a repository or the commit is
    not in the clone (a shallow checkout: fetch the base with ``fetch-depth: 0``).
    """
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # the file's directory may be deleted in the change
    top = repo_top(existing)
    code, _ = _git(["cat-file", "-e", f"{rev}^{{commit}}"], top, ok_codes=(0, 1, 128))
    if code != 0:
        raise BaseUnavailable(f"commit {rev} is not in this clone; check out with fetch-depth: 0 "
                              "(actions/checkout) so the base branch can be read")
    repo_path = Path(os.path.relpath(os.path.abspath(path), os.path.realpath(top))).as_posix()
    if repo_path.startswith("../"):
        repo_path = Path(os.path.relpath(os.path.realpath(path), os.path.realpath(top))).as_posix()
    code, listing = _git(["ls-tree", "--full-tree", "-z", rev, "--", repo_path], top)
    if not listing:
        return BaseFile(rev, repo_path, None)
    done = _read_blob(top, f"{rev}:{repo_path}")
    return BaseFile(rev, repo_path, done)


def _read_blob(top: Path, spec: str) -> bytes:
    # proc.run decodes text; manifests and PEM keys are UTF-8 text, so nothing is lost for
    # them, and a non-UTF-8 manifest is reported malformed either way.
    _, out = _git(["cat-file", "blob", spec], top)
    return out.encode("utf-8", "surrogateescape")
