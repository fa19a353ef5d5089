"""results.sarif validates against the SARIF 2.1.0 schema and carries what code scanning needs."""

from __future__ import annotations

import jsonschema

from gates.model import GateResult, RunResult, Severity, Status, Suppression, SuppressionKind
from gates.reporters.sarif import FINGERPRINT_KEY, sarif_document
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
    assert len({r["automationDetails"]["id"] for r in doc["runs"]}) == 4
    bandit = runs["bandit"]
    assert bandit["tool"]["driver"]["version"] == "1.9.4"
    rule = bandit["tool"]["driver"]["rules"][0]
    assert rule["id"] == "B602" and rule["helpUri"].endswith("b602.html")
    assert "external/cwe/cwe-78" in rule["properties"]["tags"]
    result = bandit["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 12
    assert result["partialFingerprints"][FINGERPRINT_KEY]
    assert bandit["results"][1]["suppressions"][0]["status"] == "accepted"
    assert "locations" not in runs["pip-audit"]["results"][0]
    assert runs["garak"]["invocations"][0]["executionSuccessful"] is False
