"""Combine the report.json files of all shards into one run: one verdict, one summary.

Fails closed: a missing shard, a duplicate, a corrupt or foreign report is an error; a gate
that no shard checked anything for fails; findings seen by several shards count once.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from gates.errors import GateError, UsageError
from gates.model import GateResult, RunResult, Status
from gates.reporters.serialize import SCHEMA_VERSION, gate_from_dict


def find_reports(directory: Path) -> list[Path]:
    """Every report.json below ``directory`` (artifact downloads nest one folder per shard)."""
    if not directory.is_dir():
        raise UsageError(f"reports directory not found: {directory}")
    return sorted(directory.rglob("report.json"))


def load_shard(path: Path) -> RunResult:
    """Read one shard's report; anything malformed is an error naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"schema {data.get('schema')!r} is not {SCHEMA_VERSION}")
        gates = tuple(gate_from_dict(g) for g in data["gates"])
        return RunResult(gates=gates, duration_s=float(data.get("duration_s", 0)), workspace=str(data["workspace"]),
                         config_source=str(data.get("config", "")), shard=data.get("shard"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GateError(f"corrupt shard report {path}: {exc}") from None


def merge_runs(runs: list[tuple[Path, RunResult]]) -> RunResult:
    """The merged run; every shard i/n of one n must be present exactly once."""
    if not runs:
        raise GateError("no shard reports found: did every shard upload its report.json?")
    counts = set()
    seen: dict[int, Path] = {}
    for path, run in runs:
        if run.shard is None:
            raise GateError(f"{path} is not a shard report (run with --shard i/n)")
        index, count = (int(x) for x in run.shard.split("/"))
        counts.add(count)
        if index in seen:
            raise GateError(f"shard {run.shard} appears twice: {seen[index]} and {path}")
        seen[index] = path
    if len(counts) != 1:
        raise GateError(f"shard reports disagree on the number of shards: {sorted(counts)}")
    (count,) = counts
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
    if missing:
        raise GateError(f"missing shard report(s): {', '.join(missing)}; a shard that did not report never passes")
    names = [g.name for g in runs[0][1].gates]
    merged = tuple(_merge_gate([next(g for g in run.gates if g.name == name) for _, run in runs]) for name in names)
    first = runs[0][1]
    return RunResult(gates=merged, duration_s=max(run.duration_s for _, run in runs), workspace=first.workspace,
                     config_source=first.config_source, shard=None)


def _merge_gate(parts: list[GateResult]) -> GateResult:
    statuses = {p.status for p in parts}
    findings, fingerprints = [], set()
    for part in parts:
        for finding in part.findings:
            if finding.fingerprint not in fingerprints:
                fingerprints.add(finding.fingerprint)
                findings.append(finding)
    checked = sum(int(p.metrics.get("checked", 0) or 0) for p in parts)
    ran = [p for p in parts if p.status is not Status.SKIPPED or p.metrics.get("checked") == 0]
    base = ran[0] if ran else parts[0]
    summaries = "; ".join(dict.fromkeys(p.summary for p in parts if p.status is not Status.SKIPPED))
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    details = "\n\n".join(p.details for p in parts if p.details)
    merged = replace(base, findings=tuple(findings), notes=notes, details=details,
                     duration_s=max(p.duration_s for p in parts),
                     metrics={**base.metrics, "checked": checked, "shards": len(parts)})
    if Status.ERROR in statuses:
        return replace(merged, status=Status.ERROR, summary=summaries)
    if Status.FAILED in statuses:
        return replace(merged, status=Status.FAILED, summary=summaries)
    if statuses == {Status.SKIPPED}:
        shard_skips = [p for p in parts if p.metrics.get("checked") == 0]
        if shard_skips and checked == 0:
            return replace(merged, status=Status.FAILED, summary="checked nothing in any shard")
        return replace(merged, status=Status.SKIPPED, summary=parts[0].summary)
    return replace(merged, status=Status.PASSED, summary=summaries or base.summary)
