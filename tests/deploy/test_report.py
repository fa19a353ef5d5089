"""The job summary: one row per interval, Mermaid charts, escaped cells, outputs."""

from __future__ import annotations

from pathlib import Path

from gates.deploy.deployer import Outcome, Result
from gates.deploy.monitor import IntervalRecord, Verdict, WindowResult
from gates.deploy.report import markdown, publish
from gates.deploy.rules import IntervalStatus, Rule
from gates.deploy.sources import MetricName
from gates.errors import ExitCode
from tests.deploy.helpers import output_value

THRESHOLDS = {m: Rule(m, v) for m, v in ((MetricName.LATENCY_MS, 300.0), (MetricName.ERROR_RATE, 0.05),
                                         (MetricName.INJECTION_ATTEMPTS, 100.0))}


def _record(index: int, latency: float, status: IntervalStatus, note: str = "") -> IntervalRecord:
    return IntervalRecord("monitor", index, "2026-01-01T00:00:00.000+00:00", 0.3 * (index - 1), status,
                          {MetricName.LATENCY_MS: latency, MetricName.ERROR_RATE: 0.0},
                          (note,) if note else (), (), 0.01, 3)


def _outcome() -> Outcome:
    records = (_record(1, 20, IntervalStatus.HEALTHY), _record(2, 25, IntervalStatus.HEALTHY),
               _record(3, 700, IntervalStatus.BAD, "http:health: latency | 700 ms > 300 ms"))
    window = WindowResult("monitor", Verdict.FAILED, "1 bad intervals reached the failure limit of 1", records)
    return Outcome(Result.ROLLBACK_FAILED, "v1", "v2", "unhealthy; then the rollback failed", ExitCode.UNDECIDED,
                   (window,), (), 0.05, 0.01, "Restore version v1 by hand now.", 0.3)


def test_summary_has_a_row_per_interval_and_charts() -> None:
    text = markdown(_outcome(), THRESHOLDS)
    rows = [line for line in text.splitlines() if line.startswith("| ") and " +0." in line]
    assert len(rows) == 3
    assert "latency \\| 700 ms" in text  # a pipe in a message cannot break the table
    assert text.count("```mermaid") == 2 and 'x-axis "interval" ["1", "2", "3"]' in text
    assert "line [20, 25, 700]" in text and "line [300, 300, 300]" in text
    assert "> [!CAUTION]\n> Restore version v1 by hand now." in text


def test_publish_writes_outputs_files_and_a_loud_annotation(tmp_path: Path, capsys) -> None:
    report = publish(_outcome(), THRESHOLDS, tmp_path / "r", tmp_path / "summary", tmp_path / "out")
    outputs = (tmp_path / "out").read_text()
    assert output_value(outputs, "result") == "rollback-failed" and output_value(outputs, "report") == str(report)
    assert (tmp_path / "summary").read_text() == (tmp_path / "r" / "deploy-summary.md").read_text()
    printed = capsys.readouterr().out
    assert printed.startswith("::error title=Deploy%3A rollback failed::") and "Restore version v1" in printed


def test_every_result_has_a_verdict_a_status_and_an_exit_code() -> None:
    from gates.deploy.github_status import STATES
    from gates.deploy.report import _VERDICT

    for result in Result:
        assert result in _VERDICT and result in STATES
    assert {STATES[r] for r in Result} <= {"success", "failure", "error"}
