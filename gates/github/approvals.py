"""The approval policy of a pull request and its evaluation against reviews, files and a label.

Pure logic over facts already fetched (reviews, changed files, who applied the label);
role and team questions go through :class:`gates.github.access.Access`, asked lazily so that
only reviewers whose review could count cost an API call.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from gates.github.access import Access, Team, rank
from gates.github.reviews import LabelApplication, Standing


@dataclass(frozen=True)
class Rule:
    """``required`` approvals from people with at least ``permission`` (and in one of ``teams``)."""

    name: str
    required: int
    permission: str
    teams: tuple[Team, ...] = ()

    def describe(self) -> str:
        """``1 approval from someone with maintain permission in octo-org/security``."""
        who = f"someone with {self.permission} permission" if self.permission != "none" else "anyone"
        if self.teams:
            who += " who is a member of " + " or ".join(str(t) for t in self.teams)
        return f"{self.required} approval{'s' if self.required != 1 else ''} from {who}"


@dataclass(frozen=True)
class Policy:
    """Everything the approval gate enforces, from its options."""

    base: Rule
    sensitive: Rule | None = None
    sensitive_globs: tuple[str, ...] = ()
    allow_stale: bool = False
    label: str | None = None
    label_rule: Rule | None = None  # who may apply the label (required is unused)


@dataclass
class Row:
    """One reviewer in the summary table."""

    standing: Standing
    counts: list[str] = field(default_factory=list)  # rule names this approval counts for
    note: str = ""


@dataclass
class Evaluation:
    """The outcome of a policy on one pull request."""

    rows: list[Row]
    counted: dict[str, list[str]]  # rule name -> logins whose approval counts
    blocking: list[Standing]  # outstanding change requests that block
    sensitive_files: list[str]
    label: LabelApplication | None = None
    label_counts: list[str] = field(default_factory=list)
    label_note: str = ""


def glob_match(path: str, pattern: str) -> bool:
    """Match a POSIX path: ``*`` stays within a directory, ``**`` spans any number of them."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.fullmatch(regex, path) is not None or (
        "/" not in pattern and fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern))


def sensitive(files: Iterable[str], globs: Iterable[str]) -> list[str]:
    """The files matching any glob (a bare name like ``*.lock`` matches in any directory)."""
    patterns = tuple(globs)
    return [f for f in files if any(glob_match(f, g) for g in patterns)]


def qualifies(access: Access, login: str, rule: Rule) -> tuple[bool, str]:
    """Whether ``login`` may approve under ``rule``, and why (role, teams)."""
    found = []
    if rule.permission != "none":
        role = access.role(login)
        if rank(role) < rank(rule.permission):
            return False, f"has {role} permission, {rule.name} needs {rule.permission}"
        found.append(f"{role} permission")
    if rule.teams:
        teams = access.teams_of(rule.teams, login)
        if not teams:
            return False, f"not a member of {' or '.join(str(t) for t in rule.teams)}"
        found.append(f"member of {teams[0]}")
    return True, ", ".join(found) or "any reviewer counts"


def evaluate(policy: Policy, standings: dict[str, Standing], author: str, head_sha: str,
             files: list[str], label: LabelApplication | None, access: Access,
             unlisted_files: int = 0) -> Evaluation:
    """Apply ``policy``: which approvals count for which rule, what blocks, what the label does.

    ``unlisted_files`` (changed files the API did not list: it stops at 3000) counts as
    sensitive, since nothing proves otherwise.
    """
    touched = sensitive(dict.fromkeys(files), policy.sensitive_globs) if policy.sensitive else []
    if policy.sensitive and unlisted_files:
        touched.append(f"{unlisted_files} more changed files the API did not list")
    rules = [policy.base] + ([policy.sensitive] if policy.sensitive and touched else [])
    result = Evaluation(rows=[], counted={r.name: [] for r in rules}, blocking=[], sensitive_files=touched)
    for login, standing in sorted(standings.items(), key=lambda kv: kv[0].casefold()):
        row = Row(standing)
        result.rows.append(row)
        if login.casefold() == author.casefold():
            row.note = "author of the pull request: cannot approve it"
        elif standing.state == "CHANGES_REQUESTED":
            if access.has_role(login, policy.base.permission):
                result.blocking.append(standing)
                row.note = "requested changes: blocks until they approve or the review is dismissed"
            else:
                row.note = f"requested changes, but has {access.role(login)} permission: does not block"
        elif standing.state != "APPROVED":
            row.note = "review dismissed" if standing.state == "DISMISSED" else "commented only"
        elif not standing.on_commit(head_sha) and not policy.allow_stale:
            row.note = f"approved an older commit {str(standing.commit_id)[:7]}, not {head_sha[:7]}"
        else:
            reasons = []
            for rule in rules:
                ok, why = qualifies(access, login, rule)
                if ok:
                    row.counts.append(rule.name)
                    result.counted[rule.name].append(login)
                reasons.append(f"{rule.name}: {why}" if len(rules) > 1 or not ok else why)
            row.note = "; ".join(reasons)
    if policy.label and policy.label_rule:
        _apply_label(policy, label, author, rules, access, result)
    return result


def _apply_label(policy: Policy, label: LabelApplication | None, author: str, rules: list[Rule],
                 access: Access, result: Evaluation) -> None:
    result.label = label
    if label is None:
        result.label_note = f"label `{policy.label}` is not on the pull request"
        return
    if label.actor is None:
        result.label_note = f"label `{label.label}` was applied by a deleted account: does not count"
        return
    if label.actor.casefold() == author.casefold():
        result.label_note = f"label `{label.label}` was applied by the author @{label.actor}: does not count"
        return
    if policy.label_rule is None:
        return
    ok, why = qualifies(access, label.actor, policy.label_rule)
    if not ok:
        result.label_note = f"label `{label.label}` applied by @{label.actor}, who {why}: does not count"
        return
    result.label_counts.append(policy.base.name)
    notes = [f"label `{label.label}` applied by @{label.actor} ({why}): satisfies {policy.base.name}"]
    for rule in rules[1:]:
        ok, why = qualifies(access, label.actor, Rule(rule.name, 1, rule.permission, rule.teams))
        if ok:
            result.label_counts.append(rule.name)
            notes.append(f"and {rule.name}")
        else:
            notes.append(f"but not {rule.name} ({why})")
    result.label_note = " ".join(notes)
