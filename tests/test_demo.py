"""The README's demo, end to end: the hardened model passes, the vulnerable one is caught."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _demo(tmp_path: Path, *args: str) -> tuple[int, dict[str, str], str]:
    report_dir = tmp_path / "report"
    result = subprocess.run([sys.executable, str(REPO / "examples" / "run_demo.py"), "--report-dir",
                             str(report_dir), *args], capture_output=True, text=True, timeout=900)
    report = json.loads((report_dir / "report.json").read_text())
    return result.returncode, {g["name"]: g["status"] for g in report["gates"]}, result.stdout + result.stderr


def test_hardened_demo_passes_every_gate(tmp_path: Path) -> None:
    code, statuses, out = _demo(tmp_path)
    assert code == 0, out
    assert statuses == {"code-security": "passed", "dependencies": "passed", "data-integrity": "passed",
                        "model-security": "passed", "model-integrity": "passed", "adversarial": "passed",
                        "performance": "passed", "approval": "skipped"}, out


def test_vulnerable_model_fails_the_model_gates(tmp_path: Path) -> None:
    code, statuses, out = _demo(tmp_path, "--vulnerable")
    assert code == 1, out
    assert statuses["model-security"] == "failed" and statuses["adversarial"] == "failed", out
    assert statuses["code-security"] == "passed" and statuses["model-integrity"] == "passed"
