"""Findings, summary and Markdown details of the approval gate, from an :class:`Evaluation`.

One finding per unmet requirement: ``APPROVAL-MISSING`` (not enough qualifying approvals),
``APPROVAL-CHANGES-REQUESTED`` (one per reviewer whose change request is outstanding) and
``APPROVAL-SENSITIVE-PATHS`` (sensitive files changed without the stricter approval). Each
message says who must do what.
"""

from __future__ import annotations

from gates.fingerprint import fingerprints
from gates.github.approvals import Evaluation, Policy, Rule
from gates.model import Checked, Finding, Severity

HELP = "https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _who(logins: list[str]) -> str:
    return ", ".join(f"@{login}" for login in logins) if logins else "nobody"


def _short(files: list[str], limit: int = 5) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" and {len(files) - limit} more" if len(files) > limit else "")


def _missing(rule: Rule, have: list[str], number: int, sha: str, author: str, policy: Policy,
             ev: Evaluation, label_hint: bool) -> str:
    text = (f"Pull request #{number} has {len(have)} of {rule.required} required approval(s) on commit "
            f"{sha[:7]} ({_who(have)}): it needs {rule.describe()}, on the latest commit, other than the "
            f"author @{author}.")
    stale = [r.standing.login for r in ev.rows if r.note.startswith("approved an older commit")]
    if stale:
        text += f" Approvals of an older commit by {_who(stale)} must be renewed on {sha[:7]}."
    if label_hint and policy.label and policy.label_rule:
        text += (f" Alternatively, {policy.label_rule.describe().split(' from ', 1)[1]} can apply the label "
                 f"`{policy.label}`.")
    return text


def findings(policy: Policy, ev: Evaluation, repository: str, number: int, author: str,
             sha: str) -> tuple[Finding, ...]:
    """The unmet requirements as findings (empty when the pull request is approved)."""
    items: list[tuple[str, str, str, dict[str, object]]] = []  # rule id, context, message, properties
    base = policy.base
    if len(ev.counted[base.name]) < base.required and base.name not in ev.label_counts:
        items.append(("APPROVAL-MISSING", "approvals",
                      _missing(base, ev.counted[base.name], number, sha, author, policy, ev, True),
                      {"required": base.required, "approved_by": ev.counted[base.name]}))
    for standing in ev.blocking:
        items.append(("APPROVAL-CHANGES-REQUESTED", standing.login,
                      f"@{standing.login} requested changes on pull request #{number} (review "
                      f"{standing.review_id} on {str(standing.commit_id)[:7]}): @{standing.login} must approve "
                      f"after the changes, or someone with write access must dismiss that review.",
                      {"reviewer": standing.login, "review_id": standing.review_id}))
    rule = policy.sensitive
    if rule is not None and ev.sensitive_files and rule.name in ev.counted \
            and len(ev.counted[rule.name]) < rule.required and rule.name not in ev.label_counts:
        items.append(("APPROVAL-SENSITIVE-PATHS", "sensitive",
                      f"Pull request #{number} changes {len(ev.sensitive_files)} sensitive file(s) "
                      f"({_short(ev.sensitive_files)}): they need {rule.describe()} on commit {sha[:7]}; "
                      f"approved by {_who(ev.counted[rule.name])}.",
                      {"files": ev.sensitive_files, "approved_by": ev.counted[rule.name]}))
    prints = fingerprints((rule_id, None, f"{repository}#{number} {context}") for rule_id, context, _, _ in items)
    return tuple(Finding(rule_id=rule_id, severity=Severity.HIGH, message=message, fingerprint=fp,
                         title=rule_id.replace("-", " ").title(), help_uri=HELP, tool="approval",
                         properties=props)
                 for (rule_id, _, message, props), fp in zip(items, prints))


def details(policy: Policy, ev: Evaluation, number: int, author: str, sha: str, api_head: str) -> str:
    """Markdown: the reviewers, their standing, which approvals counted and why not."""
    lines = [f"Pull request #{number} by @{author}, commit under test `{sha[:7]}`."]
    if api_head and sha and api_head != sha:
        lines.append(f"The pull request has moved on to `{api_head[:7]}`; approvals are judged on `{sha[:7]}`.")
    lines += ["", f"Rule: {policy.base.describe()}" + ("; approvals of older commits count." if policy.allow_stale
                                                        else "; only approvals of this commit count."), ""]
    if ev.rows:
        lines += ["| Reviewer | Latest review | Commit | Counts for | Why |", "|---|---|---|---|---|"]
        for row in ev.rows:
            s = row.standing
            lines.append(f"| @{s.login} | {s.state} | `{str(s.commit_id)[:7]}` | "
                         f"{', '.join(row.counts) or '-'} | {_md(row.note)} |")
    else:
        lines.append("No reviews yet.")
    if ev.sensitive_files and policy.sensitive:
        lines += ["", f"Sensitive files changed ({len(ev.sensitive_files)}): "
                  + ", ".join(f"`{_md(f)}`" for f in ev.sensitive_files[:20])
                  + (" ..." if len(ev.sensitive_files) > 20 else ""),
                  f"They need {policy.sensitive.describe()}."]
    if ev.label_note:
        lines += ["", _md(ev.label_note) + "."]
    return "\n".join(lines) + "\n"


def report(policy: Policy, ev: Evaluation, *, repository: str, number: int, author: str, head_sha: str,
           api_head: str, reviews: int, files: int) -> Checked:
    """The gate's outcome."""
    found = findings(policy, ev, repository, number, author, head_sha)
    base = ev.counted[policy.base.name]
    parts = [f"{len(base)}/{policy.base.required} approvals ({_who(base)})"]
    if policy.base.name in ev.label_counts:
        parts.append(f"label `{policy.label}` by @{ev.label.actor if ev.label else '?'}")
    if ev.blocking:
        parts.append("changes requested by " + _who([s.login for s in ev.blocking]))
    if ev.sensitive_files and policy.sensitive:
        have = ev.counted.get(policy.sensitive.name, [])
        parts.append(f"{len(ev.sensitive_files)} sensitive file(s), {len(have)}/{policy.sensitive.required} "
                     f"stricter approvals")
    checked = 2 + (1 if ev.sensitive_files else 0) + (1 if policy.label else 0)
    metrics = {"approvals": len(base), "required_approvals": policy.base.required, "reviewers": len(ev.rows),
               "reviews": reviews, "files": files, "sensitive_files": len(ev.sensitive_files),
               "changes_requested": len(ev.blocking)}
    return Checked(findings=found, checked=checked, summary=f"PR #{number}: " + "; ".join(parts),
                   details=details(policy, ev, number, author, head_sha, api_head), metrics=metrics)
