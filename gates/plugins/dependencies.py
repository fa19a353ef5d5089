"""Gate ``dependencies``: no dependency with a known vulnerability (pip-audit, safety).

Audits requirements files, lock files (``uv.lock``, ``poetry.lock``, ``Pipfile.lock``,
``pylock.toml``), the ``pip:`` section of a conda ``environment.yml``, ``pyproject.toml`` or an
installed environment with pip-audit's JSON output (a complete lock as pinned, anything else
resolved with its transitive dependencies, and the summary says which), optionally safety as a
second source, and merges what they report by vulnerability id and alias. Each finding names the
package, installed version, ids, fix versions and the advisory's severity, and sits on the
requirement line that pins the package.

Offline: ``advisory-db: DIR`` makes the gate load a local OSV advisory database (the PyPA
advisory-database layout), serve it on ``127.0.0.1:<free port>`` in-process and point
pip-audit at it; ``osv-url`` points pip-audit at a mirror started elsewhere
(``secure-ai-gates osv-mirror --db DIR``). A missing database, an unreachable service or a
failed audit (after bounded retries) ends the gate in error: it never passes by default.

On a pull request an ``advisory-db`` inside the checkout is part of the change under review:
the gate loads the base commit's copy (written to scratch from git objects) instead, and an
edit to it is an ``advisory-db-changed`` finding. A database the base commit does not have is
an error: a pull request cannot bring its own advisories.
A lock that does not satisfy its manifest (``lock-out-of-date``) or, on a pull request, an
audited lock the change deletes while its manifest stays (``lock-file-removed``) is a high
finding (:mod:`gates.osv.lock_check`): the lock is what is audited, so it must be the tree.
A CycloneDX 1.5 SBOM of the audited packages and their vulnerabilities is written to
``sbom.cdx.json`` in the report directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from gates.backoff import retry_delay
from gates.base_inputs import BaseInputs
from gates.errors import GateError
from gates.fingerprint import fingerprints
from gates.model import Checked, Finding, Outcome, Severity
from gates.osv import lock_check, pipaudit, safety, sbom
from gates.osv.findings import SeverityLookup, merge, to_findings
from gates.osv.loader import LoadedDatabase, load_database
from gates.osv.pipaudit import AuditedDependency
from gates.osv.plan import DEFAULT_LOCK_FILES, AuditPlan, plan
from gates.osv.server import OsvApi, RunningMirror
from gates.osv.sources import AuditSource, SourceKind
from gates.plugins.base import Gate, GateContext

UNAUDITED = "unaudited-dependency"
DB_CHANGED = "advisory-db-changed"
PROBE = {"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "0.0.0.dev0"}


class DependenciesGate(Gate):
    """No dependency with a known vulnerability (pip-audit, safety)."""

    name = "dependencies"
    title = "Dependency vulnerabilities"
    tool = "pip-audit"
    default_fail_on = Severity.LOW
    default_timeout_s = 600.0

    def run(self, ctx: GateContext) -> Outcome:  # noqa: D102 - see the class docstring
        audit_plan = plan(ctx.options, ctx.workspace)
        versions = {"pip-audit": pipaudit.version()}  # raises ToolError when pip-audit is missing
        if audit_plan.safety:
            safety.preflight(audit_plan.safety_db, audit_plan.safety_key_env)  # before anything runs
        if not audit_plan.sources:
            return Checked((), 0, "no dependency source found (requirements*.txt, uv.lock, poetry.lock, "
                                  "Pipfile.lock, pylock*.toml, environment.yml, pyproject.toml with [project] "
                                  "dependencies); configure 'requirements' or 'environment'",
                           tool_versions=versions)
        with _service(ctx, audit_plan) as (osv_url, database):
            if osv_url and database is None:
                _probe(osv_url, audit_plan, ctx)
            reports = self._audit(ctx, audit_plan, osv_url)
            reported = [(r.source, dep, "pip-audit") for r in reports for dep in r.dependencies]
            if audit_plan.safety:
                reported += self._safety(ctx, audit_plan)
                versions["safety"] = safety.version()
            lookup = SeverityLookup(audit_plan.default_severity, index=database.index if database else None,
                                    osv_base=None if database else audit_plan.osv_base,
                                    timeout=audit_plan.request_timeout)
            findings = (to_findings(merge(reported, lookup), lookup) + _skipped_findings(reports)
                        + _db_changed(ctx, audit_plan))
        where = database.snapshot.describe() if database else (osv_url or "PyPI JSON API")
        audited = [(d.name, d.version, r.source.label) for r in reports for d in r.dependencies if d.version]
        written = sbom.write(ctx.report_dir, audited, [f for f in findings if f.rule_id != UNAUDITED])
        result = _result(findings, reports, where, lookup, database, versions, audit_plan.notes)
        locks = lock_check.stale_findings(audit_plan.sources, ctx.workspace) + _pull_request_locks(ctx, audit_plan)
        summary = result.summary + (f"; {len(locks)} lock file problem(s): "
                                    + ", ".join(sorted({f.rule_id for f in locks})) if locks else "")
        return dataclasses.replace(result, findings=result.findings + tuple(locks), summary=summary,
                                   metrics={**result.metrics, "sbom": ctx.relative(written)})

    def _audit(self, ctx: GateContext, audit_plan: AuditPlan, osv_url: str | None) -> list[pipaudit.AuditReport]:
        """Run pip-audit on every source, in order."""
        settings = pipaudit.ServiceSettings(audit_plan.service, osv_url, audit_plan.request_timeout,
                                            audit_plan.index_url, audit_plan.retries)
        reports = []
        for source in audit_plan.sources:
            if ctx.cancelled.is_set():
                raise GateError("cancelled before every dependency source was audited")
            ctx.log(f"dependencies: auditing {source.label}")
            reports.append(pipaudit.audit(source, settings, ctx.work_dir, log=ctx.log,
                                          remaining=lambda: ctx.remaining(self.default_timeout_s)))
        return reports

    def _safety(self, ctx: GateContext, audit_plan: AuditPlan) -> list[tuple[AuditSource, AuditedDependency, str]]:
        """Run safety on every requirements file (the only input its legacy command reads)."""
        out = []
        for source in audit_plan.sources:
            if source.kind is SourceKind.REQUIREMENTS:
                deps = safety.run_safety(source, timeout=ctx.remaining(self.default_timeout_s),
                                         db=audit_plan.safety_db, key_env=audit_plan.safety_key_env)
                out += [(source, dep, "safety") for dep in deps]
        return out


def _result(findings: list[Finding], reports: list[pipaudit.AuditReport], where: str, lookup: SeverityLookup,
            database: LoadedDatabase | None, versions: dict[str, str], notes: tuple[str, ...] = ()) -> Checked:
    """The gate's outcome: counts, summary, metrics and details."""
    audited = {(d.name, d.version) for r in reports for d in r.dependencies if d.version is not None}
    vulns = [f for f in findings if f.rule_id != UNAUDITED]
    vulnerable = {(f.package, f.properties.get("installed_version")) for f in vulns}
    summary = (f"{len(vulns)} known vulnerabilit{'y' if len(vulns) == 1 else 'ies'} in {len(vulnerable)} of "
               f"{len(audited)} dependencies" if vulns else f"no known vulnerability in {len(audited)} dependencies")
    resolved = sum(1 for r in reports if not r.source.pinned and r.source.kind is not SourceKind.ENVIRONMENT)
    locked = sum(1 for r in reports if r.source.pinned)
    how = ", ".join(part for part in (f"{locked} complete lock(s) audited as pinned" if locked else "",
                                      f"{resolved} resolved with pip, transitive dependencies included"
                                      if resolved else "") if part)
    summary += f" from {len(reports)} source(s){f' ({how})' if how else ''}; advisories: {where}"
    metrics: dict[str, object] = {
        "dependencies": len(audited), "vulnerabilities": len(vulns), "vulnerable_packages": len(vulnerable),
        "sources": [r.source.label for r in reports], "pip_audit_seconds": round(sum(r.duration_s for r in reports), 3),
        "severity_lookup_failures": len(lookup.failures)}
    if database:
        metrics["advisory_db"] = database.snapshot.as_dict()
        metrics["advisory_db_load_seconds"] = round(database.load_seconds, 3)
    metrics["audited_as"] = {r.source.label: r.source.how for r in reports}
    details = _details(findings, reports, lookup) + "".join(f"\n\n{note}" for note in notes)
    return Checked(tuple(findings), len(audited), summary, details, metrics, versions)


