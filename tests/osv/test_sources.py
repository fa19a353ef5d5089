"""Dependency sources: discovery, pinned detection and the line that declares each package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gates.errors import ConfigError
from gates.osv.plan import discover, plan
from gates.osv.sources import Location, SourceKind, requirements_sources


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_locations_follow_continuations_comments_and_includes(tmp_path: Path) -> None:
    write(
        tmp_path / "requirements.txt",
        "# runtime\nrequests==2.19.0\n\nPyYAML==5.3.1 \\\n    ; python_version >= '3'\n"
        "-r extra/more.txt\nJinja2==2.10 --hash=sha256:0000\n",
    )
    write(tmp_path / "extra" / "more.txt", "numpy>=1.0\n")
    main, more = requirements_sources(tmp_path / "requirements.txt", tmp_path)
    assert main.kind is SourceKind.REQUIREMENTS and not main.pinned  # pins without hashes: not a complete lock
    assert main.location("Requests") == Location("requirements.txt", 2)
    assert main.location("pyyaml") == Location("requirements.txt", 4)
    assert main.location("jinja2") == Location("requirements.txt", 7)
    assert main.location("not-declared") == Location("requirements.txt")  # e.g. a resolved sub-dependency
    assert (
        more.label == "extra/more.txt" and not more.pinned and more.location("numpy") == Location("extra/more.txt", 1)
    )


H = " --hash=sha256:" + "0" * 64


@pytest.mark.parametrize("line, pinned", [("a==1.0", False), ("a===1.0", False), ("a==1.*", False), ("a>=1", False),
                                          ("a", False), ("a>=1" + H, False), ("a==1.0" + H, True),
                                          ("a===1.0" + H, True), ("a==1.*" + H, False)])
def test_complete_lock_detection(tmp_path: Path, line: str, pinned: bool) -> None:
    """Regression: ``requests==2.19.0`` alone was audited with --no-deps, dropping urllib3 and idna.

    Only exact pins with hashes on every line make a complete lock; anything else is resolved.
    """
    write(tmp_path / "r.txt", f"b==2{H}\n{line}\n")
    source = requirements_sources(tmp_path / "r.txt", tmp_path)[0]
    assert source.pinned is pinned
    assert ("complete lock" if pinned else "resolved with pip") in source.how


def test_include_cycles_and_missing_includes(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "-r b.txt\nx==1\n")
    write(tmp_path / "b.txt", "-r a.txt\ny==1\n")
    assert [s.label for s in requirements_sources(tmp_path / "a.txt", tmp_path)] == ["a.txt", "b.txt"]
    write(tmp_path / "c.txt", "-r missing.txt\n")
    with pytest.raises(ConfigError, match="missing.txt"):
        requirements_sources(tmp_path / "c.txt", tmp_path)


def test_invalid_requirement_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "ok==1\nthis is not a requirement ===\n")
    with pytest.raises(ConfigError) as err:
        requirements_sources(tmp_path / "requirements.txt", tmp_path)
    assert err.value.line == 2 and "requirements.txt" in str(err.value)


def test_default_discovery_and_pyproject_auto(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\ndependencies = [\n  "requests>=2",\n  "PyYAML",\n]\n')
    (only,), _ = discover({}, tmp_path)
    assert only.kind is SourceKind.PYPROJECT and only.location("pyyaml") == Location("pyproject.toml", 5)
    write(tmp_path / "requirements-dev.txt", "pytest==8.0.0\n")
    write(tmp_path / "pylock.toml", 'lock-version = "1.0"\n[[packages]]\nname = "requests"\nversion = "2.19.0"\n')
    kinds = [(s.kind, s.label) for s in discover({}, tmp_path)[0]]
    assert kinds == [(SourceKind.REQUIREMENTS, "requirements-dev.txt"), (SourceKind.LOCK, "pylock.toml")]
    lock = discover({}, tmp_path)[0][1]
    assert lock.location("requests") == Location("pylock.toml", 3)
    # a lock file next to the manifest wins, even when the manifest is asked for
    sources, notes = discover({"pyproject": True}, tmp_path)
    assert SourceKind.PYPROJECT not in [s.kind for s in sources] and "pylock.toml" in notes[0]
    (tmp_path / "pylock.toml").unlink()
    assert [s.kind for s in discover({"pyproject": True}, tmp_path)[0]][-1] is SourceKind.PYPROJECT


def test_named_files_must_exist_and_environment_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="dependencies.requirements"):
        discover({"requirements": ["deps/prod.txt"]}, tmp_path)
    (env,), _ = discover({"environment": True}, tmp_path)
    assert env.kind is SourceKind.ENVIRONMENT and env.python == sys.executable and env.location("x") is None


def test_plan_option_conflicts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        plan({"advisory-db": "db", "osv-url": "http://127.0.0.1:1/v1/query"}, tmp_path)
    with pytest.raises(ConfigError, match="vulnerability-service"):
        plan({"advisory-db": "db", "vulnerability-service": "pypi"}, tmp_path)
    online = plan({}, tmp_path)
    assert online.osv_url == "https://api.osv.dev/v1/query" and online.osv_base == "https://api.osv.dev"
    assert plan({"advisory-db": "../db"}, tmp_path).advisory_db == tmp_path / "../db"
    assert plan({"request-timeout": "500ms"}, tmp_path).request_timeout == 1
