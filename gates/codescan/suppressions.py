"""Inline suppressions a pull request adds, and the base commit's that stay honoured.

On a pull request the engines run with suppressions ignored (bandit ``--ignore-nosec``, pylint
on pragma-free copies), so an issue hidden by a new ``# nosec`` still counts. Each suppression
comment on a line the change adds (``git diff`` against the base commit) is reported as a
``suppression-added`` finding at its place: ``# nosec``, ``# noqa`` naming an ``S`` (bandit)
rule or nothing, and ``# pylint: disable`` / ``disable-next`` / ``skip-file``. A suppression
already on the base commit is honoured: an issue on that very line which the comment covers is
dropped, as the engine would have done (a pylint ``disable`` for a whole block is not
followed that far; with new-findings-only, the default on pull requests, those issues are on
the base commit too and stay baselined).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.base_inputs import BaseInputs
from gates.codescan.bandit_runner import read_lines
from gates.codescan.issues import Issue
from gates.fingerprint import fingerprints
from gates.model import Finding, Severity

RULE = "suppression-added"
_NOSEC = re.compile(r"#\s*nosec\b:?\s*(?P<tests>[^#]*)", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa\b(?::\s*(?P<codes>[A-Z0-9, ]+))?", re.IGNORECASE)
_PYLINT = re.compile(r"#.*?\bpylint\s*:\s*(?P<kind>disable-next|disable|skip-file)\b\s*=?\s*(?P<names>[\w, -]*)")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class Added:
    """One suppression comment on a line the change adds."""

    path: str
    line: int
    kind: str  # "nosec", "noqa", "pylint"
    text: str  # the source line


def markers(line: str) -> list[str]:
    """The suppression comments in one source line, normalised (e.g. ``nosec B602``, ``pylint disable eval-used``)."""
    out = []
    nosec = _NOSEC.search(line)
    if nosec:
        out.append(("nosec " + " ".join(re.findall(r"[A-Za-z0-9_]+", nosec.group("tests") or ""))).strip())
    noqa = _NOQA.search(line)
    if noqa:
        codes = [c for c in re.split(r"[\s,]+", noqa.group("codes") or "") if c]
        if not codes or any(c.upper().startswith("S") for c in codes):
            out.append(("noqa " + " ".join(sorted(codes))).strip())
    pylint = _PYLINT.search(line)
    if pylint:
        names = sorted(n for n in re.split(r"[\s,]+", pylint.group("names") or "") if n)
        out.append(" ".join(["pylint", pylint.group("kind"), *names]))
    return out


@dataclass(frozen=True)
class Change:
    """What the change did to the scanned files' lines."""

    added: tuple[Added, ...]  # suppression comments that are new
    touched: frozenset[tuple[str, int]]  # (path, line) of every added or edited line


def line_changes(base: BaseInputs, paths: Sequence[str]) -> Change:
    """Suppression comments on lines the work tree adds to ``paths`` since the base commit, and every such line.

    A marker also on a line the same file loses (a line edited around an old comment) is not
    reported as new, but the edited line is touched: no old comment is honoured there.
    """
    diff = base.diff(paths)
    out: list[Added] = []
    touched: set[tuple[str, int]] = set()
    path: str | None = None
    line_no = 0
    removed: Counter[str] = Counter()
    pending: list[tuple[str, int, str, str]] = []
    header = False
    for raw in diff.splitlines():
        if raw.startswith("diff --git "):
            out += _settle(pending, removed)
            pending, removed, path, header = [], Counter(), None, True
        elif header and raw.startswith("+++ "):
            name = _unquote(raw[4:])
            path = name[2:] if name.startswith("b/") else None
        elif (hunk := _HUNK.match(raw)) is not None:
            line_no, header = int(hunk.group("start")), False
        elif header:
            continue
        elif raw.startswith("-"):
            removed.update(markers(raw[1:]))
        elif raw.startswith("+") and path is not None:
            pending += [(path, line_no, marker, raw[1:]) for marker in markers(raw[1:])]
            touched.add((path, line_no))
            line_no += 1
    return Change(tuple(out + _settle(pending, removed)), frozenset(touched))


def _unquote(name: str) -> str:
    """A path as git prints it, C-quoted when it holds unusual bytes."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")


def _settle(pending: list[tuple[str, int, str, str]], removed: Counter[str]) -> list[Added]:
    out = []
    for path, line, marker, text in pending:
        if removed[marker] > 0:
            removed[marker] -= 1
            continue
        out.append(Added(path, line, marker.split(" ", 1)[0], text))
    return out


def added_findings(added: Sequence[Added]) -> list[Finding]:
    """One ``suppression-added`` finding per added comment, on its line."""
    prints = fingerprints((RULE, a.path, a.text) for a in added)
    return [Finding(rule_id=RULE, severity=Severity.MEDIUM, fingerprint=fp, path=a.path, line=a.line, tool="bandit",
                    title="suppression added by this change",
                    message=f"this change adds a `{a.kind}` suppression comment; suppressions a pull request adds are "
                            "not honoured (the issue it would hide is judged as if it were not there): remove it, or "
                            "waive the issue in the base branch's policy",
                    properties={"suppression": a.kind})
            for a, fp in zip(added, prints)]


def honoured(issues: Iterable[Issue], root: Path, change: Change) -> tuple[list[Issue], int]:
    """``issues`` without those a suppression from the base commit covers on their own, untouched line; and how many."""
    kept: list[Issue] = []
    dropped = 0
    for issue in issues:
        if issue.line is not None and not issue.is_parse_error and (issue.path, issue.line) not in change.touched \
                and _covers(read_lines(root / issue.path, issue.line, issue.line), issue):
            dropped += 1
            continue
        kept.append(issue)
    return kept, dropped


def _covers(line: str, issue: Issue) -> bool:
    for marker in markers(line):
        kind, *names = marker.split(" ")
        if issue.tool == "bandit" and kind == "nosec":
            return not names or issue.rule_id in names or issue.title in names
        if issue.tool == "pylint" and kind == "pylint" and names and names[0] == "disable":
            return "all" in names or issue.rule_id in names or (issue.symbol or "") in names[1:]
    return False
