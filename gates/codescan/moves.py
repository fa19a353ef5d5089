"""Where code of a pull request may have come from: renamed, modified and deleted files since the base.

A finding in a file renamed with ``git mv``, or in code moved from one file to another, is
old. To know that, the base commit's findings must include the files the code came from, not
only the files that have findings now: the sources of renames (git's rename detection, ``-M``)
and the Python files and notebooks that were modified or deleted. Their base versions are
scanned with the rest, and the path-independent keys of :mod:`gates.fingerprint` match the
moved findings. Without git or the base commit the list is empty (nothing is matched as moved:
fail closed).
"""

from __future__ import annotations

from pathlib import Path

from gates import git
from gates.errors import ToolError

SCANNED_SUFFIXES = (".py", ".ipynb")


def move_sources(workspace: Path, base_sha: str) -> list[str]:
    """Workspace-relative paths at the base commit that code in ``HEAD`` may have been moved from."""
    try:
        changes = git.Repo.at(workspace).changes(base_sha, "HEAD")
    except (ToolError, git.GitUnavailable):
        return []
    out = set()
    for change in changes:
        if change.status in ("R", "C") and change.old_path:
            out.add(change.old_path)
        elif change.status in ("M", "D", "T"):
            out.add(change.path)
    return sorted(p for p in out if p.endswith(SCANNED_SUFFIXES))
