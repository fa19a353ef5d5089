"""Gate ``model-integrity``: model artifacts are the approved ones and carry no code.

Two checks over the model paths (default ``models/``):
  1. integrity: hashes from a manifest (lock) or a model_signing signature, trusted as in
     :mod:`gates.manifest.trust`; without either, each path gets a MODEL-UNPINNED finding;
  2. the static scanner (:mod:`gates.scanner`) over every file under the paths (formats are
     detected by content); its findings pass through unchanged. Options: ``allow-globals``,
     ``allow-presets`` (curated class lists), ``unknown-global-severity`` and ``not-scanned``
     (``block``, the default: a file the scanner cannot judge is a high MODEL-NOT-SCANNED
     finding that fails the gate; ``warn``: the same finding at info).
"""

from __future__ import annotations

from pathlib import Path

from gates.errors import ConfigError, GateError
from gates.fingerprint import fingerprints
from gates.manifest.findings import build_findings
from gates.manifest.integrity import (
    ManifestGate,
    as_list,
    details_markdown,
    metrics_for,
    run_checks,
    trust_text,
    workspace_path,
)
from gates.manifest.model import Algorithm, TrustLevel, VerifyReport
from gates.manifest.signature import library_version
from gates.manifest.walk import collect, relative_scope
from gates.model import Checked, Finding, Outcome, Severity, Skipped
from gates.plugins.base import GateContext

DEFAULT_PATHS = ("models",)
DEFAULT_MANIFESTS = ("models.sha256", "models.manifest.json")


class ModelIntegrityGate(ManifestGate):
    """Model artifacts are the approved ones and carry no code."""

    name = "model-integrity"
    title = "Model integrity"
    tool = "model-scanner"
    default_manifests = DEFAULT_MANIFESTS

    def run(self, ctx: GateContext) -> Outcome:
        """Verify hashes or signature of the model files, then scan every one of them."""
        paths = as_list(ctx.option("paths"))
        if not paths:
            paths = [p for p in DEFAULT_PATHS if (ctx.workspace / p).exists()]
            if not paths:
                return Skipped("no model paths: set model-integrity.paths (no models/ directory here)")
        absolute = [workspace_path(ctx, p) for p in paths]
        for given, path in zip(paths, absolute):
            if not path.exists():
                raise ConfigError(f"model path {given} does not exist", key="model-integrity.paths")
        manifests = self.manifests(ctx)
        findings: list[Finding] = []
        results = []
        versions: dict[str, str] = {}
        if manifests or ctx.option("signature"):
            signed = None
            if ctx.option("signature") and not manifests and not ctx.option("signed-path"):
                if len(paths) != 1:
                    raise ConfigError("with several model paths, say which one the signature covers",
                                      key="model-integrity.signed-path")
                root = workspace_path(ctx, ctx.option("root", "."))
                signed = relative_scope(absolute, root)[0]
            # one manifest must pin everything under the paths; several each cover their own scope
            scope = paths if len(manifests) <= 1 else []
            results = run_checks(ctx, "MODEL", manifests, scope_paths=scope, signed_path=signed)
            findings.extend(f for r in results for f in r.findings)
            if ctx.option("signature"):
                versions["model_signing"] = library_version()
        else:
            findings.extend(_unpinned(paths))
        scanned, scan_findings, scanner_version = self._scan(ctx, absolute, report_problems=not results)
        findings.extend(scan_findings)
        if scanner_version:
            versions["scanner"] = scanner_version
        hashed = sum(r.checked for r in results)
        trust = trust_text(results) if results else "not pinned"
        summary = (f"{scanned} model file(s) scanned, {hashed} file hash check(s) ({trust}): "
                   + (f"{len(findings)} finding(s)" if findings else "all match and none can run code"))
        details = details_markdown(results) if results else (
            "No manifest or signature pins these files: `secure-ai-gates manifest create` or `model_signing sign`.")
        metrics = {**metrics_for(results), "files_scanned": scanned}
        return Checked(tuple(findings), max(scanned, hashed), summary, details, metrics, versions)

    def _scan(self, ctx: GateContext, paths: list[Path], *, report_problems: bool) -> tuple[int, list[Finding], str]:
        """Scan every listable file; symlinks leaving the workspace are never opened.

        ``report_problems``: turn listing problems into findings (when no manifest check did).
        """
        try:
            from gates.scanner import ScanPolicy, scan_paths
        except ImportError as exc:
            raise GateError(f"the model scanner is not available ({exc})") from None
        scope = relative_scope(paths, ctx.workspace)
        tree = collect(scope, ctx.workspace)
        problems: list[Finding] = []
        if report_problems and tree.problems:
            problems = build_findings("MODEL", VerifyReport(Algorithm.SHA256, problems=tree.problems), None, (),
                                      TrustLevel.WORKING_TREE, root_rel="", manifest_rel=None, tool=self.name)
        files = ctx.select_shard([f.path for f in tree.files], key=ctx.relative)
        unknown = ctx.option("unknown-global-severity")
        not_scanned = ctx.option("not-scanned", "block")
        try:
            policy = ScanPolicy(extra_allowed=frozenset(as_list(ctx.option("allow-globals"))),
                                unknown_global_severity=Severity.parse(unknown) if unknown else Severity.HIGH,
                                presets=frozenset(as_list(ctx.option("allow-presets"))),
                                not_scanned_severity=Severity.HIGH if not_scanned == "block" else Severity.INFO)
        except ValueError as exc:
            raise ConfigError(str(exc), key="model-integrity.allow-presets") from None
        ctx.log(f"{self.name}: scanning {len(files)} file(s) statically")
        report = scan_paths(files, root=ctx.workspace, policy=policy)
        from gates import __version__

        return report.files_scanned, [*problems, *report.findings], __version__


def _unpinned(paths: list[str]) -> list[Finding]:
    rule = "MODEL-UNPINNED"
    prints = fingerprints([(rule, p, "unpinned") for p in paths])
    return [Finding(rule_id=rule, severity=Severity.HIGH, fingerprint=fp, path=p, title="Model files not pinned",
                    message=f"{p}: no manifest or signature says which model files are approved; create one with "
                            "`secure-ai-gates manifest create` (option manifest) or sign with model_signing "
                            "(options signature, public-key)", tool="manifest")
            for p, fp in zip(paths, prints)]