@contextlib.contextmanager
def _service(ctx: GateContext, audit_plan: AuditPlan) -> Iterator[tuple[str | None, LoadedDatabase | None]]:
    """Yield the OSV query URL to use (a mirror started here for ``advisory-db``) and the database."""
    if audit_plan.advisory_db is None:
        yield audit_plan.osv_url, None
        return
    ctx.log(f"dependencies: loading advisory database {audit_plan.advisory_db}")
    database = load_database(_trusted_db(ctx, audit_plan.advisory_db))
    with RunningMirror(OsvApi(database.index, database.snapshot)) as mirror:
        ctx.log(f"dependencies: OSV mirror on {mirror.server.base_url} ({database.snapshot.describe()})")
        yield mirror.server.query_url, database


def _db_in_checkout(ctx: GateContext, db: Path) -> tuple[BaseInputs, str] | None:
    """On a pull request, the base commit and the workspace path of an advisory DB inside the checkout."""
    if not ctx.github.base_sha:
        return None
    base = BaseInputs.open(ctx.workspace, ctx.github.base_sha)
    for candidate in (Path(os.path.normpath(db)), Path(os.path.realpath(db))):
        root = base.workspace
        if candidate == root or root in candidate.parents:
            return base, candidate.relative_to(root).as_posix() or "."
    return None


