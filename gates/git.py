"""The one way we ask git anything: read-only questions about the workspace's repository.

Every call goes through :func:`gates.proc.run` with one policy:

- ``safe.directory=*`` on the command line: in a container action the checkout belongs to
  another user, and we only read;
- hooks, fsmonitor, pagers, external diff and text conversion are switched off, system
  config is ignored, git never prompts and never fetches missing objects lazily, so a
  ``.git/config`` written by an earlier workflow step cannot make *our* git run its commands.

A :class:`Repo` is the repository holding a workspace: ``top`` is its root and ``prefix`` the
workspace's path below it. Paths handed to a ``Repo`` are **workspace-relative** (or
absolute) and converted to repository paths here, once: ``git show sha:path`` wants the
path from the repository root, which is not the workspace when the workspace is a
sub-directory. Paths returned are workspace-relative too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gates import proc
from gates.errors import ExitCode, GatesError, ToolError

TIMEOUT_S = 120.0
_POLICY = ("-c", "safe.directory=*", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
           "-c", "core.pager=cat", "-c", "protocol.allow=never")
_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_NO_LAZY_FETCH": "1",
        "GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat"}
FETCH_HINT = "check out with fetch-depth: 0 (actions/checkout) so the base commit is in the clone"


class GitUnavailable(GatesError):
    """git cannot answer here: not installed, not a repository, or the commit is not in the clone."""

    exit_code = ExitCode.UNDECIDED


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a commit's tree: ``mode`` (``100644``, ``100755``, ``120000``, ``160000``), object id, path."""

    mode: str
    object_id: str
    path: str  # workspace-relative POSIX path


@dataclass(frozen=True)
class Change:
    """One changed path between two commits: status letter (A, M, D, R, C, T) and, for renames, the old path."""

    status: str
    path: str
    old_path: str | None = None


def run(cwd: Path, *args: str, ok_codes: Iterable[int] = (0,), timeout: float = TIMEOUT_S,
        binary: bool = False, input_text: str | None = None) -> proc.Completed:
    """Run ``git -C cwd args`` under the policy above; ToolError on an unexpected exit status."""
    exe = proc.find_executable("git")
    if exe is None:
        raise GitUnavailable("git is not installed")
    return proc.run([exe, *_POLICY, "-C", str(cwd), *args], timeout=timeout, ok_codes=ok_codes,
                    env=_ENV, tool="git", binary=binary, input_text=input_text)


