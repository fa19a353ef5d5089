"""Markdown for the performance gate: metric, baseline, current, change, limit, verdict."""

from __future__ import annotations

from collections.abc import Sequence

from gates.perf.evaluate import CaseResult
from gates.perf.rules import Comparison, Verdict, fmt
from gates.textutil import md_text, redact

_SHOWN = {
    Verdict.PASS: "✅ pass",
    Verdict.NEW: "🆕 new (no baseline value)",
    Verdict.REGRESSED: "❌ regressed",
    Verdict.OUT_OF_BOUNDS: "❌ beyond hard limit",
    Verdict.MISSING: "❌ missing",
}


def _change(c: Comparison) -> str:
    change = c.change
    if change is None:
        return "-"
    return f"{change * 100:+.1f} %"


def table(comparisons: Sequence[Comparison]) -> str:
    """One row per metric rule."""
    lines = ["| metric | baseline | current | change | limit | verdict |", "|---|---:|---:|---:|---|---|"]
    for c in comparisons:
        current = fmt(c.current)
        if len(c.samples) > 1:
            current += f" (of {len(c.samples)} runs: {', '.join(fmt(s) for s in c.samples)})"
        lines.append(f"| `{c.rule.name}` ({c.rule.direction.value} is better) | {fmt(c.baseline)} | {current} | "
                     f"{_change(c)} | {c.rule.describe_limit(c.baseline)} | {_SHOWN[c.verdict]} |")
    return "\n".join(lines)


def wrong_answers(results: Sequence[CaseResult], limit: int, secrets: Sequence[str] = ()) -> str:
    """A few wrongly answered cases, truncated and redacted."""
    wrong = [r for r in results if not r.correct][:limit]
    if not wrong:
        return ""
    lines = []
    for r in wrong:
        got = r.error if r.error is not None else (r.reply or "")
        lines.append(f"- case `{r.case.id}` (line {r.case.line}, {r.case.match.value}): expected "
                     f"“{md_text(redact(' | '.join(r.case.expected), secrets, 80))}”, "
                     f"got “{md_text(redact(got, secrets, 120))}”")
    return "**Wrong answers** (first few, truncated)\n\n" + "\n".join(lines)
