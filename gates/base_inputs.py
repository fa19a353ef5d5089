"""A gate's own inputs from the workspace, as the pull request's base commit has them.

On a pull request the checked-out tree is the change under review: tool config, suppressions,
advisory databases, baselines, keys and tests in it are the author's to edit. A gate that
reads such an input asks :class:`BaseInputs` for the base commit's version instead (regular
files only, from git objects through :mod:`gates.git`, written below a scratch directory; a
symbolic link on the base commit is not followed), and for which of those paths the change
touched, to report it. The user's repository and work tree are never written.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gates import git
from gates.errors import GateError, ToolError

__all__ = ["BaseInputs"]

MAX_FILE_BYTES = 64 << 20  # a config file, test, probe file or advisory record is far smaller
_REGULAR = ("100644", "100755")


@dataclass(frozen=True)
class BaseInputs:
    """Read workspace-relative paths at commit ``sha`` of the repository holding the workspace."""

    workspace: Path
    sha: str
    repo: git.Repo

    @classmethod
    def open(cls, workspace: Path, sha: str) -> BaseInputs:
        """The base commit ``sha`` of ``workspace``; GitUnavailable (exit 3, naming fetch-depth) when absent."""
        repo = git.Repo.at(workspace)
        return cls(workspace.resolve(), repo.require_commit(sha, "base commit"), repo)

    def _entries(self, rels: Iterable[str]) -> list[git.TreeEntry]:
        specs = sorted({str(PurePosixPath(rel)) for rel in rels})
        if not specs:
            return []
        try:
            return self.repo.list_tree(self.sha, specs)
        except ToolError as exc:
            raise GateError(f"could not list {', '.join(specs[:5])} on the base commit {self.sha[:12]}: {exc}"
                            ) from None

    def exists(self, rel: str) -> bool:
        """True when the base commit has ``rel`` (a file, or a directory holding files)."""
        return bool(self._entries([rel]))

    def files(self, rels: Iterable[str]) -> list[str]:
        """The regular files the base commit has at or under ``rels`` (workspace-relative)."""
        return sorted(e.path for e in self._entries(rels) if e.mode in _REGULAR)

    def read(self, rel: str) -> bytes | None:
        """The base commit's bytes of the regular file ``rel``; None when it has no such file."""
        entries = [e for e in self._entries([rel]) if e.path == str(PurePosixPath(rel))]
        if not entries or entries[0].mode not in _REGULAR:
            return None
        try:
            return self.repo.read(self.sha, entries[0].path, MAX_FILE_BYTES)
        except ToolError as exc:
            raise GateError(f"could not read {rel} on the base commit {self.sha[:12]}: {exc}") from None

    def materialise(self, rels: Iterable[str], dest: Path) -> list[str]:
        """Write the base commit's regular files at or under ``rels`` below ``dest`` (emptied first); list them."""
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        written = []
        for rel in self.files(rels):
            data = self.read(rel)
            if data is None:
                continue
            target = dest / rel
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except OSError as exc:
                raise GateError(f"could not write {rel} of the base commit into {dest}: {exc}") from None
            written.append(rel)
        return written

    def changed(self, rels: Iterable[str]) -> list[str]:
        """Tracked files at or under ``rels`` whose content differs between the base commit and the work tree."""
        specs = sorted({str(PurePosixPath(rel)) for rel in rels})
        if not specs:
            return []
        try:
            out = git.run(self.workspace, "diff", "--no-ext-diff", "--no-textconv", "--name-only", "-z",
                          "--no-renames", "--relative", self.sha, "--", *specs).stdout
        except ToolError as exc:
            raise GateError(f"could not compare {', '.join(specs[:5])} with the base commit {self.sha[:12]}: {exc}"
                            ) from None
        return sorted({name for name in out.split("\0") if name})

    def diff(self, rels: Iterable[str]) -> str:
        """``git diff -U0`` of the work tree against the base commit for ``rels`` (workspace-relative names)."""
        specs = sorted({str(PurePosixPath(rel)) for rel in rels})
        try:
            return git.run(self.workspace, "-c", "core.quotePath=false", "diff", "-U0", "--no-color", "--no-ext-diff",
                           "--no-textconv", "--no-renames", "--relative", self.sha, "--", *specs).stdout
        except ToolError as exc:
            raise GateError(f"could not compare the work tree with the base commit {self.sha[:12]}: {exc}") from None
