"""performance on a pull request that rewrites the numbers it is judged by: real git, the real CLI.

The baseline always comes from the base commit (``baseline-from: file`` included); a committed
metrics file the change edits is a blocking finding. An evaluation step's fresh, untracked
metrics file is the honest control.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.gate_trust_repo import PullRequest


def _config(mode: str | None = None) -> str:
    extra = f"    baseline-from: {mode}\n" if mode else ""
    return ("version: 1\ngates:\n  performance:\n    metrics-file: eval/metrics.json\n"
            f"    baseline: eval/baseline.json\n{extra}")


def _metrics(accuracy: float) -> str:
    return json.dumps({"accuracy": accuracy})


@pytest.mark.parametrize("mode", [None, "file"])
def test_lowered_baseline_is_not_used(tmp_path: Path, mode: str | None) -> None:
    base = {".github/secure-ai-gates.yml": _config(mode), "eval/baseline.json": _metrics(0.9),
            ".gitignore": "eval/metrics.json\n"}
    pr = PullRequest.make(tmp_path, base, {"eval/baseline.json": _metrics(0.5)})
    (pr.repo / "eval" / "metrics.json").write_text(_metrics(0.5))  # the evaluation step's output
    verdict = pr.run(tmp_path / "run", "performance")
    assert verdict.code == 1, verdict.output
    assert set(verdict.rules("performance")) == {"performance.regression", "performance.input-changed"}


def test_committed_metrics_file_edited_by_the_change_blocks(tmp_path: Path) -> None:
    base = {".github/secure-ai-gates.yml": _config(), "eval/baseline.json": _metrics(0.9),
            "eval/metrics.json": _metrics(0.9)}
    pr = PullRequest.make(tmp_path, base, {"eval/metrics.json": _metrics(0.99), "model.txt": "worse model\n"})
    verdict = pr.run(tmp_path / "run", "performance")
    assert verdict.code == 1, verdict.output
    (finding,) = verdict.gate("performance")["findings"]
    assert finding["rule_id"] == "performance.input-changed" and finding["path"] == "eval/metrics.json"


def test_control_fresh_metrics_within_tolerance_pass(tmp_path: Path) -> None:
    base = {".github/secure-ai-gates.yml": _config(), "eval/baseline.json": _metrics(0.9),
            ".gitignore": "eval/metrics.json\n"}
    pr = PullRequest.make(tmp_path, base, {"model.txt": "better model\n"})
    (pr.repo / "eval" / "metrics.json").write_text(_metrics(0.91))
    verdict = pr.run(tmp_path / "run", "performance")
    assert verdict.code == 0, verdict.output
