"""Workflow-command annotations on the files and lines of the pull request.

GitHub shows at most 10 errors, 10 warnings and 10 notices per step. Within each level the
places are shared fairly across gates (round-robin over each gate's worst findings), so
every blocking gate is seen; one warning is kept free when a check run will be written (its
"could not be written" warning must never be the dropped eleventh) and one notice says how
many more there are. Paths are repository-relative; a finding without a file of its own (a
probe, garak, approval) is placed on its gate's key in the config file, as in SARIF and the
check run (:class:`gates.locate.FindingPlaces`). Every value goes through
:mod:`gates.ghactions` escaping, so no message, title or file name can start a command.
"""

from __future__ import annotations

from dataclasses import dataclass

from gates.ghactions import command
from gates.locate import FindingPlaces
from gates.model import RunResult, Status
from gates.reporters.base import ReportEnv, Reporter
from gates.reporters.levels import ANNOTATION_LEVEL
from gates.reporters.ranking import Ranked, fair_share, ranked

PER_LEVEL_CAP = 10
MESSAGE_LIMIT = 1000
LEVELS = ("error", "warning", "notice")


class AnnotationsReporter(Reporter):
    """Prints ``::error``/``::warning``/``::notice`` commands inside GitHub Actions."""

    name = "annotations"

    def active(self, env: ReportEnv) -> bool:  # noqa: D102
        return env.github.actions

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        from gates.reporters.check_run import CheckRunReporter

        check_run = CheckRunReporter().active(env) and (env.only is None or "check-run" in env.only)
        for line in annotation_lines(run, repo_prefix=env.repo_prefix, reserve_warnings=1 if check_run else 0):
            print(line, file=env.stream, flush=True)


@dataclass(frozen=True)
class _Candidate:
    level: str
    group: str
    message: str
    props: dict[str, object]


def annotation_lines(run: RunResult, *, repo_prefix: str = "", reserve_warnings: int = 0) -> list[str]:
    """The capped annotation commands for a run, each level shared fairly across gates."""
    places = FindingPlaces(run)
    candidates = list(_gate_candidates(run)) + [_finding(item, repo_prefix, places) for item in ranked(run)]
    caps = {"error": PER_LEVEL_CAP, "warning": PER_LEVEL_CAP - reserve_warnings, "notice": PER_LEVEL_CAP - 1}
    lines: list[str] = []
    dropped = 0
    for level in LEVELS:
        of_level = [c for c in candidates if c.level == level]
        chosen = fair_share(of_level, caps[level], lambda c: c.group)
        dropped += len(of_level) - len(chosen)
        lines += [command(c.level, c.message, c.props) for c in chosen]
    if dropped:
        lines.append(command("notice", f"{dropped} more finding(s) are not annotated here (GitHub shows 10 per "
                                       "level per step): see the job summary, the check run or code scanning.",
                             {"title": "secure-ai-gates: more findings"}))
    return lines


def _gate_candidates(run: RunResult) -> list[_Candidate]:
    out = []
    for g in run.gates:
        title: dict[str, object] = {"title": f"secure-ai-gates: {g.name}"}
        if g.status is Status.ERROR:
            out.append(_Candidate("error", g.name, f"{g.name} could not decide: {g.summary}", title))
        elif g.status is Status.FAILED and not g.blocking:
            out.append(_Candidate("error", g.name, f"{g.name} failed: {g.summary}", title))
        out += [_Candidate("warning", g.name, note, title) for note in g.notes]
    return out


def _finding(item: Ranked, repo_prefix: str, places: FindingPlaces) -> _Candidate:
    f, g = item.finding, item.gate
    level = ANNOTATION_LEVEL[f.severity] if item.blocking else "notice"
    message = f.message if len(f.message) <= MESSAGE_LIMIT else f.message[:MESSAGE_LIMIT] + "…"
    if f.suppression is not None:
        message = f"[{f.suppression.kind.value}] {message}"
    props: dict[str, object] = {}
    place = places(g.name, f)
    if place is not None:
        props["file"] = repo_prefix + place[0]
        if place[1]:
            props["line"] = place[1]
            if f.path and f.column:
                props["col"] = f.column
    props["title"] = annotation_title(g.name, f.rule_id, f.title)
    return _Candidate(level, g.name, message, props)


def rule_title(rule_id: str, title: str | None) -> str:
    """The title without a leading repeat of the rule id (``secret-leak: Ask…`` → ``Ask…``)."""
    if not title or title == rule_id:
        return ""
    if title.startswith(rule_id):
        return title[len(rule_id):].lstrip(" :-–—")
    return title


def annotation_title(gate: str, rule_id: str, title: str | None) -> str:
    """``gate · RULE title``, the rule id said once even when the title repeats it."""
    rest = rule_title(rule_id, title)
    return f"{gate} · {rule_id}" + (f" {rest}" if rest else "")
