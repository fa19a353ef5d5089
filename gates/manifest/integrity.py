"""The integrity check shared by the data-integrity and model-integrity gates.

Reads the trust options of a gate section, resolves each manifest's expected hashes
(:mod:`gates.manifest.trust`), verifies the tree and returns findings plus a Markdown block
that says which trust level each manifest ran with. :class:`ManifestGate` is what the two
gates have in common as gates: their limits and how they find their manifests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from gates.errors import ConfigError
from gates.manifest.findings import build_findings
from gates.manifest.model import TrustLevel
from gates.manifest.trust import Expected, TrustOptions, resolve
from gates.manifest.verify import verify_tree
from gates.manifest.walk import relative_scope
from gates.model import Finding
from gates.plugins.base import Gate, GateContext


@dataclass(frozen=True)
class CheckResult:
    """One manifest (or signature) checked."""

    label: str
    level: TrustLevel
    source: str
    findings: tuple[Finding, ...]
    checked: int
    notes: tuple[str, ...]


def as_list(value: Any) -> list[str]:
    """A string-or-list option as a list of strings."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def workspace_path(ctx: GateContext, value: str) -> Path:
    """An option path made absolute (relative ones are relative to the workspace)."""
    path = Path(value)
    return path if path.is_absolute() else ctx.workspace / path


def base_rev(ctx: GateContext) -> str | None:
    """The commit the trusted manifest is read from: the PR's base commit, else option ``base-ref``.

    On a pull request the event's base commit always wins: a ref name resolves in the checkout,
    which the change under review may have shaped.
    """
    return ctx.github.base_sha or ctx.option("base-ref")


def run_checks(ctx: GateContext, prefix: str, manifests: Sequence[Path], *, scope_paths: Sequence[str] = (),
               signed_path: str | None = None) -> list[CheckResult]:
    """Check every manifest (or one signature over ``signed_path`` when no manifest is given).

    ``scope_paths`` (workspace-relative) is where unexpected files are looked for; empty means
    what each manifest records (or infers).
    """
    root = workspace_path(ctx, ctx.option("root", "."))
    if not root.is_dir():
        raise ConfigError(f"root {ctx.option('root')} is not a directory", key=f"{ctx.name}.root")
    required = TrustLevel(ctx.option("trust", TrustLevel.WORKING_TREE.value))
    signature = ctx.option("signature")
    if signature and len(manifests) > 1 and not (ctx.option("signed-path") or signed_path):
        raise ConfigError("a signature covers one manifest or one directory: list a single manifest "
                          "or set signed-path", key=f"{ctx.name}.signature")
    scope = relative_scope([workspace_path(ctx, p) for p in scope_paths], root) if scope_paths else None
    sig_path = workspace_path(ctx, signature) if signature else None
    key_path = workspace_path(ctx, ctx.option("public-key")) if ctx.option("public-key") else None
    covered = ctx.option("signed-path") or signed_path
    plan: list[TrustOptions] = []
    if sig_path is not None and covered and manifests and covered != os.path.relpath(manifests[0], root):
        # the signature covers the directory and a lock names the same files: check both; the
        # signature satisfies the required level, the lock runs at whatever level it can get
        plan.append(TrustOptions(required, None, sig_path, key_path, covered, base_rev(ctx)))
        plan.extend(TrustOptions(TrustLevel.WORKING_TREE, m, None, None, None, base_rev(ctx)) for m in manifests)
    else:
        todo: list[Path | None] = list(manifests) or [None]
        plan.extend(TrustOptions(required, m, sig_path, key_path, covered, base_rev(ctx)) for m in todo)
    # the trust material itself (every manifest, the signature, the key) is never "unexpected"
    own = tuple(os.path.relpath(p, root) for p in (*manifests, sig_path, key_path) if p is not None)
    results = []
    for opts in plan:
        expected = resolve(opts, root, ctx.workspace, ctx.work_dir)
        results.append(_verify(ctx, prefix, root, expected, opts.manifest, scope, (*expected.exclude, *own)))
    return results


def _verify(ctx: GateContext, prefix: str, root: Path, expected: Expected, manifest: Path | None,
            scope: tuple[str, ...] | None, exclude: tuple[str, ...]) -> CheckResult:
    report = None
    if expected.manifest is not None:
        ctx.log(f"{ctx.name}: verifying {len(expected.manifest.entries)} files against {expected.source}")
        shard = ctx.shard
        report = verify_tree(expected.manifest, root, scope=scope, exclude=tuple(Path(e).as_posix() for e in exclude),
                             workers=ctx.option("workers"), cancel=ctx.cancelled,
                             owns=shard.owns if shard is not None else None)
    root_rel = ctx.relative(root)
    root_rel = "" if root_rel == "." else root_rel
    manifest_rel = ctx.relative(manifest) if manifest else None
    findings = build_findings(prefix, report, expected.manifest, expected.issues, expected.level,
                              root_rel=root_rel, manifest_rel=manifest_rel, tool=ctx.name)
    checked = report.checked if report is not None else 1
    label = manifest_rel or f"signature {ctx.option('signature')}"
    return CheckResult(label, expected.level, expected.source, tuple(findings), checked, expected.notes)


def details_markdown(results: Sequence[CheckResult]) -> str:
    """A table of manifests with their trust level, files checked and findings."""
    lines = ["| manifest | trust level | source | files | findings |", "|---|---|---|---:|---:|"]
    for r in results:
        lines.append(f"| `{r.label}` | **{r.level.value}** | {r.source} | {r.checked} | {len(r.findings)} |")
    notes = sorted({n for r in results for n in r.notes})
    if notes:
        lines.append("")
        lines.extend(f"- {n}" for n in notes)
    return "\n".join(lines)


def weakest(results: Sequence[CheckResult]) -> TrustLevel:
    """The weakest trust level any manifest ran with (what the gate as a whole proves)."""
    return min((r.level for r in results), key=lambda level: level.rank)


def trust_text(results: Sequence[CheckResult]) -> str:
    """'trust level X' for one level, 'trust levels X + Y' when checks ran at several."""
    levels = sorted({r.level for r in results}, key=lambda level: -level.rank)
    if len(levels) == 1:
        return f"trust level {levels[0].value}"
    return "trust levels " + " + ".join(level.value for level in levels)


class ManifestGate(Gate):
    """A gate that hashes files against manifests: long-running, split across shards, default manifest names."""

    default_timeout_s = 1800.0
    shardable = True  # each shard hashes its share of the manifest's files
    default_manifests: ClassVar[tuple[str, ...]] = ()

    def manifests(self, ctx: GateContext) -> list[Path]:
        """The manifests of option ``manifest``, else those of :attr:`default_manifests` that exist."""
        return [workspace_path(ctx, m) for m in as_list(ctx.option("manifest"))] or exists_any(
            ctx, self.default_manifests)


def exists_any(ctx: GateContext, candidates: Sequence[str]) -> list[Path]:
    """The default files among ``candidates`` that exist in the workspace."""
    return [ctx.workspace / c for c in candidates if os.path.isfile(ctx.workspace / c)]


def metrics_for(results: Sequence[CheckResult]) -> Mapping[str, Any]:
    """Metrics for report.json."""
    return {"files_checked": sum(r.checked for r in results),
            "trust": {r.label: r.level.value for r in results},
            "trust_weakest": weakest(results).value if results else None}
