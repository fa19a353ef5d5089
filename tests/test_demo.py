"""The README's demo, end to end: the hardened model passes, the vulnerable one is caught.

Both runs' ``results.sarif`` (the demo project is a workspace in a subdirectory of this
repository) pass the SARIF 2.1.0 schema, the SARIF Multitool and GitHub's upload limits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.reporters.sarif_check import assert_valid_sarif

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _demo(tmp_path: Path, *args: str) -> tuple[int, dict[str, str], str, dict[str, Any]]:
    report_dir = tmp_path / "report"
    result = subprocess.run([sys.executable, str(REPO / "examples" / "run_demo.py"), "--report-dir",
                             str(report_dir), *args], capture_output=True, text=True, timeout=900)
    report = json.loads((report_dir / "report.json").read_text())
    sarif = assert_valid_sarif(report_dir / "results.sarif")
    return result.returncode, {g["name"]: g["status"] for g in report["gates"]}, result.stdout + result.stderr, sarif


def _uris(sarif: dict[str, Any]) -> set[str]:
    return {loc["physicalLocation"]["artifactLocation"]["uri"] for run in sarif["runs"] for r in run["results"]
            for loc in r["locations"]}


def test_hardened_demo_passes_every_gate(tmp_path: Path) -> None:
    code, statuses, out, sarif = _demo(tmp_path)
    assert code == 0, out
    assert statuses == {"code-security": "passed", "dependencies": "passed", "data-integrity": "passed",
                        "model-security": "passed", "model-integrity": "passed", "adversarial": "passed",
                        "performance": "passed", "approval": "skipped"}, out
    assert sarif["runs"] and _uris(sarif) == set()


def test_vulnerable_model_fails_the_model_gates(tmp_path: Path) -> None:
    code, statuses, out, sarif = _demo(tmp_path, "--vulnerable")
    assert code == 1, out
    assert statuses["model-security"] == "failed" and statuses["adversarial"] == "failed", out
    assert statuses["code-security"] == "passed" and statuses["model-integrity"] == "passed"
    runs = {run["tool"]["driver"]["name"]: run["results"] for run in sarif["runs"]}
    assert runs["garak"] and runs["model-security"], "the AI gates' findings must reach code scanning"
    uris = _uris(sarif)  # repository-relative: the demo is a workspace in a subdirectory
    demo = "examples/demo-project/"
    assert {demo + ".github/secure-ai-gates.yml", demo + "tests/security_tests.py"} <= uris
    assert all(u.startswith(demo) for u in uris), uris
