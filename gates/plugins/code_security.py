"""Gate ``code-security``: no new insecure code (bandit, and pylint when enabled).

bandit's own CLI scans the configured paths with the project's bandit config; pylint (opt-in)
checks a security-relevant set of messages on the same files. On pull requests only findings
missing from the baseline block: the baseline is a committed file, or the findings on the base
commit (scanned from a ``git archive`` of the affected files). A file an engine could not parse
always blocks.

On a pull request the tree is the change under review, so nothing in it may weaken the gate:
bandit's config files and a committed baseline file are read from the base commit (an edit is
reported and takes effect after merge); suppression comments the change adds are reported and
not honoured (the engines run with suppressions off; the base commit's stay honoured); a
default-excluded directory (a virtualenv, ``node_modules``, ...) in which the change adds files
is scanned. A base commit that cannot be read is an error, not a fall back to the head's config.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from gates.base_inputs import BaseInputs
from gates.codescan.base_commit import materialise
from gates.codescan.baseline import load_baseline, write_baseline
from gates.codescan.details import details_markdown, summary_line
from gates.codescan.excludes import DefaultExcludes, find_default_excludes
from gates.codescan.issues import issue_fingerprints, to_findings
from gates.codescan.moves import move_sources
from gates.codescan.options import OPTION_PREFIX, ScanOptions, scan_options
from gates.codescan.scan import TreeScan, scan_tree
from gates.codescan.suppressions import Change, added_findings, honoured, line_changes
from gates.codescan.trusted import ConfigFiles
from gates.errors import GateError
from gates.fingerprint import LOOSE_PREFIX
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
        workspace = ctx.workspace.resolve()
        base = _base_inputs(ctx)
        files = ConfigFiles(workspace, ctx.work_dir / "config", base)
        defaults: list[DefaultExcludes] = []

        def find_defaults(paths: tuple[str, ...]) -> DefaultExcludes:
            defaults.append(find_default_excludes(workspace, paths, base.changed if base else None))
            return defaults[-1]

        opts = scan_options(ctx.options, workspace, files, find_defaults, _scratch_excludes(ctx))
        if ctx.update_baseline and opts.baseline_file is None:
            raise GateError(f"--update-baseline needs {OPTION_PREFIX}.baseline-file: set it to the file to write, "
                            "e.g. .github/code-security-baseline.json")
        ctx.log(f"code-security: bandit on {', '.join(opts.paths)}" + (" (and pylint)" if opts.pylint else ""))
        scan = scan_tree(workspace, opts, opts.paths, ctx.work_dir / "head", _time_left(ctx))
        _check_cancelled(ctx)
        notes = _trust_notes(files, defaults)
        change = line_changes(base, opts.paths) if base else Change((), frozenset())
        if base is not None:
            kept, dropped = honoured(scan.issues, workspace, change)
            scan = replace(scan, issues=tuple(kept), nosec=dropped)
        baseline, source = (None, None) if ctx.update_baseline else self._baseline(ctx, opts, scan, notes, files)
        findings = to_findings(scan.issues, baseline, source or "") + added_findings(change.added)
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
            **(_fixed_metrics(baseline, len(findings) - len(new)) if opts.baseline_file is not None else {}),
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

    def _baseline(self, ctx: GateContext, opts: ScanOptions, scan: TreeScan, notes: list[str],
                  files: ConfigFiles) -> tuple[list[str] | None, str | None]:
        """The baseline fingerprints and a name for where they came from (None: no baseline)."""
        enabled = opts.new_findings_only
        if enabled is None:
            enabled = ctx.github.is_pull_request or opts.baseline_file is not None
        if not enabled:
            return None, None
        if opts.baseline_file is not None:
            name = ctx.relative(opts.baseline_file)
            trusted = files.file(name) if files.base is not None else opts.baseline_file
            if trusted is None:
                raise GateError(f"{OPTION_PREFIX}.baseline-file: {name} is not on the base commit "
                                f"{files.base.sha[:12] if files.base else ''}: a pull request cannot bring its own "
                                "baseline; commit it to the base branch first")
            notes.append(f"Baseline: `{name}` from {files.origin}; only findings missing from it block.")
            return load_baseline(trusted), name
        sha = ctx.github.base_sha
        if not sha:
            notes.append("new-findings-only is on but there is no baseline (not a pull request and no "
                         f"{OPTION_PREFIX}.baseline-file): every finding counts.")
            return None, None
        paths = sorted({issue.path for issue in scan.issues if not issue.is_parse_error}
                       | set(move_sources(ctx.workspace.resolve(), sha)))  # renamed / moved code is old
        tree = materialise(ctx.workspace.resolve(), sha, paths, ctx.work_dir / "base")
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


def _base_inputs(ctx: GateContext) -> BaseInputs | None:
    """The pull request's base commit to read the gate's own inputs from (None outside pull requests)."""
    sha = ctx.github.base_sha
    if not sha:
        return None
    try:
        return BaseInputs.open(ctx.workspace, sha)
    except GitUnavailable as exc:
        raise GitUnavailable(f"code-security reads its config, suppressions and baseline from the pull request's "
                             f"base commit, which cannot be read here: {exc}") from None


def _trust_notes(files: ConfigFiles, defaults: list[DefaultExcludes]) -> list[str]:
    """What the report should say about inputs taken from the base commit or not excluded."""
    notes = []
    if files.changed:
        notes.append("This change edits " + ", ".join(f"`{name}`" for name in files.changed)
                     + f": the gate used the version on {files.origin}; the edit takes effect after merge.")
    for found in defaults:
        if found.scanned_anyway:
            notes.append("Scanned although excluded by default, because this change adds or edits files in them: "
                         + ", ".join(f"`{d}`" for d in found.scanned_anyway))
    return notes


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


def _fixed_metrics(baseline: list[str] | None, baselined: int) -> dict[str, int]:
    """The committed baseline's findings and how many of them are gone from the head (for "what
    changed since the base"); nothing without a baseline. A loose (moved-code) key doubles an
    entry: not counted. Not for the base-commit scan, which sees only the files that still have
    findings: a fix elsewhere (a deleted file) would go uncounted, so no number is given."""
    if baseline is None:
        return {}
    on_base = sum(1 for fp in baseline if not fp.startswith(LOOSE_PREFIX))
    return {"base_findings": on_base, "fixed": max(0, on_base - baselined)}
