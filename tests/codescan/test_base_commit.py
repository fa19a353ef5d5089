"""Files of a base commit taken with git archive, in a real temporary repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.codescan.base_commit import materialise
from gates.git import GitUnavailable
from tests.codescan.support import commit_all, git


def test_only_requested_files_changed_since_base_are_materialised(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app" / "src").mkdir(parents=True)
    (repo / "app" / "src" / "a.py").write_text("A = 1\n", encoding="utf-8")
    (repo / "app" / "src" / "b.py").write_text("B = 1\n", encoding="utf-8")
    (repo / "other.py").write_text("O = 1\n", encoding="utf-8")
    base = commit_all(repo, "base")
    (repo / "app" / "src" / "a.py").write_text("A = 2\n", encoding="utf-8")
    (repo / "app" / "src" / "new.py").write_text("N = 1\n", encoding="utf-8")
    commit_all(repo, "head")
    workspace = repo / "app"  # the workspace may be a sub-directory of the repository
    tree = materialise(workspace, base, ["src/a.py", "src/b.py", "src/new.py"], tmp_path / "scratch" / "base")
    assert tree.files == ("src/a.py",) and tree.unchanged == ("src/b.py",)
    assert (tree.root / "src" / "a.py").read_text(encoding="utf-8") == "A = 1\n"
    assert not (tree.root / "src" / "b.py").exists() and not (tree.root / "src" / "new.py").exists()
    assert git(repo, "status", "--porcelain") == ""  # the user's repository is untouched
    # uncommitted edits of the work tree count as changes too
    (repo / "app" / "src" / "b.py").write_text("B = 2\n", encoding="utf-8")
    again = materialise(workspace, base, ["src/a.py", "src/b.py"], tmp_path / "scratch" / "base")
    assert again.files == ("src/a.py", "src/b.py") and again.unchanged == ()
    assert (again.root / "src" / "b.py").read_text(encoding="utf-8") == "B = 1\n"


def test_unknown_commit_and_non_repository_are_unavailable(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("A = 1\n", encoding="utf-8")
    with pytest.raises(GitUnavailable, match="not inside a git repository"):
        materialise(repo, "1" * 40, ["a.py"], tmp_path / "base")
    commit_all(repo, "only")
    with pytest.raises(GitUnavailable, match="not in this clone"):
        materialise(repo, "1" * 40, ["a.py"], tmp_path / "base")
