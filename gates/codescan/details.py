"""The Markdown details and the one-line summary of the code-security gate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gates.model import Finding, Severity

MAX_ROWS = 200


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
    """A table of findings, new ones first, worst first; then baselined ones."""
    lines = [f"- {note}" for note in notes]
    if lines:
        lines.append("")
    if not findings:
        lines.append("No findings.")
        return "\n".join(lines)
    ordered = sorted(findings, key=lambda f: (f.suppressed, -f.severity.rank, f.path or "", f.line or 0))
    lines += ["| status | severity | rule | location | issue |", "| --- | --- | --- | --- | --- |"]
    for finding in ordered[:MAX_ROWS]:
        status = "baseline" if finding.suppressed else "**new**"
        rule = f"[{_cell(finding.rule_id)}]({finding.help_uri})" if finding.help_uri else _cell(finding.rule_id)
        if finding.title and finding.title != finding.rule_id:
            rule += f" {_cell(finding.title)}"
        where = _cell(finding.path or "") + (f":{finding.line}" if finding.line else "")
        confidence = finding.properties.get("confidence")
        severity = finding.severity.value + (f" ({str(confidence).lower()} confidence)" if confidence else "")
        lines.append(f"| {status} | {severity} | {rule} | `{where}` | {_cell(finding.message)} |")
    if len(ordered) > MAX_ROWS:
        lines.append(f"\n{len(ordered) - MAX_ROWS} more finding(s) are in report.json and the SARIF file.")
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|").replace("`", "'")
