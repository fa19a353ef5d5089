"""Workflow-command annotations on the files and lines of the pull request.

GitHub shows at most 10 errors, 10 warnings and 10 notices per step, so findings are ranked
(blocking first, then by severity) and capped per level; one notice says how many more are
in the report. Every value goes through :mod:`gates.ghactions` escaping, so no message, title
or file name can start a second workflow command.
"""

from __future__ import annotations

from collections.abc import Iterator

from gates.ghactions import command
from gates.model import Finding, GateResult, RunResult, Status
from gates.reporters.base import ReportEnv, Reporter
from gates.reporters.levels import ANNOTATION_LEVEL

PER_LEVEL_CAP = 10
MESSAGE_LIMIT = 1000


class AnnotationsReporter(Reporter):
    """Prints ``::error``/``::warning``/``::notice`` commands inside GitHub Actions."""

    name = "annotations"

    def active(self, env: ReportEnv) -> bool:  # noqa: D102
        return env.github.actions

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        for line in annotation_lines(run, str(env.report_path)):
            print(line, file=env.stream, flush=True)


def annotation_lines(run: RunResult, report_path: str) -> list[str]:
    """The capped, ranked annotation commands for a run."""
    candidates = sorted(_candidates(run), key=lambda c: c[0])
    used = {"error": 0, "warning": 0, "notice": 0}
    lines: list[str] = []
    dropped = 0
    for _, level, message, props in candidates:
        cap = PER_LEVEL_CAP - (1 if level == "notice" else 0)  # keep one notice for the "more" line
        if used[level] >= cap:
            dropped += 1
            continue
        used[level] += 1
        lines.append(command(level, message, props))
    if dropped:
        lines.append(command("notice", f"{dropped} more finding(s) are not annotated here (GitHub shows 10 per "
                                       f"level per step): see {report_path}, the SARIF upload or the check run.",
                             {"title": "secure-ai-gates: more findings"}))
    return lines


def _candidates(run: RunResult) -> Iterator[tuple[tuple[int, int], str, str, dict[str, object]]]:
    for g in run.gates:
        if g.status is Status.ERROR:
            yield (0, -5), "error", f"{g.name} could not decide: {g.summary}", {"title": f"secure-ai-gates: {g.name}"}
        elif g.status is Status.FAILED and not g.blocking:
            yield (0, -5), "error", f"{g.name} failed: {g.summary}", {"title": f"secure-ai-gates: {g.name}"}
        for note in g.notes:
            yield (1, -4), "warning", note, {"title": f"secure-ai-gates: {g.name}"}
        for f in g.findings:
            yield _finding(g, f)


def _finding(g: GateResult, f: Finding) -> tuple[tuple[int, int], str, str, dict[str, object]]:
    blocking = not f.suppressed and f.severity.at_least(g.fail_on)
    level = ANNOTATION_LEVEL[f.severity] if blocking else "notice"
    message = f.message if len(f.message) <= MESSAGE_LIMIT else f.message[:MESSAGE_LIMIT] + "…"
    if f.suppression is not None:
        message = f"[{f.suppression.kind.value}] {message}"
    props: dict[str, object] = {"title": f"{g.name}: {f.rule_id}" + (f" {f.title}" if f.title else "")}
    if f.path:
        props = {"file": f.path, **({"line": f.line} if f.line else {}), **props}
        if f.column:
            props["col"] = f.column
    return (0 if blocking else 2, -f.severity.rank), level, message, props
