"""The files a security tool is expected to ship, and what the project's own workflows need."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from tests.osv.support import shared_db

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["LICENSE", "SECURITY.md", "CHANGELOG.md", "CONTRIBUTING.md", "gates/py.typed"])
def test_project_file_exists(name: str) -> None:
    assert (ROOT / name).is_file()


def test_licence_matches_pyproject() -> None:
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")[:200]
    assert 'license = { text = "Apache-2.0" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_workflows_and_dogfood_config_reference_nothing_outside_the_repository() -> None:
    files = [*(ROOT / ".github").rglob("*.yml"), ROOT / "action.yml", ROOT / "deploy" / "action.yml",
             ROOT / "scripts" / "dogfood.sh"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "/work/" not in text, path


def _subset_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("advisory_subset", ROOT / "scripts" / "advisory_subset.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_in_repo_advisory_subset_is_the_snapshot_filtered_by_our_pins() -> None:
    """requirements/advisory-db holds exactly the snapshot's advisories of the pinned packages."""
    subset = _subset_module()
    db = shared_db()
    expected = subset.wanted(db, subset.pinned_names())
    have = {p.relative_to(subset.SUBSET).as_posix(): p for p in (subset.SUBSET / "vulns").rglob("*") if p.is_file()}
    assert sorted(have) == sorted(expected), "run: python scripts/advisory_subset.py"
    for relative, source in expected.items():
        assert have[relative].read_bytes() == source.read_bytes(), relative
    assert (subset.SUBSET / "LICENSE").read_bytes() == (db / "LICENSE").read_bytes()


def test_every_pinned_package_is_known_to_the_subset_filter() -> None:
    names = _subset_module().pinned_names()
    pins = [line for line in (ROOT / "requirements" / "action.txt").read_text(encoding="utf-8").splitlines()
            if re.match(r"^[A-Za-z0-9]", line)]
    assert len(names) == len(pins) > 10


def test_readme_gives_the_two_commands_right_after_saying_what_the_project_is() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    first_section = next(i for i, line in enumerate(lines) if line.startswith("## "))
    assert lines[0] == "# secure-ai-gates" and "GitHub Action" in "\n".join(lines[1:first_section])
    assert lines[first_section] == "## Try it / develop"
    section = "\n".join(lines[first_section:first_section + 15])
    assert "    bash scripts/demo.sh" in section and "    bash scripts/test.sh" in section
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
