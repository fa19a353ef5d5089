"""The Markdown summary: ``summary.md`` and, inside Actions, the job summary.

One table of gates (status icon, counts, duration), then a collapsible section per gate with
its details and findings. The document is trimmed to stay under a byte limit (GitHub's job
summary takes at most 1 MiB per step; a check run's summary 65,535 characters): the mildest
findings are dropped first and each gate says how many more are in report.json.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from gates.files import write_text_atomic
from gates.ghactions import append_summary
from gates.model import Finding, GateResult, RunResult, Status
from gates.reporters.base import ReportEnv, Reporter
from gates.reporters.levels import SEVERITY_ICON, STATUS_ICON
from gates.textutil import md_text

STEP_SUMMARY_LIMIT = 1_000_000  # bytes; GitHub rejects step summaries over 1 MiB
DETAILS_LIMIT = 20_000  # characters of a gate's own details section


class MarkdownReporter(Reporter):
    """Writes summary.md and appends it to ``$GITHUB_STEP_SUMMARY`` when that is set."""

    name = "markdown"

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        text = render_summary(run, limit=STEP_SUMMARY_LIMIT, note=env.upload_note)
        write_text_atomic(env.summary_path, text)
        if env.github.step_summary is not None:
            append_summary(env.github.step_summary, text)


def render_summary(run: RunResult, *, limit: int = STEP_SUMMARY_LIMIT, note: str = "") -> str:
    """The summary, with as many findings as fit in ``limit`` UTF-8 bytes."""
    ranked = _ranked_rows(run.gates)
    full = _render(run, ranked, len(ranked), note)
    if len(full.encode("utf-8")) <= limit:
        return full
    low, high = 0, len(ranked)
    while low < high:  # the largest number of rows that fits
        mid = (low + high + 1) // 2
        if len(_render(run, ranked, mid, note).encode("utf-8")) <= limit:
            low = mid
        else:
            high = mid - 1
    text = _render(run, ranked, low, note)
    return text if len(text.encode("utf-8")) <= limit else text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _ranked_rows(gates: Sequence[GateResult]) -> list[tuple[str, int]]:
    """(gate name, finding index) ordered from most to least important."""
    rows = []
    for g in gates:
        for i, f in enumerate(g.findings):
            blocking = not f.suppressed and f.severity.at_least(g.fail_on)
            rows.append(((0 if blocking else 1, -f.severity.rank, i), g.name, i))
    rows.sort(key=lambda r: r[0])
    return [(name, i) for _, name, i in rows]


def _render(run: RunResult, ranked: list[tuple[str, int]], keep: int, note: str) -> str:
    kept: dict[str, set[int]] = {}
    for name, i in ranked[:keep]:
        kept.setdefault(name, set()).add(i)
    status = run.status
    lines = [f"## 🛡️ secure-ai-gates: {STATUS_ICON[status]} {status.value}", ""]
    lines += ["| | Gate | Status | Findings | Blocking | Time | Summary |",
              "|---|---|---|---:|---:|---:|---|"]
    for g in run.gates:
        lines.append(f"| {STATUS_ICON[g.status]} | {_cell(g.title)} (`{g.name}`) | {g.status.value} | "
                     f"{len(g.findings)} | {len(g.blocking)} | {g.duration_s:.1f} s | {_cell(g.summary)} |")
    blocking = sum(len(g.blocking) for g in run.gates)
    lines += ["", f"{blocking} blocking finding(s); configuration: `{run.config_source}`; "
                  f"total time {run.duration_s:.1f} s."]
    if note:
        lines += ["", note]
    for g in run.gates:
        if g.status is Status.SKIPPED and not g.findings:
            continue
        lines += ["", _section(g, kept.get(g.name, set()))]
    return "\n".join(lines) + "\n"


def _section(g: GateResult, keep: set[int]) -> str:
    counts = f"{len(g.blocking)} blocking of {len(g.findings)}" if g.findings else "no findings"
    parts = [f"<details{' open' if g.status.blocks else ''}><summary>{STATUS_ICON[g.status]} "
             f"<b>{html.escape(g.name)}</b>: {g.status.value} ({counts})</summary>", "",
             _escape(g.summary), ""]
    for note in g.notes:
        parts.append(f"> ⚠️ {_escape(note)}")
    if g.notes:
        parts.append("")
    if g.details:
        details = g.details if len(g.details) <= DETAILS_LIMIT else g.details[:DETAILS_LIMIT] + "\n\n… (truncated)"
        parts += [details, ""]
    shown = [f for i, f in enumerate(g.findings) if i in keep]
    if shown:
        parts += ["| Severity | Rule | Location | Message |", "|---|---|---|---|"]
        parts += [_finding_row(f, g) for f in shown]
    hidden = len(g.findings) - len(shown)
    if hidden:
        parts += ["", f"… and {hidden} more finding(s) in report.json."]
    parts += ["", "</details>"]
    return "\n".join(parts)


def _finding_row(f: Finding, g: GateResult) -> str:
    where = f"`{_cell(f.path)}{':' + str(f.line) if f.line else ''}`" if f.path else ""
    state = ""
    if f.suppression is not None:
        state = f" _({f.suppression.kind.value}: {_cell(f.suppression.reason)})_"
    elif not f.severity.at_least(g.fail_on):
        state = " _(below fail-on)_"
    rule = f"[{_cell(f.rule_id)}]({f.help_uri})" if f.help_uri else f"`{_cell(f.rule_id)}`"
    return f"| {SEVERITY_ICON[f.severity]} {f.severity.value} | {rule} | {where} | {_cell(f.message)}{state} |"


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _cell(text: str | None) -> str:
    if not text:
        return ""
    flat = " ".join(str(text).split())
    if len(flat) > 300:
        flat = flat[:297] + "..."
    return md_text(flat)
