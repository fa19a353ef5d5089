"""The ``policy`` entry of a pull request's report: the head's changes to the gates' own policy.

It is a run-level result listed first (before the eight gates), so the summary opens with it.
Each change is a ``policy-change`` finding on the config file. A change that only tightens
is applied now and does not block (severity info). Any other change takes effect only
after merge and blocks (high) unless the policy owners approved the pull request: the
approval gate, configured by the base policy, passed in this run and its sensitive-path
rule covers the config file.
"""

from __future__ import annotations

from gates.config.trusted import TrustedPolicy
from gates.fingerprint import fingerprints
from gates.model import Finding, GateResult, RunResult, Severity, Status
from gates.textutil import md_text

NAME = "policy"
RULE_ID = "policy-change"


def _approved(trusted: TrustedPolicy, result: RunResult, owner: str) -> str | None:
    """Why the policy owners' approval counts, or None when it does not."""
    from gates.github.approvals import sensitive
    from gates.plugins.approval import policy_from_options

    approval = next((g for g in result.gates if g.name == "approval"), None)
    if approval is None or approval.status is not Status.PASSED or not trusted.head_source or trusted.repo is None:
        return None
    rules = policy_from_options(trusted.config.gate("approval").options, owner)
    config_path = trusted.repo.repo_path(trusted.head_source)
    if rules.sensitive is None or not sensitive([config_path], rules.sensitive_globs):
        return None
    if int(approval.metrics.get("sensitive_files", 0)) < 1:
        return None
    return f"approved under the approval gate's sensitive-path rule ({rules.sensitive.describe()})"


def policy_result(trusted: TrustedPolicy, result: RunResult, repository: str | None) -> GateResult | None:
    """The ``policy`` result for this run, or None when the head changes nothing."""
    if not trusted.changes:
        return None
    owner = (repository or "").split("/", 1)[0]
    approved = _approved(trusted, result, owner)
    path = trusted.head_source
    prints = fingerprints((RULE_ID, path, c.key + "\0" + c.head) for c in trusted.changes)
    findings = []
    for change, line, fingerprint in zip(trusted.changes, trusted.head_lines, prints):
        blocks = not change.applied and approved is None
        findings.append(Finding(
            rule_id=RULE_ID, severity=Severity.HIGH if blocks else Severity.INFO, fingerprint=fingerprint,
            message=f"policy change: {change.describe()}"
            + (f"; {approved}" if approved and not change.applied else ""),
            path=path, line=line, title="Policy change", tool="secure-ai-gates"))
    pending = [c for c in trusted.changes if not c.applied]
    status = Status.FAILED if pending and approved is None else Status.PASSED
    summary = (f"the pull request changes the gates' policy ({len(trusted.changes)} change(s), {len(pending)} of them "
               "only after merge); policy in force: " + trusted.origin)
    if pending and approved is None:
        summary += ". Changes that are not stricter need the policy owners' approval"
    rows = "\n".join(f"| `{md_text(c.key)}` | {md_text(c.base)} | {md_text(c.head)} | "
                     f"{'applied now (stricter)' if c.applied else 'after merge'} |" for c in trusted.changes)
    details = (f"Policy in force for this run: {md_text(trusted.origin)}. The pull request's "
               f"`{md_text(path or '')}` differs from it; changes that are not stricter take effect only "
               "after merge.\n\n"
               "| key | base | pull request | when |\n|---|---|---|---|\n" + rows)
    if approved:
        details += f"\n\nPolicy owners: {md_text(approved)}."
    return GateResult(name=NAME, title="Policy change", status=status, summary=summary, duration_s=0.0,
                      findings=tuple(findings), details=details, tool="secure-ai-gates", fail_on=Severity.LOW,
                      metrics={"changes": len(trusted.changes), "pending": len(pending),
                               "approved": approved is not None})
