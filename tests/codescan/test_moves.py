"""Baselines survive ``git mv`` renames and code moved across files; copies stay new (real git, real bandit)."""

from __future__ import annotations

import json
from pathlib import Path

from gates.fingerprint import loose_key, new_since_moved
from gates.model import Checked
from gates.plugins.code_security import CodeSecurityGate
from tests.codescan.support import commit_all, context, git, make_corpus, pr_event


def _new(result: object) -> list[tuple[str, str | None]]:
    assert isinstance(result, Checked), result
    return sorted((f.rule_id, f.path) for f in result.findings if not f.suppressed)


def test_a_rename_only_pull_request_has_no_new_finding(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_corpus(repo)
    base = commit_all(repo, "base")
    git(repo, "mv", "src/deserialize.py", "src/loading.py")
    git(repo, "mv", "src/shell.py", "src/run_shell.py")
    head = commit_all(repo, "rename only")
    result = CodeSecurityGate().run(context(repo, event=pr_event(base, head)))
    assert _new(result) == []
    assert any(f.path == "src/loading.py" and f.suppressed for f in result.findings)  # still listed, baselined


def test_code_moved_to_another_file_is_old_but_a_copy_is_new(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    src = make_corpus(repo)
    (src / "extra.py").write_text("import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
                                  encoding="utf-8")
    base = commit_all(repo, "base")
    (src / "extra.py").write_text("VALUE = 1\n", encoding="utf-8")  # the code moves out ...
    (src / "moved.py").write_text("import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
                                  encoding="utf-8")  # ... to a new file
    head = commit_all(repo, "move")
    assert _new(CodeSecurityGate().run(context(repo, event=pr_event(base, head)))) == []
    copy = "import subprocess\n\n\ndef run2(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    (src / "copied.py").write_text(copy, encoding="utf-8")
    head = commit_all(repo, "copy")
    new = _new(CodeSecurityGate().run(context(repo, event=pr_event(base, head), scratch=tmp_path / "s2")))
    assert sorted(rule for rule, _ in new) == ["B404", "B602"]  # one of the two identical copies is new


def test_committed_baseline_follows_a_renamed_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_corpus(repo)
    options = {"baseline-file": ".github/cs-baseline.json"}
    written = CodeSecurityGate().run(context(repo, options, update_baseline=True))
    assert isinstance(written, Checked)
    entries = json.loads((repo / ".github" / "cs-baseline.json").read_text(encoding="utf-8"))["findings"]
    assert all(e["moved"].startswith("moved:") for e in entries)
    (repo / "src" / "sql.py").rename(repo / "src" / "queries.py")
    assert _new(CodeSecurityGate().run(context(repo, options, scratch=tmp_path / "s2"))) == []


def test_two_stage_match_counts_copies() -> None:
    key = loose_key("bandit:B602", "subprocess.call(cmd, shell=True)")
    assert new_since_moved([("a", key), ("b", key)], ["a", key]) == [False, True]  # the copy is new
    assert new_since_moved([("c", key)], ["a", key]) == [False]  # moved: path-bound print changed
