"""The readable report printed at the end of a run (laptop and Actions log alike).

File names and messages come from the workspace: inside Actions the report is printed with
:func:`gates.ghactions.print_untrusted`, so no line of it can start a workflow command.
"""

from __future__ import annotations

from gates.ghactions import print_untrusted
from gates.model import RunResult
from gates.reporters.base import REPORT_FILES, ReportEnv, Reporter

_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "skip"}


class ConsoleReporter(Reporter):
    """A table of gates, then each blocking finding on one line."""

    name = "console"

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        print_untrusted(render_console(run, str(env.report_dir)).split("\n"), actions=env.github.actions,
                        stream=env.stream)


def render_console(run: RunResult, report_dir: str) -> str:
    """Plain text, 100 columns at most per table line."""
    width = max(len(g.name) for g in run.gates) if run.gates else 10
    lines = ["", f"secure-ai-gates: {run.status.value.upper()} ({run.duration_s:.1f} s, config: {run.config_source})"]
    for g in run.gates:
        summary = " ".join(g.summary.split())
        if len(summary) > 70:
            summary = summary[:67] + "..."
        lines.append(f"  {_MARK[g.status.value]:<5} {g.name:<{width}} {g.duration_s:6.1f}s  {summary}")
    blocking = [(g, f) for g in run.gates for f in g.blocking]
    if blocking:
        lines.append("")
        lines.append(f"{len(blocking)} blocking finding(s):")
        for g, f in blocking[:50]:
            where = f"{f.path}:{f.line}" if f.path and f.line else (f.path or "")
            lines.append(f"  [{f.severity.value}] {g.name} {f.rule_id} {where} {f.message.splitlines()[0][:160]}")
        if len(blocking) > 50:
            lines.append(f"  ... and {len(blocking) - 50} more")
    lines.append(f"reports: {report_dir}/{', '.join(REPORT_FILES)}")
    return "\n".join(lines)
