"""The Markdown summary: ``summary.md`` and, inside Actions, the job summary.

Written for the person deciding whether to merge: the verdict, what blocks (the worst
blocking findings across every gate, each gate getting its share), what changed since the
base (per gate that compared with the base's results: new, unchanged and fixed counts and the
worst new findings; the gates that did not compare are named), a narrow table of gates, then one
collapsed section per gate with its details and every finding that fits.

Every string from the workspace goes through :mod:`gates.textutil` (no HTML, image, link or
heading can form) and gate details through its sanitizer. Findings are lists, not wide
tables, and a gate's wide tables become lists (:mod:`gates.reporters.tables`), so nothing is
clipped in the summary pane (1,012 px). The document stays under a
byte limit (GitHub's job summary takes at most 1 MiB per step; a check run's summary
65,535 characters): findings are added worst first while they fit, and each gate says how
many more there are and where to find them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from gates.config.policy_report import NAME as POLICY_GATE  # a pull request that changes the policy
from gates.files import write_text_atomic
from gates.ghactions import append_summary
from gates.model import GateResult, RunResult, Status, SuppressionKind
from gates.reporters.annotations import rule_title
from gates.reporters.base import REPORT_JSON, SUMMARY_FILE, ReportEnv, Reporter
from gates.reporters.levels import SEVERITY_ICON, STATUS_ICON
from gates.reporters.ranking import Ranked, fair_share, ranked
from gates.reporters.tables import narrow_tables
from gates.textutil import md_code, md_link, md_text, sanitize_markdown

STEP_SUMMARY_LIMIT = 1_000_000  # bytes; GitHub rejects step summaries over 1 MiB
DETAILS_LIMIT = 20_000  # characters of a gate's own details section
TOP_BLOCKING = 15  # findings in "What blocks"
TOP_NEW = 10  # findings in "What changed since the base"
MESSAGE_LIMIT = 240
TOP_MESSAGE_LIMIT = 160


class MarkdownReporter(Reporter):
    """Writes summary.md and appends it to ``$GITHUB_STEP_SUMMARY`` when that is set."""

    name = "markdown"
    files = (SUMMARY_FILE,)

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        from gates.reporters.check_run import CheckRunReporter, annotation_cap_note

        notes = list(env.left_out)
        if env.upload_note:
            notes.append(env.upload_note)
        if CheckRunReporter().active(env) and (env.only is None or "check-run" in env.only):
            notes += annotation_cap_note(run)
        text = render_summary(run, limit=STEP_SUMMARY_LIMIT, notes=notes, report_dir=env.report_dir.name)
        write_text_atomic(env.summary_path, text)
        if env.github.step_summary is not None:
            append_summary(env.github.step_summary, text)


def render_summary(run: RunResult, *, limit: int = STEP_SUMMARY_LIMIT, notes: Sequence[str] = (),
                   report_dir: str = "secure-ai-gates-report") -> str:
    """The summary, with as many findings as fit in ``limit`` UTF-8 bytes."""
    items = ranked(run)
    head = _head(run, items, notes)
    sections = [_Section(g, report_dir, details=True) for g in run.gates
                if not (g.status is Status.SKIPPED and not g.findings)]
    fixed = _size(head) + sum(s.size() for s in sections)
    if fixed > limit:  # the gates' own details do not fit (a check run's 65,535): leave them out
        sections = [_Section(s.gate, report_dir, details=False) for s in sections]
        fixed = _size(head) + sum(s.size() for s in sections)
    by_gate = {id(s.gate): s for s in sections}
    budget = limit - fixed
    for item in items:
        section = by_gate.get(id(item.gate))
        if section is None:
            continue
        line = _finding_line(item, with_gate=False)
        cost = _size(line) + 1
        if cost > budget:
            break
        section.lines.append(line)
        budget -= cost
    text = head + "".join(s.render() for s in sections)
    if _size(text) > limit:  # pragma: no cover - only a pathological head (thousands of notes)
        text = text.encode("utf-8")[:limit].decode("utf-8", "ignore").rsplit("\n", 1)[0] + "\n"
    return text


def _head(run: RunResult, items: list[Ranked], notes: Sequence[str]) -> str:
    status = run.status
    blocking = [i for i in items if i.blocking]
    blockers = run.gates_with(Status.FAILED, Status.ERROR)
    lines = [f"## 🛡️ secure-ai-gates: {STATUS_ICON[status]} {status.value}", ""]
    for g in run.gates:  # a change to the gates' own policy comes first: reviewers must see it
        if g.name == POLICY_GATE:
            lines += [f"> 📜 **{md_text(g.title)}** ({g.status.value}): {md_text(g.summary, MESSAGE_LIMIT)}", ""]
    verdict = (f"**Blocked by {len(blockers)} gate(s):** " + ", ".join(md_code(g.name) for g in blockers)
               if blockers else "**Nothing blocks.**")
    lines += [f"{verdict} · {len(blocking)} blocking of {len(items)} finding(s) · {run.duration_s:.1f} s · "
              f"config {md_code(run.config_source)}"
              + (f" · shard {md_code(run.shard)}" if run.shard else ""), ""]
    for note in notes:
        lines.append(f"> ⚠️ {md_text(note)}")
        lines.append(">")
    if notes:
        lines[-1] = ""
    errored = run.gates_with(Status.ERROR)
    if blocking or errored or blockers:
        lines += ["### What blocks", ""]
        for g in errored:
            lines.append(f"- ⚠️ {md_code(g.name)} could not decide: {md_text(g.summary, MESSAGE_LIMIT)}")
        for g in run.gates_with(Status.FAILED):
            if not g.blocking:
                lines.append(f"- ❌ {md_code(g.name)} failed: {md_text(g.summary, MESSAGE_LIMIT)}")
        top = fair_share(blocking, TOP_BLOCKING, lambda i: i.gate.name)
        lines += [_finding_line(i, with_gate=True) for i in top]
        if len(blocking) > len(top):
            lines.append(f"- … and {len(blocking) - len(top)} more blocking finding(s), in the gates' sections below.")
        lines.append("")
    lines += _changes(run, items)
    lines += ["### Gates", "", "| | Gate | Status | Blocking | Findings | Time |", "|---|---|---|---:|---:|---:|"]
    for g in run.gates:
        lines.append(f"| {STATUS_ICON[g.status]} | {md_text(g.title)} | {g.status.value} | {len(g.blocking)} | "
                     f"{len(g.findings)} | {g.duration_s:.1f} s |")
    return "\n".join(lines) + "\n"


def _changes(run: RunResult, items: list[Ranked]) -> list[str]:
    """What changed since the base, from what the gates know of it and nothing else.

    A gate that compared its findings with the base's (code-security's baseline: the base
    commit's findings or its committed baseline file) gets a line of new, unchanged and fixed
    counts, and the worst new findings are listed; gates that judge the head as it is are named
    as not compared, so a reader never takes their findings for new ones or for old ones.
    """
    compared = {g.name: _base_source(g) for g in run.gates if _base_source(g)}
    with_findings = [g for g in run.gates if g.findings]
    if not compared and not with_findings:
        return []
    lines = ["### What changed since the base", ""]
    for g in run.gates:
        if g.name not in compared:
            continue
        kinds = [f.suppression.kind for f in g.findings if f.suppression is not None]
        baselined, waived = kinds.count(SuppressionKind.BASELINE), kinds.count(SuppressionKind.WAIVER)
        fixed = g.metrics.get("fixed")
        new = len(g.findings) - baselined - waived
        lines.append(f"- {md_code(g.name)} against {md_code(compared[g.name], 120)}: **{new} new** "
                     f"({len(g.blocking)} blocking), {baselined} unchanged from the base"
                     + (f", {fixed} fixed (in the base, gone now)" if isinstance(fixed, int) else "")
                     + (f", {waived} waived" if waived else ""))
    others = [g.name for g in with_findings if g.name not in compared]
    if others:
        reason = ("they judge this commit as it is" if compared else
                  "no gate had the base's results: not a pull request and no baseline file")
        lines.append(f"- Not compared with the base ({reason}): " + ", ".join(md_code(n) for n in others)
                     + "; all their findings count.")
    new_items = [i for i in items if i.gate.name in compared and i.finding.suppression is None]
    top = fair_share(new_items, TOP_NEW, lambda i: i.gate.name)
    if top:
        lines += ["", f"New since the base, worst first ({len(top)} of {len(new_items)}):", ""]
        lines += [_finding_line(i, with_gate=True) for i in top]
    return [*lines, ""]


def _base_source(gate: GateResult) -> str:
    """What the gate compared its findings with (its ``baseline`` metric), or "" when nothing."""
    source = gate.metrics.get("baseline")
    if isinstance(source, str) and source not in ("", "none"):
        return source
    if any(f.suppression is not None and f.suppression.kind is SuppressionKind.BASELINE for f in gate.findings):
        return "its baseline"
    return ""


class _Section:
    """One gate's collapsed section; finding lines are added while the byte budget lasts."""

    def __init__(self, gate: GateResult, report_dir: str, *, details: bool) -> None:
        self.gate = gate
        self.report_dir = report_dir
        self.details = details
        self.lines: list[str] = []
        self._fixed = self._render(more_line=True)

    def size(self) -> int:
        return _size(self._fixed)

    def render(self) -> str:
        return self._render(more_line=len(self.lines) < len(self.gate.findings))

    def _render(self, *, more_line: bool) -> str:
        g = self.gate
        counts = f"{len(g.blocking)} blocking of {len(g.findings)}" if g.findings else "no findings"
        parts = ["", f"<details><summary>{STATUS_ICON[g.status]} <b>{html.escape(g.name)}</b>: {g.status.value} "
                     f"({counts})</summary>", "", md_text(g.summary), ""]
        for note in g.notes:
            parts += [f"> ⚠️ {md_text(note)}", ""]
        if g.details:
            if self.details:
                details = g.details if len(g.details) <= DETAILS_LIMIT else g.details[:DETAILS_LIMIT] + "\n\n… (cut)"
                parts += [sanitize_markdown(narrow_tables(details)), ""]
            else:
                parts += ["_This gate's details are in the job summary._", ""]
        parts += self.lines
        hidden = len(g.findings) - len(self.lines)
        if more_line and hidden:
            parts += ["", f"… and {hidden} more finding(s), not shown to keep this summary within GitHub's size "
                          f"limit: all are in {md_code(REPORT_JSON)} and the SARIF file in the report directory "
                          f"{md_code(self.report_dir)}; upload it with `actions/upload-artifact` to keep it "
                          f"(README → Reports)."]
        parts += ["", "</details>", ""]
        return "\n".join(parts)


def _finding_line(item: Ranked, *, with_gate: bool) -> str:
    f, g = item.finding, item.gate
    where = ""
    if f.path:
        where = " · " + md_code(f"{f.path}:{f.line}" if f.line else f.path, 200)
    elif f.package:
        where = " · " + md_code(f.package, 100)
    state = ""
    if f.suppression is not None:
        state = f" _({f.suppression.kind.value}: {md_text(f.suppression.reason, 120)})_"
    elif not item.blocking:
        state = " _(below fail-on)_"
    rule = md_link(f.rule_id, f.help_uri) if f.help_uri else md_code(f.rule_id, 80)
    rest = rule_title(f.rule_id, f.title)
    title = f" {md_text(rest, 80)}" if rest else ""
    gate = f"{md_code(g.name)} · " if with_gate else ""
    limit = TOP_MESSAGE_LIMIT if with_gate else MESSAGE_LIMIT
    return (f"- {SEVERITY_ICON[f.severity]} **{f.severity.value}** · {gate}{rule}{title}{where} — "
            f"{md_text(f.message, limit)}{state}")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
