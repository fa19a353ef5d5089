"""The committed baseline file: round trip, report.json accepted, anything wrong fails closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.codescan.baseline import load_baseline, write_baseline
from gates.errors import GateError
from gates.model import Finding, Severity


def _finding(fp: str, rule: str = "B602") -> Finding:
    return Finding(rule_id=rule, severity=Severity.HIGH, message="m", fingerprint=fp, path="a.py", line=3,
                   tool="bandit")


def test_round_trip_keeps_duplicates_and_drops_parse_errors(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "baseline.json"
    count = write_baseline(path, [_finding("a"), _finding("a"), _finding("b"), _finding("c", "parse-error")],
                           {"bandit": "1.9.4"})
    assert count == 3
    assert load_baseline(path) == ["a", "a", "b"]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == 1 and data["gate"] == "code-security"
    assert data["findings"][0] == {"fingerprint": "a", "rule_id": "B602", "path": "a.py", "line": 3, "tool": "bandit"}


def test_report_json_of_an_earlier_run_is_a_baseline(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"schema": 1, "status": "failed", "gates": [
        {"name": "dependencies", "findings": [{"fingerprint": "zzz"}]},
        {"name": "code-security", "findings": [{"rule_id": "B602", "fingerprint": "x"}, {"fingerprint": "y"}]},
    ]}), encoding="utf-8")
    assert load_baseline(path) == ["x", "y"]


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ("{not json", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"schema": 2, "findings": []}', "schema 1"),
    ('{"schema": 1, "gate": "dependencies", "findings": []}', "not a code-security baseline"),
    ('{"schema": 1}', "no 'findings' list"),
    ('{"schema": 1, "findings": [{"rule_id": "B602"}]}', r"findings\[0\] has no 'fingerprint'"),
    ('{"schema": 1, "gates": [{"name": "code-security"}]}', "no 'findings' list"),
    ('{"gates": [{"name": "other", "findings": []}]}', "has no 'code-security' gate"),
])
def test_bad_baseline_files_are_gate_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(GateError, match=message):
        load_baseline(path)


def test_empty_baseline_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text('{"schema": 1, "gate": "code-security", "findings": []}', encoding="utf-8")
    assert load_baseline(path) == []
