"""Gate ``data-integrity``: training and evaluation data are exactly what was approved.

Every file under the manifest's paths is hashed and compared with the expected hashes, which
come from the strongest available source (a signature, the base branch, the working tree;
see :mod:`gates.manifest.trust`). The summary names the trust level the gate ran with.
"""

from __future__ import annotations

from gates.manifest.integrity import ManifestGate, as_list, details_markdown, metrics_for, run_checks, trust_text
from gates.manifest.signature import library_version
from gates.model import Checked, Outcome, Skipped
from gates.plugins.base import GateContext

DEFAULT_MANIFESTS = ("data.sha256", "data.manifest.json")


class DataIntegrityGate(ManifestGate):
    """Training and evaluation data are exactly what was approved."""

    name = "data-integrity"
    title = "Training-data integrity"
    tool = "manifest"
    default_manifests = DEFAULT_MANIFESTS

    def run(self, ctx: GateContext) -> Outcome:
        """Verify the data against each configured (or default) manifest."""
        manifests = self.manifests(ctx)
        if not manifests and not ctx.option("signature"):
            return Skipped("no data manifest: set data-integrity.manifest or create "
                           f"{' / '.join(DEFAULT_MANIFESTS)} with `secure-ai-gates manifest create`")
        results = run_checks(ctx, "DATA", manifests, scope_paths=as_list(ctx.option("paths")))
        findings = tuple(f for r in results for f in r.findings)
        checked = sum(r.checked for r in results)
        summary = (f"{checked} files against {len(results)} manifest(s), {trust_text(results)}: "
                   + (f"{len(findings)} finding(s)" if findings else "all files match"))
        versions = {"model_signing": library_version()} if ctx.option("signature") else {}
        return Checked(findings, checked, summary, details_markdown(results), metrics_for(results), versions)