@dataclass(frozen=True)
class Repo:
    """The git repository holding a workspace."""

    top: Path  # the repository root (work tree top), resolved
    prefix: str  # the workspace below ``top``: "" or "sub/dir/"
    object_format: str = "sha1"

    @classmethod
    def at(cls, workspace: Path) -> Repo:
        """The repository holding ``workspace``; GitUnavailable when there is none."""
        try:
            done = run(workspace, "rev-parse", "--show-toplevel", "--show-prefix", ok_codes=range(256))
        except ToolError as exc:
            raise GitUnavailable(f"git is not usable here ({exc})") from None
        lines = done.stdout.splitlines()
        if done.returncode != 0 or not lines:
            raise GitUnavailable(f"{workspace} is not inside a git repository")
        fmt = run(workspace, "rev-parse", "--show-object-format", ok_codes=range(256)).stdout.strip()
        return cls(Path(lines[0]).resolve(), lines[1] if len(lines) > 1 else "", fmt or "sha1")

    def git(self, *args: str, ok_codes: Iterable[int] = (0,), timeout: float = TIMEOUT_S,
            binary: bool = False) -> proc.Completed:
        """Run git at the repository root."""
        return run(self.top, *args, ok_codes=ok_codes, timeout=timeout, binary=binary)

    @property
    def workspace(self) -> Path:
        """The workspace directory this repository was opened for."""
        return self.top / self.prefix if self.prefix else self.top

    def repo_path(self, path: str | Path) -> str:
        """A workspace-relative or absolute path as a path from the repository root."""
        if Path(path).is_absolute():
            absolute = os.path.abspath(path)
            rel = os.path.relpath(absolute, self.top)
            if rel.startswith(".."):  # symlinked temp dirs: compare real paths
                rel = os.path.relpath(os.path.realpath(absolute), self.top)
            return PurePosixPath(Path(rel).as_posix()).as_posix()
        return (PurePosixPath(self.prefix) / PurePosixPath(Path(path).as_posix())).as_posix()

    def _workspace_path(self, repo_path: str) -> str:
        return repo_path[len(self.prefix):] if self.prefix and repo_path.startswith(self.prefix) else repo_path

    def resolve(self, rev: str) -> str | None:
        """The full commit id ``rev`` names, or None when the clone does not have it."""
        done = self.git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}",
                        ok_codes=range(256))
        return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None

    def has_commit(self, sha: str) -> bool:
        """Whether the commit ``sha`` is in the local clone."""
        return self.resolve(sha) is not None

    def require_commit(self, sha: str, what: str = "commit") -> str:
        """The full id of ``sha``; GitUnavailable naming ``fetch-depth: 0`` when it is missing."""
        full = self.resolve(sha)
        if full is None:
            shallow = " (the clone is shallow)" if self.is_shallow() else ""
            raise GitUnavailable(f"the {what} {sha[:12]} is not in this clone{shallow}; {FETCH_HINT}")
        return full

    def is_shallow(self) -> bool:
        """Whether the clone is shallow (``fetch-depth: 1``, the actions/checkout default)."""
        return self.git("rev-parse", "--is-shallow-repository").stdout.strip() == "true"

    def list_tree(self, sha: str, paths: Sequence[str] = (), recursive: bool = True) -> list[TreeEntry]:
        """Entries of commit ``sha`` under the workspace (or under ``paths``, workspace-relative)."""
        specs = [self.repo_path(p) for p in paths] if paths else ([self.prefix.rstrip("/")] if self.prefix else [])
        args = ["ls-tree", "-z", "--full-tree", *(["-r"] if recursive else []), sha, "--", *specs]
        out = self.git(*args).stdout
        entries = []
        for record in filter(None, out.split("\0")):
            meta, _, name = record.partition("\t")
            mode, _kind, object_id = meta.split()
            if not self.prefix or name.startswith(self.prefix):
                entries.append(TreeEntry(mode, object_id, self._workspace_path(name)))
        return entries

    def read(self, sha: str, path: str | Path, max_bytes: int) -> bytes | None:
        """The file ``path`` as it is on commit ``sha``; None when the commit does not have it.

        GitUnavailable when the commit is missing; ToolError when the file exceeds ``max_bytes``.
        """
        spec = f"{sha}:{self.repo_path(path)}"
        size = self.git("cat-file", "-s", spec, ok_codes=range(256))
        if size.returncode != 0:
            self.require_commit(sha)
            return None
        if self.git("cat-file", "-t", spec).stdout.strip() != "blob":
            return None
        if int(size.stdout.strip() or 0) > max_bytes:
            raise ToolError(f"{path} on commit {sha[:12]} is larger than {max_bytes} bytes; not read", tool="git")
        return self.git("cat-file", "blob", spec, binary=True).stdout_bytes

    def changes(self, base: str, head: str, paths: Sequence[str] = ()) -> list[Change]:
        """Paths changed from ``base`` to ``head`` under the workspace, renames detected."""
        specs = [self.repo_path(p) for p in paths] or ([self.prefix.rstrip("/")] if self.prefix else [])
        out = self.git("diff", "--no-ext-diff", "--no-textconv", "--name-status", "-z", "-M",
                       base, head, "--", *specs).stdout
        fields = out.split("\0")
        changes, index = [], 0
        while index < len(fields) and fields[index]:
            status = fields[index][0]
            if status in ("R", "C"):
                changes.append(Change(status, self._workspace_path(fields[index + 2]),
                                      self._workspace_path(fields[index + 1])))
                index += 3
            else:
                changes.append(Change(status, self._workspace_path(fields[index + 1])))
                index += 2
        return changes

    def blob_id(self, path: Path) -> str:
        """The object id git would give the bytes of the file at ``path`` (no filters applied)."""
        digest = hashlib.new("sha256" if self.object_format == "sha256" else "sha1")
        if path.is_symlink():
            target = os.fsencode(os.readlink(path))
            digest.update(b"blob %d\0" % len(target) + target)
            return digest.hexdigest()
        with path.open("rb") as handle:
            digest.update(b"blob %d\0" % os.fstat(handle.fileno()).st_size)
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
