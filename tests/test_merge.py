"""Merging shard reports: one verdict; a missing, duplicate or corrupt shard is an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.config.run_config import Config, PlannedGate
from gates.config.settings import GitHubEnv, Shard
from gates.errors import GateError
from gates.merge import find_reports, load_shard, merge_runs
from gates.model import Checked, Outcome, Status
from gates.plugins.base import Gate, GateContext
from gates.reporters.serialize import run_to_dict
from gates.runner import RunRequest, run_gates
from tests.support.fake_gates import FAKE_GATES, finding

ITEMS = [f"probe-{i}" for i in range(12)]


class ShardedGate(Gate):
    """Checks its share of twelve items; items 3 and 7 are bad."""

    name, title, tool = "sharded", "Sharded", "fake"
    shardable = True

    def run(self, ctx: GateContext) -> Outcome:
        mine = ctx.select_shard(ITEMS)
        bad = tuple(
            finding("P1", path=None, line=int(item[6:]), probe=item) for item in mine if item in ("probe-3", "probe-7")
        )
        return Checked(findings=bad, checked=len(mine), summary=f"{len(mine)} probes")


class NothingGate(Gate):
    """Shardable, but there is nothing to split."""

    name, title, tool = "nothing", "Nothing", "fake"
    shardable = True

    def run(self, ctx: GateContext) -> Outcome:
        return Checked(findings=(), checked=len(ctx.select_shard([])), summary="no files")


LOOKUP = {**FAKE_GATES, "sharded": ShardedGate, "nothing": NothingGate}


def _shard(tmp_path: Path, index: int, count: int, names: tuple[str, ...]) -> Path:
    plan = [PlannedGate(n, run=True, explicit=False) for n in names]
    request = RunRequest(workspace=tmp_path, report_dir=tmp_path, config=Config(), plan=plan, github=GitHubEnv(),
                         shard=Shard(index, count))
    result = run_gates(request, lookup=LOOKUP.__getitem__)
    path = tmp_path / "shards" / f"shard-report-{index}" / "report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run_to_dict(result)))
    return path


def _merge(tmp_path: Path):
    return merge_runs([(p, load_shard(p)) for p in find_reports(tmp_path / "shards")])


def test_three_shards_make_one_verdict(tmp_path: Path) -> None:
    for i in (1, 2, 3):
        _shard(tmp_path, i, 3, ("sharded", "passing"))
    merged = _merge(tmp_path)
    gates = {g.name: g for g in merged.gates}
    assert gates["sharded"].status is Status.FAILED
    assert sorted(f.probe for f in gates["sharded"].findings) == ["probe-3", "probe-7"]
    assert gates["sharded"].metrics["checked"] == 12
    # a gate that does not split runs in shard 1 only, and counts once
    assert gates["passing"].status is Status.PASSED and gates["passing"].metrics["checked"] == 3
    assert merged.status is Status.FAILED and merged.shard is None


def test_missing_shard_is_an_error(tmp_path: Path) -> None:
    _shard(tmp_path, 1, 3, ("passing",))
    _shard(tmp_path, 3, 3, ("passing",))
    with pytest.raises(GateError, match=r"missing shard report\(s\): 2/3"):
        _merge(tmp_path)


def test_corrupt_and_duplicate_shards_are_errors(tmp_path: Path) -> None:
    path = _shard(tmp_path, 1, 2, ("passing",))
    _shard(tmp_path, 2, 2, ("passing",))
    dup = tmp_path / "shards" / "again" / "report.json"
    dup.parent.mkdir()
    dup.write_text(path.read_text())
    with pytest.raises(GateError, match="shard 1/2 appears twice"):
        _merge(tmp_path)
    dup.write_text('{"schema": 1, "gates": [{"name": ')
    with pytest.raises(GateError, match="corrupt shard report"):
        _merge(tmp_path)


def test_no_reports_and_non_shard_reports(tmp_path: Path) -> None:
    (tmp_path / "shards").mkdir()
    with pytest.raises(GateError, match="no shard reports found"):
        _merge(tmp_path)


def test_checked_nothing_in_any_shard_fails(tmp_path: Path) -> None:
    for i in (1, 2):
        _shard(tmp_path, i, 2, ("nothing",))
    (gate,) = _merge(tmp_path).gates
    assert gate.status is Status.FAILED and gate.summary == "checked nothing in any shard"
