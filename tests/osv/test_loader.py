"""Loading advisory databases and identifying snapshots."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gates.osv.loader import AdvisoryDbError, advisory_files, load_database
from tests.osv.support import ASSET_DB, shared_db


def test_loads_the_copied_advisories_with_identity() -> None:
    db = load_database(ASSET_DB)
    files = advisory_files(ASSET_DB)
    assert len(db.index) == len(files) == 12
    assert db.snapshot.advisories == 12
    newest = max(str(yaml.safe_load(p.read_text())["modified"]) for p in files)
    assert db.snapshot.newest_modified is not None and db.snapshot.newest_modified[:19] == newest[:19].replace(" ", "T")
    assert db.snapshot.commit  # git (once committed) or the commit noted in the folder's README
    assert "newest advisory modified" in db.snapshot.describe()


def test_unquoted_versions_and_dates_stay_strings(tmp_path: Path) -> None:
    (tmp_path / "A-1.yaml").write_text(
        "id: A-1\nmodified: 2024-10-09T23:22:49Z\naffected:\n- package: {name: x, ecosystem: PyPI}\n"
        "  versions:\n  - 1.10\n  - 2.0\n", encoding="utf-8")
    db = load_database(tmp_path)
    advisory = db.index.get("A-1")
    assert advisory is not None
    assert advisory.raw["affected"][0]["versions"] == ["1.10", "2.0"]
    assert advisory.raw["modified"] == "2024-10-09T23:22:49Z"
    assert db.index.query("x", "1.10") and not db.index.query("x", "1.1")


def test_json_advisories_and_hidden_dirs(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "B-1.json").write_text(
        '{"id": "B-1", "affected": [{"package": {"name": "b", "ecosystem": "PyPI"}, "versions": ["1.0"]}]}',
        encoding="utf-8",
    )
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "workflow.yml").write_text("on: push\n", encoding="utf-8")
    db = load_database(tmp_path)
    assert [a.id for a in db.index] == ["B-1"]


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDbError, match="not found"):
        load_database(tmp_path / "nope")


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDbError, match="holds no advisories"):
        load_database(tmp_path)


@pytest.mark.parametrize("content", ["id: [unclosed\n", "- just\n- a list\n", "details: no id\n"])
def test_a_corrupt_file_is_an_error_naming_it(tmp_path: Path, content: str) -> None:
    shutil.copytree(ASSET_DB, tmp_path / "db")
    bad = tmp_path / "db" / "vulns" / "requests" / "PYSEC-9999-1.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(AdvisoryDbError, match="PYSEC-9999-1.yaml"):
        load_database(tmp_path / "db")


def test_git_commit_identifies_a_checkout(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    db_dir = tmp_path / "advisory-database"
    shutil.copytree(ASSET_DB / "vulns", db_dir / "vulns")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([git, *args], cwd=db_dir, env=env, check=True)
    head = subprocess.run([git, "rev-parse", "HEAD"], cwd=db_dir, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()
    snapshot = load_database(db_dir).snapshot
    assert snapshot.commit == head and snapshot.commit_source == "git" and snapshot.commit_date
    assert head[:12] in snapshot.describe()


def test_readme_commit_note_identifies_the_shared_snapshot() -> None:
    snapshot = load_database(shared_db()).snapshot
    assert snapshot.commit == "3ccb6125"
    assert snapshot.newest_modified is not None and snapshot.newest_modified.startswith("2024-10")


def test_no_identity_falls_back_to_newest_date(tmp_path: Path) -> None:
    (tmp_path / "C-1.yaml").write_text("id: C-1\nmodified: '2020-02-02T00:00:00Z'\naffected: []\n", encoding="utf-8")
    snapshot = load_database(tmp_path).snapshot
    assert snapshot.commit is None
    assert snapshot.describe() == "newest advisory modified 2020-02-02"


FAST_CASES = [
    "id: A\naffected:\n- package: {name: a, ecosystem: PyPI}\n  versions:\n  - 1.0\n  - '2.0'\n  - \"3.0\"\n",
    "id: A\naffected:\n- package: {name: a, ecosystem: PyPI}\n  versions:\n  - 1.0  # a comment\n  - null\n",
    "id: A\ndetails: |\n  versions:\n  - not a list\naffected:\n- package: {name: a, ecosystem: PyPI}\n  versions:\n  - 1.0\n",  # noqa: E501
    "id: A\naffected:\n- package: {name: a, ecosystem: PyPI}\n  versions:\n  - 1.0\n- package: {name: b, ecosystem: PyPI}\n"  # noqa: E501
    "  versions:\n  - '0.1'\n  - true\n",
    "id: A\naffected:\n- versions:\n  - 1.0\n  package: {name: a, ecosystem: PyPI}\n",
]


@pytest.mark.parametrize("text", FAST_CASES)
def test_fast_versions_scan_gives_the_yaml_result(text: str) -> None:
    from gates.osv.loader import _parse_yaml, _StringLoader

    assert _parse_yaml(text.encode()) == yaml.load(text, Loader=_StringLoader)  # noqa: S506 - a safe loader


@pytest.mark.slow
def test_fast_versions_scan_matches_yaml_over_the_whole_snapshot() -> None:
    from gates.osv.loader import _parse_yaml, _StringLoader

    for path in advisory_files(shared_db()):
        data = path.read_bytes()
        assert _parse_yaml(data) == yaml.load(data, Loader=_StringLoader), path  # noqa: S506
