"""Gate ``code-security``: no new insecure code (bandit, and pylint when enabled).

bandit's own CLI scans the configured paths with the project's bandit config; pylint (opt-in)
checks a security-relevant set of messages on the same files. On pull requests only findings
missing from the baseline block: the baseline is a committed file, or the findings on the base
commit (scanned from a ``git archive`` of the affected files). A file an engine could not parse
always blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gates.codescan.base_commit import materialise
from gates.codescan.baseline import load_baseline, write_baseline
from gates.codescan.details import details_markdown, summary_line
from gates.codescan.issues import issue_fingerprints, to_findings
from gates.codescan.options import OPTION_PREFIX, ScanOptions, scan_options
from gates.codescan.scan import TreeScan, scan_tree
from gates.errors import GateError
from gates.git import GitUnavailable
from gates.model import Checked, Finding, Outcome, Severity
from gates.plugins.base import Gate, GateContext

_ENGINE_CAP_S = 6 * 3600.0  # ctx.deadline may be infinite outside the runner


class CodeSecurityGate(Gate):
    """No new insecure code: bandit (and pylint) on the project's Python files."""

    name = "code-security"
    title = "Code security"
    tool = "bandit"
    default_fail_on = Severity.HIGH
    default_timeout_s = 900.0

    def run(self, ctx: GateContext) -> Outcome:
        """Scan, compare with the baseline, and return the findings."""
        opts = scan_options(ctx.options, ctx.workspace.resolve(), _scratch_excludes(ctx))
        if ctx.update_baseline and opts.baseline_file is None:
            raise GateError(f"--update-baseline needs {OPTION_PREFIX}.baseline-file: set it to the file to write, "
                            "e.g. .github/code-security-baseline.json")
        ctx.log(f"code-security: bandit on {', '.join(opts.paths)}" + (" (and pylint)" if opts.pylint else ""))
        scan = scan_tree(ctx.workspace.resolve(), opts, opts.paths, ctx.work_dir / "head", _time_left(ctx))
        _check_cancelled(ctx)
        notes: list[str] = []
        baseline, source = (None, None) if ctx.update_baseline else self._baseline(ctx, opts, scan, notes)
        findings = to_findings(scan.issues, baseline, source or "")
        if ctx.update_baseline:
            findings = self._update_baseline(ctx, opts.baseline_file, scan, findings, notes)
            source = "the baseline file just written"
        if scan.parse_errors:
            notes.append(f"{len(scan.parse_errors)} file(s) could not be parsed and were not checked: "
                         + ", ".join(f"`{p}`" for p in scan.parse_errors[:10]))
        new = [f for f in findings if not f.suppressed]
        metrics = {
            "files": len(scan.files),
            "loc": scan.loc,
            "nosec": scan.nosec,
            "findings": len(findings),
            "new": len(new),
            "baselined": len(findings) - len(new),
            "parse_errors": len(scan.parse_errors),
            "baseline": source or "none",
            **({"pylint_modules": scan.pylint_modules} if opts.pylint else {}),
        }
        return Checked(
            tuple(findings),
            checked=len(scan.files),
            summary=summary_line(findings, len(scan.files), source),
            details=details_markdown(findings, notes),
            metrics=metrics,
            tool_versions=scan.tool_versions,
        )

    def _baseline(self, ctx: GateContext, opts: ScanOptions, scan: TreeScan,
                  notes: list[str]) -> tuple[list[str] | None, str | None]:
        """The baseline fingerprints and a name for where they came from (None: no baseline)."""
        enabled = opts.new_findings_only
        if enabled is None:
            enabled = ctx.github.is_pull_request or opts.baseline_file is not None
        if not enabled:
            return None, None
        if opts.baseline_file is not None:
            name = ctx.relative(opts.baseline_file)
            notes.append(f"Baseline: `{name}`; only findings missing from it block.")
            return load_baseline(opts.baseline_file), name
        sha = ctx.github.base_sha
        if not sha:
            notes.append("new-findings-only is on but there is no baseline (not a pull request and no "
                         f"{OPTION_PREFIX}.baseline-file): every finding counts.")
            return None, None
        files = sorted({issue.path for issue in scan.issues if not issue.is_parse_error})
        try:
            tree = materialise(ctx.workspace.resolve(), sha, files, ctx.work_dir / "base")
        except GitUnavailable as exc:
            notes.append(f"Could not read the base commit ({exc}): every finding counts.")
            ctx.log(f"code-security: {exc}; every finding counts")
            return None, None
        _check_cancelled(ctx)
        ctx.log(f"code-security: scanning {len(tree.files)} changed file(s) at the base commit {sha[:12]}")
        unchanged = set(tree.unchanged)
        old = [i for i in scan.issues if i.path in unchanged and not i.is_parse_error]
        if tree.files:
            base = scan_tree(tree.root, opts, tree.files, ctx.work_dir / "base-scan", _time_left(ctx))
            old += [i for i in base.issues if not i.is_parse_error]
        source = f"base commit {sha[:12]}"
        notes.append(f"Baseline: the findings on the {source} ({len(tree.files)} changed file(s) scanned there); "
                     "only new findings block.")
        return issue_fingerprints(old), source

    def _update_baseline(self, ctx: GateContext, path: Path | None, scan: TreeScan, findings: list[Finding],
                         notes: list[str]) -> list[Finding]:
        """Write the baseline file from the current findings; they are then all baselined."""
        if path is None:  # checked before the scan; kept for type checkers
            raise GateError(f"--update-baseline needs {OPTION_PREFIX}.baseline-file")
        count = write_baseline(path, findings, scan.tool_versions)
        name = ctx.relative(path)
        notes.append(f"Wrote {count} finding(s) to the baseline `{name}`: commit it.")
        ctx.log(f"code-security: wrote {count} baseline entries to {name}")
        return to_findings(scan.issues, [f.fingerprint for f in findings], name)


def _scratch_excludes(ctx: GateContext) -> tuple[str, ...]:
    """Our own scratch and report directories, when they lie inside the workspace."""
    out = []
    for directory in (ctx.work_dir, ctx.report_dir):
        rel = ctx.relative(directory)
        if not Path(rel).is_absolute() and rel not in ("", "."):
            out.append(rel)
    return tuple(out)


def _time_left(ctx: GateContext) -> Callable[[], float]:
    """Each engine's time limit: what is left of the gate's deadline (finite even without one)."""
    return lambda: ctx.remaining(_ENGINE_CAP_S)


def _check_cancelled(ctx: GateContext) -> None:
    if ctx.cancelled.is_set():
        raise GateError("code-security was cancelled before it finished")
