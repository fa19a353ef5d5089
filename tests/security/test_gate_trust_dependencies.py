"""dependencies on a pull request that edits the in-repo advisory database: real git, real pip-audit, local OSV data.

The change pins a vulnerable ``requests`` and deletes its advisories from the database it ships;
the base commit's copy must be used and the edit reported. A database only the change brings is
an error; an unrelated change still passes.
"""

from __future__ import annotations

from pathlib import Path

from tests.security.gate_trust_repo import PullRequest

DB = Path(__file__).resolve().parents[1] / "assets" / "deps" / "advisory-db"
CONFIG = ("version: 1\ngates:\n  dependencies:\n    requirements: [requirements.txt]\n"
          "    advisory-db: vendor/advisory-db\n")


def _db_files() -> dict[str, str | None]:
    return {f"vendor/advisory-db/{p.relative_to(DB).as_posix()}": p.read_text(encoding="utf-8")
            for p in DB.rglob("*") if p.is_file()}


def test_advisories_deleted_by_the_change_still_count(tmp_path: Path) -> None:
    base = {".github/secure-ai-gates.yml": CONFIG, "requirements.txt": "idna==3.20\n", **_db_files()}
    dropped = {name: None for name in _db_files() if "/vulns/requests/" in name}
    pr = PullRequest.make(tmp_path, base, {"requirements.txt": "requests==2.19.0\n", **dropped})
    verdict = pr.run(tmp_path / "run", "dependencies")
    assert verdict.code == 1, verdict.output
    rules = set(verdict.rules("dependencies"))
    assert {"PYSEC-2018-28", "advisory-db-changed"} <= rules, rules


def test_advisory_db_only_the_change_brings_is_an_error(tmp_path: Path) -> None:
    base = {".github/secure-ai-gates.yml": CONFIG, "requirements.txt": "idna==3.20\n"}
    pr = PullRequest.make(tmp_path, base, {"requirements.txt": "requests==2.19.0\n",
                                           "vendor/advisory-db/vulns/README.md": "nothing to see\n"})
    verdict = pr.run(tmp_path / "run", "dependencies")
    assert verdict.code == 3, verdict.output
    assert "cannot bring its own advisory database" in verdict.gate("dependencies")["summary"]


def test_control_unrelated_change_passes(tmp_path: Path) -> None:
    base = {".github/secure-ai-gates.yml": CONFIG, "requirements.txt": "idna==3.20\n", **_db_files()}
    pr = PullRequest.make(tmp_path, base, {"README.md": "docs\n"})
    verdict = pr.run(tmp_path / "run", "dependencies")
    assert verdict.code == 0, verdict.output
