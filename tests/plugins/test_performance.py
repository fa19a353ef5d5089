"""The performance gate on real files, a real command, a real git history and the demo server."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gates.config.settings import EndpointSettings, GitHubEnv
from gates.errors import GateError, RemoteError
from gates.model import Checked, Skipped
from gates.plugins.base import GateContext
from gates.plugins.performance import PerformanceGate, update_allowed
from tests.support.model_server import running_model_server

REPO = Path(__file__).resolve().parents[2]
DEMO_EVAL = REPO / "examples" / "demo-project" / "eval"
PRINT_METRICS = REPO / "tests" / "assets" / "perf" / "print_metrics.py"


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(DEMO_EVAL, ws / "eval")
    return ws


def _ctx(ws: Path, options: dict[str, Any], *, endpoint: EndpointSettings | None = None,
         github: GitHubEnv | None = None, update: bool = False) -> GateContext:
    work = ws.parent / "work"
    work.mkdir(exist_ok=True)
    return GateContext(name="performance", workspace=ws, options=options, report_dir=ws.parent, work_dir=work,
                       github=github or GitHubEnv(), endpoint=endpoint, update_baseline=update, log=lambda _m: None)


def _write(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document), encoding="utf-8")


FILE_OPTIONS = {"metrics-file": "eval/metrics.json", "baseline": "eval/baseline.json",
                "metrics": [{"name": "accuracy"}, {"name": "latency.p95_ms", "direction": "lower", "tolerance": 0.2}]}


def test_demo_metrics_file_passes_against_the_committed_baseline(tmp_path: Path) -> None:
    outcome = PerformanceGate().run(_ctx(_workspace(tmp_path), FILE_OPTIONS))
    assert isinstance(outcome, Checked) and outcome.findings == () and outcome.checked == 2
    assert outcome.metrics == {"accuracy": 0.93, "latency.p95_ms": 412.0}
    assert "| `accuracy` (higher is better) | 0.92 | 0.93 | +1.1 % | ≥ 0.874 | ✅ pass |" in outcome.details
    assert "committed file `eval/baseline.json`" in outcome.details


def test_regression_fails_and_improvement_passes(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    _write(ws / "eval" / "metrics.json", {"accuracy": 0.87, "latency": {"p95_ms": 300}})
    outcome = PerformanceGate().run(_ctx(ws, FILE_OPTIONS))
    assert isinstance(outcome, Checked)
    [finding] = outcome.findings
    assert (finding.rule_id, finding.probe, finding.path) == ("performance.regression", "accuracy", "eval/metrics.json")
    assert "0.87 against a baseline of 0.92" in finding.message and "❌ regressed" in outcome.details
    _write(ws / "eval" / "metrics.json", {"accuracy": 0.99, "latency": {"p95_ms": 100}})
    assert PerformanceGate().run(_ctx(ws, FILE_OPTIONS)).findings == ()


def test_missing_metric_fails_and_hard_floor_fails(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    _write(ws / "eval" / "metrics.json", {"accuracy": 0.95})
    outcome = PerformanceGate().run(_ctx(ws, FILE_OPTIONS))
    assert [f.rule_id for f in outcome.findings] == ["performance.metric-missing"]
    assert outcome.findings[0].probe == "latency.p95_ms"
    floor = {**FILE_OPTIONS, "metrics": [{"name": "accuracy", "floor": 0.96}]}
    assert [f.rule_id for f in PerformanceGate().run(_ctx(ws, floor)).findings] == ["performance.hard-limit"]


def test_missing_corrupt_or_incomplete_baseline_is_an_error(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    with pytest.raises(GateError, match="eval/nothing.json does not exist"):
        PerformanceGate().run(_ctx(ws, {**FILE_OPTIONS, "baseline": "eval/nothing.json"}))
    (ws / "eval" / "baseline.json").write_text('{"accuracy": 0.92,,}', encoding="utf-8")
    with pytest.raises(GateError, match="baseline eval/baseline.json"):
        PerformanceGate().run(_ctx(ws, FILE_OPTIONS))
    _write(ws / "eval" / "baseline.json", {"accuracy": 0.92})
    with pytest.raises(GateError, match="has no metric latency.p95_ms"):
        PerformanceGate().run(_ctx(ws, FILE_OPTIONS))
    with pytest.raises(GateError, match="baseline is not set"):
        PerformanceGate().run(_ctx(ws, {"metrics-file": "eval/metrics.json"}))
    with pytest.raises(GateError, match="metrics file eval/none.json does not exist"):
        PerformanceGate().run(_ctx(ws, {**FILE_OPTIONS, "metrics-file": "eval/none.json"}))
    assert isinstance(PerformanceGate().run(_ctx(ws, {"baseline": "eval/baseline.json"})), Skipped)


def test_command_source_with_repeats_and_median(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    _write(ws / "eval" / "baseline.json", {"eval": {"accuracy": 0.92}, "latency_ms": 100})
    options = {"command": [sys.executable, str(PRINT_METRICS), "--counter", str(tmp_path / "runs"), "0.90"],
               "baseline": "eval/baseline.json", "repeats": 3, "metrics": [{"name": "eval.accuracy"}]}
    outcome = PerformanceGate().run(_ctx(ws, options))
    assert isinstance(outcome, Checked) and outcome.findings == ()
    assert outcome.metrics["eval.accuracy"] == pytest.approx(0.91)  # median of 0.90, 0.91, 0.92
    assert "(of 3 runs: 0.9, 0.91, 0.92)" in outcome.details
    as_string = {**options, "command": f"{sys.executable} {PRINT_METRICS} 0.5", "repeats": 1}
    assert [f.rule_id for f in PerformanceGate().run(_ctx(ws, as_string)).findings] == ["performance.regression"]
    bad = {**options, "command": [sys.executable, "-c", "print('no json here')"]}
    with pytest.raises(GateError, match="did not print a JSON object"):
        PerformanceGate().run(_ctx(ws, bad))


def test_builtin_evaluation_against_the_demo_server(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    options = {"dataset": "eval/dataset.jsonl", "baseline": "eval/baseline.json", "concurrency": 8,
               "metrics": [{"name": "accuracy"}, {"name": "error_rate", "direction": "lower",
                                                  "tolerance-type": "absolute", "tolerance": 0},
                           {"name": "latency_p95_ms", "direction": "lower", "tolerance": 10, "ceiling": 5000}]}
    _write(ws / "eval" / "baseline.json", {"accuracy": 0.92, "error_rate": 0, "latency_p95_ms": 200})
    with running_model_server() as url:
        good = PerformanceGate().run(_ctx(ws, options, endpoint=EndpointSettings(url=url)))
    assert isinstance(good, Checked) and good.findings == ()
    assert (good.metrics["accuracy"], good.metrics["error_rate"]) == (1.0, 0.0)
    assert 0 < good.metrics["latency_p95_ms"] < 2000
    assert "built-in evaluation of `eval/dataset.jsonl` (39 cases, 8 at a time)" in good.details
    with running_model_server(wrong_rate=0.3) as url:
        bad = PerformanceGate().run(_ctx(ws, options, endpoint=EndpointSettings(url=url)))
    assert [(f.rule_id, f.path) for f in bad.findings] == [("performance.regression", "eval/dataset.jsonl")]
    assert "Atlantis" in bad.details or "Wrong answers" in bad.details
    with running_model_server(garbage=True) as url:
        with pytest.raises(RemoteError, match="error budget"):
            PerformanceGate().run(_ctx(ws, options, endpoint=EndpointSettings(url=url, retries=0)))


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_baseline_from_the_base_branch_of_a_pull_request(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    _git(ws, "init", "-q", "-b", "main")
    _git(ws, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "root")
    _git(ws, "add", "eval")
    _git(ws, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "baseline 0.92")
    base = _git(ws, "rev-parse", "HEAD")
    # the pull request lowers its own baseline and its accuracy
    _write(ws / "eval" / "baseline.json", {"accuracy": 0.5, "latency": {"p95_ms": 400.0}})
    _write(ws / "eval" / "metrics.json", {"accuracy": 0.6, "latency": {"p95_ms": 400.0}})
    pr = GitHubEnv(actions=True, event={"pull_request": {"base": {"sha": base}, "head": {"sha": "f" * 40}}})
    outcome = PerformanceGate().run(_ctx(ws, FILE_OPTIONS, github=pr))
    # both committed inputs were edited by the change: each is a finding of its own
    assert sorted((f.rule_id, f.path) for f in outcome.findings) == [
        ("performance.input-changed", "eval/baseline.json"), ("performance.input-changed", "eval/metrics.json"),
        ("performance.regression", "eval/metrics.json")]
    assert f"`eval/baseline.json` on the base branch (commit {base[:12]})" in outcome.details
    own = PerformanceGate().run(_ctx(ws, {**FILE_OPTIONS, "baseline-from": "file"}, github=pr))
    assert own.findings == outcome.findings  # on a pull request "file" cannot pick the change's own baseline
    unknown = GitHubEnv(actions=True, event={"pull_request": {"base": {"sha": "0" * 40}}})
    with pytest.raises(GateError, match="fetch-depth: 0"):
        PerformanceGate().run(_ctx(ws, FILE_OPTIONS, github=unknown))


def test_update_baseline_writes_atomically_only_where_allowed(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    _write(ws / "eval" / "metrics.json", {"accuracy": 0.80, "latency": {"p95_ms": 350.0}})
    pr = GitHubEnv(actions=True, event={"pull_request": {"base": {"sha": "0" * 40}}})
    assert update_allowed(pr)[0] is False
    feature = GitHubEnv(actions=True, ref="refs/heads/feature", event={"repository": {"default_branch": "main"}})
    refused = PerformanceGate().run(_ctx(ws, {**FILE_OPTIONS, "baseline-from": "file"}, github=feature, update=True))
    assert "not updated" in refused.details and "refs/heads/feature" in refused.details
    assert json.loads((ws / "eval" / "baseline.json").read_text())["accuracy"] == 0.92
    assert [f.suppressed for f in refused.findings] == [False]
    main = GitHubEnv(actions=True, ref="refs/heads/main", event={"repository": {"default_branch": "main"}})
    done = PerformanceGate().run(_ctx(ws, FILE_OPTIONS, github=main, update=True))
    assert [f.suppressed for f in done.findings] == [True]  # accepted as the new baseline
    assert json.loads((ws / "eval" / "baseline.json").read_text()) == {"accuracy": 0.8, "latency": {"p95_ms": 350.0}}
    # a YAML baseline that does not exist yet is created on a laptop, keeping the metric paths nested
    created = PerformanceGate().run(_ctx(ws, {**FILE_OPTIONS, "baseline": "eval/new-baseline.yml"}, update=True))
    assert created.findings == () and "none yet" in created.details
    assert yaml.safe_load((ws / "eval" / "new-baseline.yml").read_text()) == {"accuracy": 0.8,
                                                                              "latency": {"p95_ms": 350.0}}
    assert not list((ws / "eval").glob("*.tmp*"))


def test_demo_eval_step_output_feeds_the_gate_as_file_and_as_command(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    with running_model_server(latency_ms=5) as url:
        subprocess.run([sys.executable, "eval/run_eval.py", "--url", url, "--output", "eval/metrics.json"],
                       cwd=ws, check=True, timeout=60)
        written = json.loads((ws / "eval" / "metrics.json").read_text(encoding="utf-8"))
        assert written["accuracy"] == 1.0 and written["latency"]["p95_ms"] >= 5
        as_file = PerformanceGate().run(_ctx(ws, FILE_OPTIONS))
        as_command = PerformanceGate().run(_ctx(ws, {**FILE_OPTIONS, "metrics-file": None,
                                                     "command": [sys.executable, "eval/run_eval.py", "--url", url]}))
    assert as_file.findings == () and as_command.findings == ()
    assert as_command.metrics["accuracy"] == 1.0
