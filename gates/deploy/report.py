"""The deploy report: job-summary Markdown (timeline table + Mermaid charts), JSON, outputs.

Outputs (``$GITHUB_OUTPUT``): ``result`` (healthy | rolled-back | rollback-failed | inconclusive |
cancelled),
``previous-version``, ``deployed-version``, ``report``. A failed rollback, an inconclusive or a cancelled deploy
also prints an ``::error title=…::`` annotation that says what a person must do now.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gates import ghactions
from gates.deploy.deployer import Outcome, Result
from gates.deploy.monitor import IntervalRecord, WindowResult
from gates.deploy.rules import Rule, format_value
from gates.deploy.sources.base import MetricName, metric_label

_CHART_POINTS = 60
_VERDICT = {Result.HEALTHY: "✅ healthy", Result.ROLLED_BACK: "↩️ rolled back",
            Result.ROLLBACK_FAILED: "🛑 rollback failed", Result.INCONCLUSIVE: "❔ inconclusive",
            Result.CANCELLED: "⚠️ cancelled"}
_TITLE = {Result.ROLLBACK_FAILED: "Deploy: rollback failed", Result.INCONCLUSIVE: "Deploy: health not shown",
          Result.CANCELLED: "Deploy cancelled"}


def outputs(outcome: Outcome, report_path: Path) -> dict[str, str]:
    """The step outputs."""
    return {"result": outcome.result.value, "previous-version": outcome.previous_version,
            "deployed-version": outcome.deployed_version, "report": str(report_path)}


def to_json(outcome: Outcome, rules: Mapping[str, Rule]) -> dict[str, Any]:
    """The machine-readable report (``deploy-report.json``)."""
    return {
        "schema": 1, "result": outcome.result.value, "exit_code": int(outcome.exit_code),
        "previous_version": outcome.previous_version, "deployed_version": outcome.deployed_version,
        "reason": outcome.reason, "action_needed": outcome.action_needed, "interval_s": outcome.interval_s,
        "rollback_delay_s": outcome.rollback_delay_s, "decision_to_rollback_s": outcome.decision_to_rollback_s,
        "thresholds": {str(m): r.maximum for m, r in rules.items() if r.maximum is not None},
        "conditions": {str(m): {"min": r.minimum, "max": r.maximum} for m, r in rules.items()},
        "windows": [_window_json(w) for w in outcome.windows],
        "commands": [asdict(c) for c in outcome.commands],
    }


def _window_json(window: WindowResult) -> dict[str, Any]:
    return {"phase": window.phase, "verdict": window.verdict.value, "healthy": window.healthy,
            "reason": window.reason, "cancelled": window.cancelled,
            "first_bad_offset_s": window.first_bad_offset_s,
            "intervals": [{"index": r.index, "started_at": r.started_at, "offset_s": r.offset_s,
                           "status": r.status.value, "values": {str(m): _finite(v) for m, v in r.worst.items()},
                           "violations": list(r.violations), "missing": list(r.missing), "collect_s": r.collect_s,
                           "requests": r.requests} for r in window.records]}


def _finite(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


def markdown(outcome: Outcome, rules: Mapping[str, Rule]) -> str:
    """The job summary."""
    lines = [f"## Deploy: {_VERDICT[outcome.result]}", "",
             "| | |", "|---|---|",
             f"| result | `{outcome.result.value}` |",
             f"| previous version | `{_cell(outcome.previous_version)}` |",
             f"| deployed version | `{_cell(outcome.deployed_version)}` |",
             f"| why | {_cell(outcome.reason)} |"]
    if outcome.rollback_delay_s is not None:
        lines.append(f"| rollback started | {outcome.rollback_delay_s:.3f} s after the start of the interval that "
                     f"crossed the limit (interval {outcome.interval_s:g} s) |")
    lines.append("")
    if outcome.action_needed:
        lines += [f"> [!CAUTION]\n> {outcome.action_needed}", ""]
    for window in outcome.windows:
        lines += _window_section(window, rules)
    if outcome.commands:
        lines += ["### Commands", "", "| phase | command | result | time |", "|---|---|---|---|"]
        for run in outcome.commands:
            lines.append(f"| {run.phase} | `{_cell(run.command)[:120]}` | {_cell(run.error or 'ok')[:200]} | "
                         f"{run.duration_s:.2f} s |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _window_section(window: WindowResult, rules: Mapping[str, Rule]) -> list[str]:
    title = {"monitor": "Monitoring", "verify": "Verification after the rollback"}.get(window.phase,
                                                                                      f"Canary {window.phase}")
    lines = [f"### {_cell(title)}: {window.verdict.value}", "", _cell(window.reason), ""]
    if not window.records:
        return lines
    metrics = [*MetricName, *(m for m in rules if m not in set(MetricName))]
    lines += ["| # | at | status | " + " | ".join(_cell(metric_label(m)) for m in metrics) + " | notes |",
              "|---|---|---|" + "---|" * len(metrics) + "---|"]
    for record in window.records:
        cells = [format_value(m, record.worst[m]) if m in record.worst else "–" for m in metrics]
        notes = "; ".join(record.violations or record.missing)
        lines.append(f"| {record.index} | +{record.offset_s:.2f} s | {record.status.value} | {' | '.join(cells)} | "
                     f"{_cell(notes)[:300]} |")
    lines.append("")
    for metric, scale, unit in ((MetricName.LATENCY_MS, 1.0, "ms"), (MetricName.ERROR_RATE, 100.0, "%")):
        rule = rules.get(metric)
        chart = _chart(window.records, metric, scale, unit, None if rule is None else rule.maximum)
        if chart:
            lines += chart
    return lines


def _chart(records: tuple[IntervalRecord, ...], metric: MetricName, scale: float, unit: str,
           threshold: float | None) -> list[str]:
    """A Mermaid xychart of one metric (intervals without a value are left out).

    The threshold is drawn as a second line when the values come within a tenth of it;
    otherwise it would flatten the values into the axis, and only the title states it.
    """
    points = [(r.index, r.worst[metric] * scale) for r in records
              if metric in r.worst and math.isfinite(r.worst[metric])][-_CHART_POINTS:]
    if len(points) < 2:
        return []
    top = max(v for _, v in points)
    limit = None if threshold is None else threshold * scale
    draw_limit = limit is not None and top >= limit / 10
    title = f"{metric.label} per interval" + (f", limit {limit:.4g} {unit}" if limit is not None else "")
    ceiling = max(top, limit if draw_limit and limit is not None else 0.0) * 1.1
    lines = ["```mermaid", "xychart-beta", f'    title "{title}"',
             "    x-axis \"interval\" [" + ", ".join(f'"{i}"' for i, _ in points) + "]",
             f'    y-axis "{unit}" 0 --> {max(ceiling, 1e-6):.4g}',
             f"    line [{', '.join(f'{v:.4g}' for _, v in points)}]"]
    if draw_limit:
        lines.append(f"    line [{', '.join(f'{limit:.4g}' for _ in points)}]")
    return lines + ["```", ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def publish(outcome: Outcome, rules: Mapping[str, Rule], report_dir: Path,
            step_summary: Path | None, output_file: Path | None) -> Path:
    """Write the report files, the job summary, the outputs and the annotation; return the JSON path."""
    report_dir.mkdir(parents=True, exist_ok=True)
    report_path = report_dir / "deploy-report.json"
    report_path.write_text(json.dumps(to_json(outcome, rules), indent=2) + "\n", encoding="utf-8")
    text = markdown(outcome, rules)
    (report_dir / "deploy-summary.md").write_text(text, encoding="utf-8")
    if step_summary is not None:
        ghactions.append_summary(step_summary, text)
    if output_file is not None:
        ghactions.append_outputs(output_file, outputs(outcome, report_path))
    if outcome.result in _TITLE:
        ghactions.emit("error", f"{outcome.reason}. {outcome.action_needed}", {"title": _TITLE[outcome.result]})
    elif outcome.result is Result.ROLLED_BACK:
        ghactions.emit("warning", outcome.reason, {"title": "Deploy rolled back"})
    return report_path
