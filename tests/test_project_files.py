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


def _pinned_action_requirements() -> dict[str, str]:
    from packaging.utils import canonicalize_name

    text = (ROOT / "requirements" / "action.txt").read_text(encoding="utf-8")
    return {canonicalize_name(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9][\w.-]*)==(\S+)", text, re.M)}


def test_action_requirements_are_a_complete_lock_the_dogfood_audit_reads_as_pinned() -> None:
    """requirements/action.txt has a hash on every pin: the dogfood audit resolves nothing and needs no index."""
    from gates.osv.sources import requirements_sources

    (source,) = requirements_sources(ROOT / "requirements" / "action.txt", ROOT)
    assert source.pinned and source.format == "requirements with hashes"
    assert len(source.locations) == len(_pinned_action_requirements()) > 50


def test_action_requirements_pin_every_dependency_of_the_image() -> None:
    """Every requirement of pyproject.toml's runtime and [all] extras is pinned, at a version it accepts."""
    import tomllib
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras, wanted, todo = project["optional-dependencies"], list(project["dependencies"]), ["all"]
    while todo:
        for text in extras[todo.pop()]:
            req = Requirement(text)
            if canonicalize_name(req.name) == canonicalize_name(project["name"]):
                todo += sorted(req.extras)
            else:
                wanted.append(text)
    pins = _pinned_action_requirements()
    environment = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux",
                   "platform_system": "Linux", "platform_machine": "x86_64", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython", "os_name": "posix", "extra": ""}
    for text in wanted:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        version = pins.get(canonicalize_name(req.name))
        assert version is not None, f"{req.name} is not pinned in requirements/action.txt: regenerate it"
        assert req.specifier.contains(version, prereleases=True), f"{req.name}=={version} does not satisfy {req}"
