"""results.sarif validates against the SARIF 2.1.0 schema and carries what code scanning needs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema

from gates.model import GateResult, RunResult, Severity, Status, Suppression, SuppressionKind
from gates.reporters.sarif import FINGERPRINT_KEY, sarif_document
from tests.reporters.sarif_check import assert_valid_sarif, multitool_unavailable
from tests.support.fake_gates import finding
from tests.support.sarif_schema import sarif_schema


def _run() -> RunResult:
    bandit = finding("B602", Severity.HIGH, path="src/app.py", line=12, tool="bandit", cwe=(78,),
                     help_uri="https://bandit.readthedocs.io/en/latest/plugins/b602.html", title="subprocess_popen")
    pylint = finding("W0123", Severity.MEDIUM, path="src/app.py", line=4, tool="pylint", title="eval-used")
    waived = finding("B101", Severity.LOW, path="src/x.py", line=1, tool="bandit").with_suppression(
        Suppression(SuppressionKind.WAIVER, "tests only", "@me", "2030-01-01"))
    dep = finding("PYSEC-2023-74", Severity.HIGH, path=None, line=None, package="requests")
    gates = (
        GateResult(name="code-security", title="Code", status=Status.FAILED, summary="s", duration_s=1,
                   findings=(bandit, pylint, waived), tool="bandit", tool_versions={"bandit": "1.9.4"}),
        GateResult(name="dependencies", title="Deps", status=Status.FAILED, summary="s", duration_s=1,
                   findings=(dep,), tool="pip-audit"),
        GateResult(name="adversarial", title="Adv", status=Status.ERROR, summary="garak missing", duration_s=0,
                   tool="garak"),
        GateResult(name="approval", title="Approval", status=Status.SKIPPED, summary="not a PR", duration_s=0,
                   tool="approval"),
    )
    return RunResult(gates=gates, duration_s=2, workspace=".", config_source="x")


def test_validates_against_sarif_schema() -> None:
    doc = sarif_document(_run())
    jsonschema.Draft4Validator(sarif_schema()).validate(doc)


def test_one_run_per_tool_with_rules_and_locations() -> None:
    doc = sarif_document(_run())
    runs = {r["tool"]["driver"]["name"]: r for r in doc["runs"]}
    assert set(runs) == {"bandit", "pylint", "pip-audit", "garak"}
    assert not any("automationDetails" in r for r in doc["runs"])  # the uploader's category names the analysis
    bandit = runs["bandit"]
    assert bandit["tool"]["driver"]["version"] == "1.9.4"
    rule = bandit["tool"]["driver"]["rules"][0]
    assert rule["id"] == "B602" and rule["helpUri"].endswith("b602.html")
    assert "external/cwe/cwe-78" in rule["properties"]["tags"]
    result = bandit["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 12
    assert result["partialFingerprints"][FINGERPRINT_KEY]
    assert bandit["results"][1]["suppressions"][0]["status"] == "accepted"
    assert runs["pip-audit"]["results"] == []  # no file to point at, no config file: left out
    assert runs["garak"]["invocations"][0]["executionSuccessful"] is False


def _write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "results.sarif"
    path.write_text(json.dumps(doc))
    return path


def test_a_findings_without_a_file_points_at_its_gates_config_key(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "secure-ai-gates.yml").write_text("version: 1\ngates:\n  code-security: {}\n"
                                                              "  dependencies:\n    requirements: [r.txt]\n")
    run = replace(_run(), workspace=str(tmp_path), config_source=".github/secure-ai-gates.yml")
    doc = sarif_document(run, "apps/ml app/")
    (dep,) = next(r for r in doc["runs"] if r["tool"]["driver"]["name"] == "pip-audit")["results"]
    location = dep["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "apps/ml%20app/.github/secure-ai-gates.yml"
    assert location["region"]["startLine"] == 4
    assert_valid_sarif(_write(tmp_path, doc))


def test_rule_metadata_comes_from_all_its_results() -> None:
    low = finding("B101", Severity.LOW, path="a.py", tool="bandit", title="assert_used")
    high = finding("B101", Severity.HIGH, path="b.py", tool="bandit", cwe=(703,), help_uri="https://example.org/b101")
    gate = GateResult(name="code-security", title="Code", status=Status.FAILED, summary="s", duration_s=1,
                      findings=(low, high), tool="bandit")
    (run,) = sarif_document(RunResult(gates=(gate,), duration_s=1, workspace=".", config_source="x"))["runs"]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "8.0" and rule["defaultConfiguration"]["level"] == "error"
    assert "external/cwe/cwe-703" in rule["properties"]["tags"] and rule["helpUri"] == "https://example.org/b101"
    assert rule["fullDescription"]["text"] and "**assert\\_used**" in rule["help"]["markdown"]
    assert [r["properties"]["security-severity"] for r in run["results"]] == ["8.0", "3.0"]


def test_more_than_25000_results_are_split_into_valid_runs(tmp_path: Path) -> None:
    findings = tuple(finding(f"R{i % 40}", Severity.HIGH if i % 3 else Severity.LOW, path=f"src/m {i % 97}.py",
                             line=i % 500 + 1, tool="bandit") for i in range(26_001))
    gate = GateResult(name="code-security", title="Code", status=Status.FAILED, summary="s", duration_s=1,
                      findings=findings, tool="bandit")
    doc = sarif_document(RunResult(gates=(gate,), duration_s=1, workspace=".", config_source="x"))
    names = [r["tool"]["driver"]["name"] for r in doc["runs"]]
    assert names == ["bandit", "bandit (part 2)"]
    assert [len(r["results"]) for r in doc["runs"]] == [25_000, 1_001]
    assert {r["level"] for r in doc["runs"][0]["results"][:17_000]} == {"error"}  # worst first
    assert doc["runs"][0]["results"][-1]["level"] == "note"  # the sample spreads over both levels:
    assert_valid_sarif(_write(tmp_path, doc), sample=1_000)


def test_runs_past_twenty_are_left_out_mildest_first() -> None:
    from gates.reporters.sarif import sarif_log

    gates = tuple(GateResult(name=f"g{i}", title="G", status=Status.FAILED, summary="s", duration_s=1,
                             findings=(finding("R", Severity.LOW if i else Severity.CRITICAL, path="a.py",
                                               tool=f"tool{i}"),), tool=f"tool{i}") for i in range(22))
    doc, left_out = sarif_log(RunResult(gates=gates, duration_s=1, workspace=".", config_source="x"))
    assert len(doc["runs"]) == 20 and left_out == 2
    assert doc["runs"][0]["tool"]["driver"]["name"] == "tool0"


def test_the_multitool_is_installed() -> None:
    import shutil

    import pytest

    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the SARIF Multitool cannot be installed here")
    assert multitool_unavailable() is None


def test_the_full_check_validates_every_run_of_a_split_file(tmp_path: Path) -> None:
    """``python -m bench sarif`` relies on it: a bad result in any run is found by each check."""
    import pytest

    from tests.reporters.sarif_check import full_check

    doc = sarif_document(_run())
    doc["runs"][0]["results"][0]["ruleIndex"] = 99  # schema-valid; the Multitool's SARIF1009
    bad = doc["runs"][1]["results"][0]
    bad["level"] = "fatal"  # not a SARIF level: the schema
    bad["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "src/with space.py"  # GitHub's limits
    path = _write(tmp_path, doc)
    check = full_check(path)
    assert check.results == sum(len(r["results"]) for r in doc["runs"])
    assert [e.split(":")[0] for e in check.schema_errors] == ["results.run1.sarif"], check.schema_errors
    assert any("not a percent-encoded" in p for p in check.limit_problems)
    if multitool_unavailable() is not None:
        pytest.skip(str(multitool_unavailable()))
    assert any(e.startswith("SARIF1009") for e in check.multitool_errors), check.multitool_errors
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.sarif"]  # the per-run logs are removed
