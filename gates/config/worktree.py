"""Judge the commit, not a mutated tree: the working tree must be the commit under test.

On a pull request, earlier steps of the job run the pull request's code (an evaluation, a
model server) and could rewrite the checkout before the gates read it. Before anything in
the workspace is used, every tracked file of the commit under test (``GITHUB_SHA``, the
merge commit actions/checkout checks out, or the PR head) is compared byte for byte with
the working tree, hashing the files ourselves: the index, ``assume-unchanged`` bits and
``.git/info`` can be edited by such a step and are not consulted. Untracked files are
allowed only where the commit's own ``.gitignore`` rules ignore them (evaluated against an
empty repository, so ``.git/info/exclude`` and ``.git/config`` play no part), under the report
directory, or when the trusted config lists them in ``generated``.

Git LFS files are compared with the sha256 their pointer records. Anything else that differs
is an error (exit 3) naming the files: the verdict would not be about the commit.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gates import git
from gates.errors import GatesError, ToolError

_LFS = re.compile(rb"^version https://git-lfs\.github\.com/spec/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n")
_SHOWN = 20


class TreeMismatch(GatesError):
    """The working tree is not the commit under test."""


@dataclass(frozen=True)
class Difference:
    """One path where the working tree and the commit disagree."""

    path: str  # workspace-relative
    how: str  # modified, deleted, added, type changed


def verify_worktree(repo: git.Repo, candidates: list[str], exempt: list[str]) -> str:
    """The candidate commit the working tree equals; TreeMismatch naming the differences otherwise.

    ``exempt`` holds workspace-relative globs (``*``, ``**``) of files earlier steps may write.
    """
    from gates.github.approvals import glob_match

    present = [sha for sha in dict.fromkeys(c for c in candidates if c) if repo.resolve(sha)]
    if not present:
        shown = ", ".join(c[:12] for c in candidates if c) or "none"
        raise git.GitUnavailable(f"the commit under test ({shown}) is not in this clone; check out the pull "
                                 "request with actions/checkout before the gates")

    def exempted(path: str) -> bool:
        return any(glob_match(path, pattern) or glob_match(path, pattern.rstrip("/") + "/**") for pattern in exempt)

    best: tuple[str, list[Difference]] | None = None
    for sha in present:
        found = [d for d in _differences(repo, repo.resolve(sha) or sha) if not exempted(d.path)]
        if not found:
            return repo.resolve(sha) or sha
        if best is None or len(found) < len(best[1]):
            best = (sha, found)
    assert best is not None
    sha, found = best
    # repr() keeps each name on one line (newlines, control characters escaped): it cannot start a
    # workflow command or leave the summary's code fence
    listed = "; ".join(f"{d.how} {d.path!r}" for d in found[:_SHOWN])
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    raise TreeMismatch(
        f"the working tree is not the commit under test {sha[:12]}: {len(found)} path(s) differ ({listed}{more}). "
        "An earlier step changed the checkout; run the gates before steps that execute the pull request's code, "
        "or list files those steps write under `generated` in the base branch's config")


def _differences(repo: git.Repo, sha: str) -> list[Difference]:
    workspace = repo.workspace
    tracked = {e.path: e for e in repo.list_tree(sha)}
    out: list[Difference] = []
    to_hash: list[git.TreeEntry] = []
    for path, entry in tracked.items():
        if entry.mode == "160000":  # a submodule: its own repository
            continue
        local = workspace / path
        if not os.path.lexists(local):
            out.append(Difference(path, "deleted"))
        elif (entry.mode == "120000") != local.is_symlink() or (entry.mode != "120000" and not local.is_file()):
            out.append(Difference(path, "type changed"))
        else:
            to_hash.append(entry)
    # hashlib releases the GIL on large buffers: threads use every core of the runner
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        ids = list(pool.map(lambda e: repo.blob_id(workspace / e.path), to_hash))
    for entry, object_id in zip(to_hash, ids, strict=True):
        if object_id != entry.object_id and not _same_lfs(repo, sha, entry.path, workspace / entry.path):
            out.append(Difference(entry.path, "modified"))
    untracked = _untracked(workspace, tracked)
    ignored = _ignored(repo, untracked, tracked)
    out.extend(Difference(p, "added") for p in untracked if p not in ignored)
    return out


def _same_lfs(repo: git.Repo, sha: str, path: str, local: Path) -> bool:
    """A Git LFS pointer in the commit and the file it points to in the working tree."""
    try:
        pointer = repo.read(sha, path, 1024) or b""
    except ToolError:
        return False
    match = _LFS.match(pointer)
    if not match or local.stat().st_size != int(match.group(2)):
        return False
    digest = hashlib.sha256()
    with local.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == match.group(1).decode()


def _untracked(workspace: Path, tracked: dict[str, git.TreeEntry]) -> list[str]:
    """Files and symlinks under the workspace that the commit does not have (``.git`` skipped)."""
    out = []
    for top, dirs, files in os.walk(workspace):
        rel_top = Path(top).relative_to(workspace).as_posix()
        dirs[:] = [d for d in dirs if d != ".git" or rel_top != "."]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            rel = name if rel_top == "." else f"{rel_top}/{name}"
            if rel not in tracked:
                out.append(rel)
    return sorted(out)


def _ignored(repo: git.Repo, paths: list[str], tracked: dict[str, git.TreeEntry]) -> set[str]:
    """The ``paths`` the ``.gitignore`` files ignore. An untracked ``.gitignore`` in a directory
    with tracked files below it is never ignored itself, so adding one is always reported."""
    if not paths:
        return set()
    tracked_dirs = {parent.as_posix() for p in tracked for parent in Path(p).parents}
    with tempfile.TemporaryDirectory(prefix="secure-ai-gates-ignore-") as empty:
        git.run(Path(empty), "init", "-q", "--bare", ".")
        listing = "\0".join(repo.prefix + p for p in paths) + "\0"
        done = git.run(repo.top, f"--git-dir={empty}", f"--work-tree={repo.top}", "-c", "core.excludesFile=/dev/null",
                       "check-ignore", "--no-index", "-z", "--stdin", ok_codes=(0, 1), input_text=listing)
    ignored = {p[len(repo.prefix):] for p in done.stdout.split("\0") if p}
    return {p for p in ignored if Path(p).name not in (".gitignore", ".gitattributes")
            or Path(p).parent.as_posix() not in tracked_dirs}
