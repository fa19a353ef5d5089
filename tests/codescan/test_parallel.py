"""bandit over several processes finds exactly what one bandit run finds (real bandit, both ways)."""

from __future__ import annotations

import shutil
from pathlib import Path

from gates.codescan.options import scan_options
from gates.codescan.parallel import batches, discover
from gates.model import Checked
from gates.plugins.code_security import CodeSecurityGate
from tests.codescan.support import CORPUS, bandit_cli, cli_triples, context, make_corpus


def _workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    make_corpus(workspace, broken=True)
    for copy in range(3):  # enough files for several batches
        shutil.copytree(CORPUS, workspace / f"copy{copy}")
    (workspace / "build").mkdir()
    (workspace / "build" / "skipped.py").write_text("eval(input())\n", encoding="utf-8")  # excluded below
    return workspace


def test_parallel_findings_equal_one_run_and_bandit_alone(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    one = CodeSecurityGate().run(context(workspace, {"jobs": 1, "exclude": ["build"]}, scratch=tmp_path / "one"))
    four = CodeSecurityGate().run(context(workspace, {"jobs": 4, "exclude": ["build"]}, scratch=tmp_path / "four"))
    assert isinstance(one, Checked) and isinstance(four, Checked)
    assert [(f.fingerprint, f.rule_id, f.path, f.line) for f in one.findings] == \
        [(f.fingerprint, f.rule_id, f.path, f.line) for f in four.findings]
    assert one.metrics == four.metrics and one.checked == four.checked > 30
    report = bandit_cli(workspace, "-x", "./build")
    ours = {(f.rule_id, f.path, f.line) for f in four.findings if f.tool == "bandit" and f.rule_id != "parse-error"}
    assert ours == set(cli_triples(report))


def test_batches_cover_every_discovered_file_once(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    opts = scan_options({"exclude": ["build"]}, workspace)
    files = discover(workspace, opts, ["."], timeout=120)
    assert "./build/skipped.py" not in files and "./src/broken.py" in files
    groups = batches(workspace, files, 3)
    assert len(groups) == 3 and sorted(f for g in groups for f in g) == sorted(files)
    assert batches(workspace, files[:5], 3) == [sorted(files[:5])]  # too few files: one process
