"""The dependencies gate on the files ML projects commit, and the regressions of issue 14.

Real pip-audit against the copied PyPA advisories; lock files written by uv and Poetry
(``tests/assets/deps/*-project``, see their README), hand-written where the tool cannot run here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from gates.config.settings import GitHubEnv
from gates.errors import ConfigError, GateError
from gates.model import Checked, Severity
from gates.osv.loader import load_database
from gates.plugins.base import GateContext
from gates.plugins.dependencies import DependenciesGate
from tests.osv.support import ASSET_DB, REPO, offline_wheels, wheel, write_advisory

DEPS = REPO / "tests" / "assets" / "deps"


def run_gate(workspace: Path, **options: Any) -> Checked:
    (workspace / ".work").mkdir(exist_ok=True)
    ctx = GateContext(name="dependencies", workspace=workspace, options={"advisory-db": str(ASSET_DB), **options},
                      report_dir=workspace / ".report", work_dir=workspace / ".work", github=GitHubEnv(),
                      deadline=time.monotonic() + 240, log=lambda message: None)
    outcome = DependenciesGate().run(ctx)
    assert isinstance(outcome, Checked), outcome
    return outcome


def copy_project(name: str, tmp_path: Path) -> Path:
    workspace = tmp_path / name
    shutil.copytree(DEPS / name, workspace)
    return workspace


def by_package(result: Checked) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in result.findings:
        out.setdefault(f.package or "", set()).add(f.rule_id)
    return out


LOCKED_TREE = {"jinja2": {"PYSEC-2019-217"}, "requests": {"PYSEC-2018-28", "PYSEC-2023-74"},
               "urllib3": {"PYSEC-2023-192"}}  # urllib3 only in the transitive tree


@pytest.mark.parametrize("project, lock, jinja_line", [("uv-project", "uv.lock", 32),
                                                       ("poetry-project", "poetry.lock", 54)])
def test_lock_file_beside_the_manifest_is_audited_as_locked(tmp_path: Path, project: str, lock: str,
                                                            jinja_line: int) -> None:
    """Regression: with pyproject.toml + uv.lock the gate re-resolved from the index and passed jinja2 2.10."""
    result = run_gate(copy_project(project, tmp_path), pyproject=True)
    vulns = {k: v for k, v in by_package(result).items() if k}
    assert {k: v for k, v in vulns.items() if k != "ml-app"} == LOCKED_TREE
    assert result.metrics["sources"] == [lock] and "1 complete lock(s) audited as pinned" in result.summary
    assert f"pyproject.toml not resolved: the lock file beside it ({lock}) is audited instead" in result.details
    jinja = next(f for f in result.findings if f.package == "jinja2")
    assert (jinja.path, jinja.line) == (lock, jinja_line)
    assert result.checked == 7  # certifi chardet idna jinja2 markupsafe requests urllib3: the whole locked tree


def test_uv_lock_lists_the_project_itself_as_not_audited(tmp_path: Path) -> None:
    result = run_gate(copy_project("uv-project", tmp_path))
    (local,) = [f for f in result.findings if f.rule_id == "unaudited-dependency"]
    assert local.package == "ml-app" and "local package (virtual" in local.message and local.severity is Severity.INFO


def test_pipfile_lock_default_and_develop_sections(tmp_path: Path) -> None:
    result = run_gate(copy_project("pipenv-project", tmp_path))
    assert by_package(result) == {**LOCKED_TREE, "pyyaml": {"PYSEC-2021-142"}, "ml-app": {"unaudited-dependency"}}
    pyyaml = next(f for f in result.findings if f.package == "pyyaml")
    assert (pyyaml.path, pyyaml.line) == ("Pipfile.lock", 67)


def test_hashed_requirements_are_a_complete_lock(tmp_path: Path) -> None:
    workspace = copy_project("hashed-requirements", tmp_path)
    result = run_gate(workspace)
    assert by_package(result) == LOCKED_TREE and result.checked == 7
    assert "audited as pinned" in result.summary and "resolved with pip" not in result.summary


def test_conda_environment_pip_section_resolved_and_conda_packages_listed(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = _wheels(tmp_path, monkeypatch)
    wheel(wheels, "demo-vuln-pkg", "1.0")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "environment.yml").write_text(
        "name: ml\ndependencies:\n  - python=3.11\n  - numpy=1.26.4\n  - pip\n  - pip:\n      - demo-vuln-pkg>=0.5\n",
        encoding="utf-8")
    result = run_gate(workspace, **{"advisory-db": str(_demo_db(tmp_path)), "retries": 0})
    vuln = next(f for f in result.findings if f.rule_id != "unaudited-dependency")
    assert (vuln.package, vuln.path, vuln.line) == ("demo-vuln-pkg", "environment.yml", 7)
    skipped = sorted(f.package or "" for f in result.findings if f.rule_id == "unaudited-dependency")
    assert skipped == ["numpy=1.26.4", "python=3.11"]
    assert "resolved with pip" in result.summary


def test_top_level_pins_are_resolved_with_their_dependencies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: ``requests==2.19.0`` alone was audited with --no-deps: urllib3 and idna were never seen."""
    wheels = _wheels(tmp_path, monkeypatch)
    wheel(wheels, "demo-app", "1.0", requires=("demo-vuln-pkg>=0.5",))
    wheel(wheels, "demo-vuln-pkg", "1.0")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "requirements.txt").write_text("demo-app==1.0\n", encoding="utf-8")
    result = run_gate(workspace, **{"advisory-db": str(_demo_db(tmp_path)), "retries": 0})
    (finding,) = result.findings
    assert finding.package == "demo-vuln-pkg" and finding.path == "requirements.txt" and finding.line is None
    assert result.checked == 2 and "1 resolved with pip, transitive dependencies included" in result.summary


