"""Identify an advisory-database snapshot so users can tell how fresh it is.

In order of preference: the git commit (and its date) of the database's own repository (the
directory must be the top of a git work tree: a database copied into some other repository, such
as the project under test, does not take that repository's commit); otherwise a commit noted in
a README beside or above the directory (a line naming the directory and ``commit <hex>``);
always the newest ``modified`` date among the advisories.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gates import git
from gates.errors import ToolError

if TYPE_CHECKING:
    from gates.osv.index import AdvisoryIndex

_COMMIT_NOTE = re.compile(r"commit[:\s]+`?([0-9a-f]{7,40})\b", re.IGNORECASE)


@dataclass(frozen=True)
class SnapshotInfo:
    """What identifies a loaded snapshot."""

    path: str
    advisories: int
    packages: int
    newest_modified: str | None  # RFC 3339 text of the newest advisory change
    commit: str | None = None
    commit_date: str | None = None
    commit_source: str | None = None  # "git" or the README the commit was read from

    def describe(self) -> str:
        """One line for summaries, e.g. ``commit 3ccb6125 (README.md), newest advisory 2024-10-10``."""
        parts = []
        if self.commit:
            when = f" of {self.commit_date[:10]}" if self.commit_date else ""
            parts.append(f"commit {self.commit[:12]}{when} ({self.commit_source})")
        if self.newest_modified:
            parts.append(f"newest advisory modified {self.newest_modified[:10]}")
        return ", ".join(parts) or "unidentified snapshot"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view (served at ``GET /v1/snapshot`` and put in gate metrics)."""
        return {"path": self.path, "advisories": self.advisories, "packages": self.packages,
                "newest_modified": self.newest_modified, "commit": self.commit,
                "commit_date": self.commit_date, "commit_source": self.commit_source,
                "description": self.describe()}


def _git_commit(root: Path) -> tuple[str, str] | None:
    try:
        top = git.run(root, "rev-parse", "--show-toplevel", timeout=10, ok_codes=range(256))
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
            return None  # not a repository, or an enclosing one: its commit says nothing about the database
        done = git.run(root, "log", "-1", "--format=%H %cI", timeout=10, ok_codes=range(256))
    except (ToolError, git.GitUnavailable):
        return None
    fields = done.stdout.split()
    if done.returncode != 0 or len(fields) != 2:
        return None
    return fields[0], fields[1]


def _readme_commit(root: Path) -> tuple[str, str] | None:
    for readme in (root / "README.md", root.parent / "README.md"):
        if not readme.is_file():
            continue
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _COMMIT_NOTE.search(line)
            if match and (readme.parent == root or root.name in line):
                return match.group(1), str(readme)
    return None


def identify(root: Path, index: AdvisoryIndex) -> SnapshotInfo:
    """Describe the snapshot at ``root`` whose advisories are in ``index``."""
    modified = [str(a.raw["modified"]) for a in index if a.raw.get("modified")]
    info = dict(path=str(root), advisories=len(index), packages=index.package_count,
                newest_modified=max(modified) if modified else None)
    found = _git_commit(root)
    if found:
        return SnapshotInfo(**info, commit=found[0], commit_date=found[1], commit_source="git")  # type: ignore[arg-type]
    note = _readme_commit(root)
    if note:
        return SnapshotInfo(**info, commit=note[0], commit_source=note[1])  # type: ignore[arg-type]
    return SnapshotInfo(**info)  # type: ignore[arg-type]