def _trusted_db(ctx: GateContext, db: Path) -> Path:
    """The advisory DB to load: the base commit's copy when it lies in the checkout of a pull request."""
    found = _db_in_checkout(ctx, db)
    if found is None:
        return db
    base, rel = found
    written = base.materialise([rel], ctx.work_dir / "base-advisory-db")
    if not written:
        raise GateError(f"advisory-db {rel} is not on the base commit {base.sha[:12]}: a pull request cannot bring "
                        "its own advisory database; commit it to the base branch first")
    ctx.log(f"dependencies: advisory database {rel} read from the base commit {base.sha[:12]}")
    return ctx.work_dir / "base-advisory-db" / rel


def _pull_request_locks(ctx: GateContext, audit_plan: AuditPlan) -> list[Finding]:
    """On a pull request: audited lock files of the base commit that the change deletes (manifest kept), and
    packages it moves from an environment file's audited pip section to the conda packages."""
    if not ctx.github.base_sha:
        return []
    base = BaseInputs.open(ctx.workspace, ctx.github.base_sha)
    return (lock_check.removed_findings(base, ctx.options, DEFAULT_LOCK_FILES, ctx.workspace)
            + lock_check.moved_to_conda_findings(base, audit_plan.sources, ctx.workspace))


def _db_changed(ctx: GateContext, audit_plan: AuditPlan) -> list[Finding]:
    """A finding when the pull request edits the in-repo advisory DB (the base copy was used)."""
    found = _db_in_checkout(ctx, audit_plan.advisory_db) if audit_plan.advisory_db else None
    if found is None:
        return []
    base, rel = found
    changed = base.changed([rel])
    if not changed:
        return []
    (fp,) = fingerprints([(DB_CHANGED, rel, "")])
    return [Finding(DB_CHANGED, Severity.HIGH, f"this change edits the in-repo advisory database {rel} "
                    f"({len(changed)} file(s), e.g. {changed[0]}); the base commit's copy was used: update the "
                    "database on the base branch", fp, path=rel, tool="pip-audit", title="advisory database changed")]