def test_resolution_impossible_is_an_error_never_a_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _wheels(tmp_path, monkeypatch)  # an empty wheel directory and no index: nothing can be resolved
    (tmp_path / "requirements.txt").write_text("demo-app==1.0\n", encoding="utf-8")
    with pytest.raises(GateError, match="not a complete lock, so pip had to resolve"):
        run_gate(tmp_path, retries=0)


@pytest.mark.parametrize("name, text, line, what", [
    ("uv.lock", "version = 1\n\n[[package]]\nname = \"x\"\nversion = \n", 5, "not valid TOML"),
    ("uv.lock", "version = 9\nrevision = 1\n", 1, "unknown uv.lock version 9"),
    ("poetry.lock", "[[package]]\nname = \"x\"\nversion = \"1\"\n\n[metadata]\nlock-version = \"7.0\"\n", 6,
     "unknown poetry.lock lock-version"),
    ("Pipfile.lock", "{\n  \"_meta\": {\"pipfile-spec\": 6},\n  \"default\": {,}\n}\n", 3, "not valid JSON"),
    ("Pipfile.lock", "{\n  \"_meta\": {\"pipfile-spec\": 99}\n}\n", 2, "unknown Pipfile.lock pipfile-spec 99"),
    ("uv.lock", "version = 1\n\n[[package]]\nname = \"x\"\nsource = { registry = \"r\" }\n", 4, "has no version"),
    ("environment.yml", "dependencies:\n  - pip:\n    - a: b: c\n", 3, "not valid YAML"),
])
def test_bad_lock_files_name_file_and_line(tmp_path: Path, name: str, text: str, line: int, what: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        run_gate(tmp_path)
    assert err.value.line == line and str(err.value).startswith(f"{name}:{line}: ") and what in str(err.value)


def test_bad_lock_file_exits_2_naming_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gates.cli import main

    (tmp_path / "uv.lock").write_text("version = 2\n", encoding="utf-8")
    code = main(["run", "--workspace", str(tmp_path), "--gates", "dependencies", "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr()
    assert code == 2 and "uv.lock:1: " in out.out + out.err and "Traceback" not in out.out + out.err


# --- the regressions in the advisory handling --------------------------------------------------

def _pylock(workspace: Path, pins: dict[str, str]) -> None:
    body = "".join(f'\n[[packages]]\nname = "{n}"\nversion = "{v}"\n' for n, v in pins.items())
    (workspace / "pylock.toml").write_text(f'lock-version = "1.0"\ncreated-by = "test"\n{body}', encoding="utf-8")


def test_a_waiver_never_reaches_another_cve_through_a_shared_alias(tmp_path: Path) -> None:
    """Regression: PYSEC-2021-335 (CVE-2021-32807) and PYSEC-2021-370 (CVE-2021-32811) share GHSA-qcx9-j53g-ccgf."""
    from gates.cli import main

    _pylock(tmp_path, {"AccessControl": "4.2"})
    config = tmp_path / "gates.yml"
    config.write_text(f"gates:\n  dependencies:\n    advisory-db: {ASSET_DB}\nwaivers:\n  - id: CVE-2021-32807\n"
                      "    reason: not reachable in our deployment\n    owner: \"@sec\"\n    expires: \"2999-12-31\"\n",
                      encoding="utf-8")
    code = main(["run", "--config", str(config), "--workspace", str(tmp_path), "--gates", "dependencies",
                 "--report-dir", str(tmp_path / "report")])
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    (gate,) = [g for g in report["gates"] if g["name"] == "dependencies"]
    findings = {f["rule_id"]: f for f in gate["findings"]}
    assert set(findings) == {"PYSEC-2021-335", "PYSEC-2021-370"}
    assert findings["PYSEC-2021-335"]["suppression"]["kind"] == "waiver"
    assert findings["PYSEC-2021-370"].get("suppression") is None  # CVE-2021-32811 is not waived
    assert "CVE-2021-32807" not in findings["PYSEC-2021-370"]["message"]
    assert code == 1


def test_fix_hint_is_above_the_installed_version_one_upgrade_per_package(tmp_path: Path) -> None:
    """Regression: Django 3.2.4 was told to upgrade to 3.1.13."""
    _pylock(tmp_path, {"Django": "3.2.4"})
    result = run_gate(tmp_path)
    hints = {f.rule_id: (f.properties["fix_versions"][0], f.properties["upgrade_to"]) for f in result.findings}
    assert hints == {"PYSEC-2021-109": ("3.2.5", "3.2.10"), "PYSEC-2021-439": ("3.2.10", "3.2.10")}
    first = next(f for f in result.findings if f.rule_id == "PYSEC-2021-109")
    assert "upgrade to 3.2.5 or later (django==3.2.10 fixes all its known vulnerabilities)" in first.message
    assert "3.1.13" not in first.properties["fix_versions"] and "`django==3.2.10`" in result.details


def test_non_pep440_range_is_flagged_not_skipped(tmp_path: Path) -> None:
    """Regression: binderhub's ``fixed: 0.2.0-n653`` made every version come back clean for an RCE."""
    _pylock(tmp_path, {"binderhub": "1.0.0"})
    (finding,) = run_gate(tmp_path).findings
    assert finding.rule_id == "PYSEC-2021-371" and "not PEP 440 (fixed: 0.2.0-n653)" in finding.message
    assert finding.properties["undecidable_range"] == ["fixed: 0.2.0-n653"]


def test_malicious_package_advisory_is_critical_and_says_so(tmp_path: Path) -> None:
    # the OpenSSF malicious-packages OSV format (hand-written: the PyPA snapshot has no MAL- entry)
    db = write_advisory(tmp_path / "db", "evil-ml-utils", "MAL-2024-9999",
                        "summary: Malicious code in evil-ml-utils (PyPI)\n"
                        "details: The package exfiltrates credentials on import.\naffected:\n"
                        "- package: {name: evil-ml-utils, ecosystem: PyPI}\n  versions: ['1.0']\n"
                        "  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    _pylock(workspace, {"evil-ml-utils": "1.0"})
    (finding,) = run_gate(workspace, **{"advisory-db": str(db)}).findings
    assert finding.severity is Severity.CRITICAL and "is a malicious package (MAL-2024-9999)" in finding.message
    assert finding.title == "malicious package evil-ml-utils"


def test_sbom_of_what_was_audited_validates_as_cyclonedx(tmp_path: Path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    workspace = copy_project("uv-project", tmp_path)
    result = run_gate(workspace)
    sbom = workspace / ".report" / "sbom.cdx.json"
    assert result.metrics["sbom"] == ".report/sbom.cdx.json"
    text = sbom.read_text(encoding="utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    doc = json.loads(text)
    assert {c["purl"] for c in doc["components"]} >= {"pkg:pypi/jinja2@2.10", "pkg:pypi/urllib3@1.23"}
    assert {v["id"] for v in doc["vulnerabilities"]} == {i for ids in LOCKED_TREE.values() for i in ids}


def test_database_commit_comes_from_its_own_repository(tmp_path: Path) -> None:
    """Regression: a database copied into another repository took that repository's commit."""
    outer = tmp_path / "project"
    shutil.copytree(ASSET_DB, outer / "advisory-db")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", str(outer)], check=True)
    subprocess.run([*git, "-C", str(outer), "add", "."], check=True)
    subprocess.run([*git, "-C", str(outer), "commit", "-q", "-m", "project"], check=True)
    snap = load_database(outer / "advisory-db").snapshot
    assert snap.commit_source != "git" and snap.commit == "3ccb6125"  # from the README, not the project's commit
    subprocess.run([*git, "init", "-q", str(outer / "advisory-db")], check=True)
    subprocess.run([*git, "-C", str(outer / "advisory-db"), "add", "."], check=True)
    subprocess.run([*git, "-C", str(outer / "advisory-db"), "commit", "-q", "-m", "db"], check=True)
    own = subprocess.run(["git", "-C", str(outer / "advisory-db"), "rev-parse", "HEAD"], check=True,
                         capture_output=True, text=True).stdout.strip()
    snap = load_database(outer / "advisory-db").snapshot
    assert (snap.commit, snap.commit_source) == (own, "git")


def test_safety_problems_are_said_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "pylock.toml").write_text('lock-version = "1.0"\n', encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(GateError) as err:  # an unreachable OSV service: pip-audit would retry for long
        run_gate(tmp_path, **{"advisory-db": None, "osv-url": "http://127.0.0.1:9/v1/query", "safety": True})
    message = str(err.value)
    assert "safety" in message and len(message) < 400 and "Traceback" not in message
    assert ("not installed" in message) or ("needs its online service" in message)
    assert time.monotonic() - started < 5


# --- helpers -----------------------------------------------------------------------------------

def _wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return offline_wheels(tmp_path, monkeypatch)


def _demo_db(tmp_path: Path) -> Path:
    return write_advisory(tmp_path / "demo-db", "demo-vuln-pkg", "DEMO-2024-1",
                          "details: Demo flaw.\naffected:\n- package: {name: demo-vuln-pkg, ecosystem: PyPI}\n"
                          "  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: '1.1'\n")
