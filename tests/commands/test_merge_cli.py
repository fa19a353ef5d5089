"""Shards and merge through the command line, as the sharded example workflow runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.commands.test_cli import read_outputs, run_cli, simulated_runner

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-project"


def _shards(tmp_path: Path, ws: Path, count: int) -> Path:
    shards = tmp_path / "shards"
    for index in range(1, count + 1):
        result = run_cli(["run", "--workspace", str(ws), "--gates", "model-integrity", "--shard", f"{index}/{count}",
                          "--report-dir", str(shards / f"shard-report-{index}")])
        assert result.returncode in (0, 1), result.stdout + result.stderr
    return shards


def test_merge_of_all_shards_gives_one_verdict(tmp_path: Path) -> None:
    shards = _shards(tmp_path, DEMO, 2)
    per_shard = [json.loads((shards / f"shard-report-{i}" / "report.json").read_text()) for i in (1, 2)]
    assert [r["shard"] for r in per_shard] == ["1/2", "2/2"]
    env = simulated_runner(tmp_path, **{"check-name": ""})
    result = run_cli(["merge", str(shards), "--report-dir", str(tmp_path / "merged")], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    merged = json.loads((tmp_path / "merged" / "report.json").read_text())
    (gate,) = [g for g in merged["gates"] if g["name"] == "model-integrity"]
    assert gate["status"] == "passed" and gate["metrics"]["shards"] == 2
    assert read_outputs(Path(env["GITHUB_OUTPUT"]))["status"] == "passed"


def test_a_tampered_file_in_any_shard_fails_the_merge(tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    shutil.copytree(DEMO, ws, ignore=shutil.ignore_patterns("secure-ai-gates-report", "__pycache__"))
    with open(ws / "models" / "intent-classifier" / "model.pt", "ab") as fh:
        fh.write(b"\0")
    shards = _shards(tmp_path, ws, 3)
    result = run_cli(["merge", str(shards), "--report-dir", str(tmp_path / "merged")])
    assert result.returncode == 1, result.stdout + result.stderr


def test_missing_shard_exits_3(tmp_path: Path) -> None:
    shards = _shards(tmp_path, DEMO, 2)
    shutil.rmtree(shards / "shard-report-2")
    result = run_cli(["merge", str(shards), "--report-dir", str(tmp_path / "merged")])
    assert result.returncode == 3 and "missing shard report(s): 2/2" in result.stderr


def test_sharded_probes_find_what_one_run_finds(tmp_path: Path) -> None:
    """model-security and adversarial split their probes; the merge sees every failing probe."""
    from tests.support.model_server import running_model_server

    with running_model_server(vulnerable=True) as base:
        endpoint = f"{base}/v1/chat/completions"
        common = ["--workspace", str(DEMO), "--gates", "model-security,adversarial", "--endpoint", endpoint]
        whole = run_cli(["run", *common, "--report-dir", str(tmp_path / "whole")])
        assert whole.returncode == 1, whole.stdout + whole.stderr
        for index in (1, 2, 3):
            shard = run_cli(["run", *common, "--shard", f"{index}/3",
                             "--report-dir", str(tmp_path / "shards" / f"s{index}")])
            assert shard.returncode in (0, 1), shard.stdout + shard.stderr
    merged = run_cli(["merge", str(tmp_path / "shards"), "--report-dir", str(tmp_path / "merged")])
    assert merged.returncode == 1, merged.stdout + merged.stderr

    def probes(report: Path) -> dict[str, set[str]]:
        data = json.loads(report.read_text())
        return {g["name"]: {f.get("probe") or f["rule_id"] for f in g["findings"]} for g in data["gates"]
                if g["name"] in ("model-security", "adversarial")}

    assert probes(tmp_path / "merged" / "report.json") == probes(tmp_path / "whole" / "report.json")


def test_sharded_hashing_judges_every_file_exactly_once(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)
    for i in range(30):
        (ws / "data" / f"part-{i:02d}.jsonl").write_text(f'{{"i": {i}}}\n')
    created = run_cli(["manifest", "create", "data", "--output", "data.manifest.json", "--root", str(ws)], cwd=ws)
    assert created.returncode == 0, created.stderr
    (ws / "data" / "part-07.jsonl").write_text('{"i": "tampered"}\n')
    (ws / "data" / "part-99.jsonl").write_text("{}\n")  # unexpected
    shards = tmp_path / "shards"
    checked = 0
    for index in (1, 2, 3):
        result = run_cli(["run", "--workspace", str(ws), "--gates", "data-integrity", "--shard", f"{index}/3",
                          "--report-dir", str(shards / f"s{index}")])
        assert result.returncode in (0, 1), result.stdout + result.stderr
        (gate,) = [g for g in json.loads((shards / f"s{index}" / "report.json").read_text())["gates"]
                   if g["name"] == "data-integrity"]
        checked += gate["metrics"]["checked"]
    assert checked == 31  # 30 in the manifest + 1 unexpected, each judged by one shard only
    merged = run_cli(["merge", str(shards), "--report-dir", str(tmp_path / "merged")])
    assert merged.returncode == 1, merged.stdout + merged.stderr
    (gate,) = [g for g in json.loads((tmp_path / "merged" / "report.json").read_text())["gates"]
               if g["name"] == "data-integrity"]
    assert sorted((f["rule_id"], f["path"]) for f in gate["findings"]) == [
        ("DATA-MODIFIED", "data/part-07.jsonl"), ("DATA-UNEXPECTED", "data/part-99.jsonl")]