def _probe(osv_url: str, audit_plan: AuditPlan, ctx: GateContext) -> None:
    """Check that the OSV service answers before running pip-audit (bounded retries)."""
    cause = ""
    attempts = audit_plan.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            timeout = ctx.remaining(audit_plan.request_timeout)  # a name: bandit's B113 misreads a call here
            response = requests.post(osv_url, json=PROBE, timeout=timeout)
            if response.status_code == 200:
                return
            cause = f"HTTP {response.status_code}: {response.text[:200]}"
        except requests.RequestException as exc:
            cause = f"{exc.__class__.__name__}: {exc}"
        if attempt < attempts:
            time.sleep(retry_delay(attempt, base_s=0.5, cap_s=4.0))
    raise GateError(f"the OSV service {osv_url} is unreachable after {attempts} attempt(s) ({cause[:400]}); "
                    "start a mirror (secure-ai-gates osv-mirror --db DIR) or set advisory-db")


def _skipped_findings(reports: list[pipaudit.AuditReport]) -> list[Finding]:
    """An info finding for each dependency pip-audit could not audit (URL or editable requirements)."""
    items = [(r.source, d) for r in reports for d in r.dependencies if d.skip_reason]
    items += [(r.source, AuditedDependency(name, None, skip_reason=reason))
              for r in reports for name, reason in r.source.not_audited]
    prints = fingerprints((UNAUDITED, s.label, d.name) for s, d in items)
    out = []
    for (source, dep), fp in zip(items, prints):
        where = source.location(dep.name)
        out.append(Finding(UNAUDITED, Severity.INFO, f"{dep.name} was not audited: {dep.skip_reason}",
                           fp, path=where.path if where else None, line=where.line if where else None,
                           tool="pip-audit", title="dependency not audited", package=dep.name))
    return out


def _details(findings: list[Finding], reports: list[pipaudit.AuditReport], lookup: SeverityLookup) -> str:
    """Markdown: what was audited, a table of vulnerabilities, what could not be audited."""
    lines = ["Audited: " + ", ".join(
        f"`{r.source.label}` ({sum(1 for d in r.dependencies if d.version)} deps; {r.source.how})" for r in reports)]
    vulns = [f for f in findings if f.rule_id != UNAUDITED]
    if vulns:
        lines += ["", "| package | version | vulnerability | aliases | smallest fix | severity | declared at |",
                  "|---|---|---|---|---|---|---|"]
        for f in sorted(vulns, key=lambda f: (-f.severity.rank, f.package or "", f.rule_id)):
            place = f"{f.path}:{f.line}" if f.path and f.line else (f.path or "environment")
            lines.append(f"| {f.package} | {f.properties.get('installed_version')} | [{f.rule_id}]({f.help_uri}) | "
                         f"{', '.join(f.aliases) or '-'} | {(f.properties.get('fix_versions') or ['-'])[0]} | "
                         f"{f.severity.value} ({f.properties.get('severity_source')}) | `{place}` |")
        upgrades = sorted({(f.package or "", str(f.properties.get("upgrade_to"))) for f in vulns
                           if f.properties.get("upgrade_to")})
        if upgrades:
            lines += ["", "One upgrade per package (as `pip-audit --fix` would pick): "
                      + ", ".join(f"`{name}=={version}`" for name, version in upgrades)]
    skipped = [f for f in findings if f.rule_id == UNAUDITED]
    if skipped:
        lines += ["", "Not audited: " + "; ".join(f.message for f in skipped)]
    if any(f.properties.get("severity_source") == "default" for f in vulns):
        lines += ["", "Severity `default`: the advisory states no CVSS v3 score or severity label, so the gate's "
                      "`default-severity` applies (high unless configured)."]
    if lookup.failures:
        lines += ["", f"Severity lookups that failed (default severity applied): {', '.join(lookup.failures[:10])}"]
    return "\n".join(lines)
