"""gates.git against real repositories, with the workspace a sub-directory of the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates import git
from gates.errors import ToolError
from gates.perf.baseline import BaselineFrom, load_baseline
from tests.support.git_repo import commit_all, git as run_git


def _repo(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository with the workspace in ``app/``: base commit, then a head commit."""
    repo = tmp_path / "repo"
    (repo / "app" / "eval").mkdir(parents=True)
    (repo / "app" / "eval" / "baseline.json").write_text(json.dumps({"accuracy": 0.92}), encoding="utf-8")
    (repo / "app" / "blob.bin").write_bytes(b"\x00\xff\r\n\x80binary")
    (repo / "app" / "old.txt").write_text("stays\n" * 20, encoding="utf-8")
    (repo / "outside.txt").write_text("not in the workspace\n", encoding="utf-8")
    base = commit_all(repo, "base")
    (repo / "app" / "eval" / "baseline.json").write_text(json.dumps({"accuracy": 0.1}), encoding="utf-8")
    run_git(repo, "mv", "app/old.txt", "app/new.txt")
    (repo / "app" / "added.py").write_text("A = 1\n", encoding="utf-8")
    (repo / "outside.txt").write_text("changed\n", encoding="utf-8")
    head = commit_all(repo, "head")
    return repo, base, head


def test_paths_are_workspace_relative_even_in_a_subdirectory(tmp_path: Path) -> None:
    repo, base, head = _repo(tmp_path)
    opened = git.Repo.at(repo / "app")
    assert opened.top == repo.resolve() and opened.prefix == "app/" and opened.workspace == (repo / "app").resolve()
    assert opened.read(base, "eval/baseline.json", 1000) == json.dumps({"accuracy": 0.92}).encode()
    assert opened.read(base, repo / "app" / "blob.bin", 1000) == b"\x00\xff\r\n\x80binary"  # byte for byte
    assert opened.read(base, "added.py", 1000) is None  # not on that commit
    assert opened.read(base, "eval", 1000) is None  # a tree, not a file
    with pytest.raises(ToolError, match="larger than 5 bytes"):
        opened.read(base, "eval/baseline.json", 5)
    assert {e.path for e in opened.list_tree(base)} == {"eval/baseline.json", "blob.bin", "old.txt"}
    assert [e.path for e in opened.list_tree(head, ["eval"])] == ["eval/baseline.json"]
    changes = {(c.status, c.path, c.old_path) for c in opened.changes(base, head)}
    assert changes == {("M", "eval/baseline.json", None), ("R", "new.txt", "old.txt"), ("A", "added.py", None)}


def test_commits_shallow_clones_and_missing_repositories(tmp_path: Path) -> None:
    repo, base, head = _repo(tmp_path)
    opened = git.Repo.at(repo)
    assert opened.prefix == "" and opened.resolve("HEAD") == head and opened.has_commit(base[:10])
    assert not opened.has_commit("1" * 40) and opened.resolve("--output=x") is None
    assert not opened.is_shallow()
    with pytest.raises(git.GitUnavailable, match="fetch-depth: 0"):
        opened.read("1" * 40, "outside.txt", 100)
    shallow = tmp_path / "shallow"
    run_git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    cloned = git.Repo.at(shallow)
    assert cloned.is_shallow() and cloned.has_commit(head)
    with pytest.raises(git.GitUnavailable, match=r"not in this clone \(the clone is shallow\).*fetch-depth: 0"):
        cloned.require_commit(base, "base commit")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(git.GitUnavailable, match="not inside a git repository"):
        git.Repo.at(plain)


def test_blob_id_matches_git_for_files_and_symlinks(tmp_path: Path) -> None:
    repo, _, _ = _repo(tmp_path)
    (repo / "link").symlink_to("app/blob.bin")
    commit_all(repo, "link")
    opened = git.Repo.at(repo)
    tree = {e.path: e.object_id for e in opened.list_tree("HEAD")}
    for name in ("app/blob.bin", "app/new.txt", "link"):
        assert opened.blob_id(repo / name) == tree[name]
    (repo / "app" / "blob.bin").write_bytes(b"changed")
    assert opened.blob_id(repo / "app" / "blob.bin") != tree["app/blob.bin"]


def test_repository_config_cannot_run_commands_through_our_git(tmp_path: Path) -> None:
    repo, base, _ = _repo(tmp_path)
    marker = tmp_path / "ran"
    run_git(repo, "config", "core.fsmonitor", f"touch {marker}; false")
    run_git(repo, "config", "core.pager", f"touch {marker}")
    opened = git.Repo.at(repo / "app")
    opened.read(base, "eval/baseline.json", 1000)
    opened.changes(base, "HEAD")
    assert not marker.exists()


def test_performance_baseline_from_the_base_commit_when_the_workspace_is_a_subdirectory(tmp_path: Path) -> None:
    repo, base, _ = _repo(tmp_path)
    baseline = load_baseline(repo / "app", "eval/baseline.json", BaselineFrom.AUTO, base)
    assert baseline.document == {"accuracy": 0.92} and base[:12] in baseline.source
