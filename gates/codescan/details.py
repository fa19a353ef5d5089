"""The Markdown details and the one-line summary of the code-security gate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gates.model import Finding, Severity


def summary_line(findings: Sequence[Finding], files: int, baseline_source: str | None) -> str:
    """E.g. ``2 new findings (1 high, 1 medium), 3 baselined, in 41 files``."""
    new = [f for f in findings if not f.suppressed]
    counts = Counter(f.severity for f in new)
    parts = [f"{counts[s]} {s.value}" for s in Severity if counts[s]]
    label = "new finding" if baseline_source else "finding"
    text = f"{len(new)} {label}{'' if len(new) == 1 else 's'}"
    if parts:
        text += f" ({', '.join(parts)})"
    baselined = len(findings) - len(new)
    if baselined:
        text += f", {baselined} baselined"
    return f"{text}, in {files} file{'' if files == 1 else 's'}"


def details_markdown(findings: Sequence[Finding], notes: Sequence[str]) -> str:
    """The gate's notes (its own Markdown; the reporters disarm any HTML in it); its findings are
    listed once, by the reporters, worst first."""
    lines = [f"- {note}" for note in notes]
    if not findings:
        lines += [""] * bool(lines) + ["No findings."]
    return "\n".join(lines)
