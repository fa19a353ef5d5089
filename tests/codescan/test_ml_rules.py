"""ML rules block at the default fail-on (high): nanoGPT's torch.load must fail the gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gates.codescan.ml_rules import scan_file
from gates.model import Checked, Severity
from gates.plugins.code_security import CodeSecurityGate
from tests.codescan.support import ASSETS, context

ML = ASSETS / "ml"


def test_ml_findings_are_high_and_name_the_place(tmp_path: Path) -> None:
    shutil.copytree(ML, tmp_path / "src")
    result = CodeSecurityGate().run(context(tmp_path, {"paths": ["src"]}))
    assert isinstance(result, Checked)
    high = {(f.rule_id, f.path, f.line) for f in result.findings if f.severity is Severity.HIGH}
    assert ("B614", "src/train.py", 9) in high  # torch.load(ckpt_path, map_location=device)
    assert ("B614", "src/train.py", 10) not in {(f.rule_id, f.path, f.line) for f in result.findings}  # weights_only
    assert ("B615", "src/serve.py", 8) in high and ("B615", "src/serve.py", 9) not in high  # pinned revision
    ml = sorted(f.line for f in result.findings if f.rule_id == "ML101")
    assert ml == [12, 13, 14, 16]  # pickle.load of a handle opened on model_path, joblib, numpy, exec
    b301 = [f for f in result.findings if f.rule_id == "B301" and f.line == 15]
    assert b301 and b301[0].severity is Severity.MEDIUM  # pickle.loads(b"") stays bandit's medium


def test_nanogpt_torch_load_fails_the_run_at_the_default_fail_on(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from gates.cli import main

    (tmp_path / "train.py").write_bytes((ML / "train.py").read_bytes())
    code = main(["run", "--workspace", str(tmp_path), "--gates", "code-security", "--report-dir", str(tmp_path / "r")])
    capsys.readouterr()
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    (gate,) = [g for g in report["gates"] if g["name"] == "code-security"]
    assert code == 1 and gate["status"] == "failed" and gate["fail_on"] == "high"
    assert [f["rule_id"] for f in gate["findings"] if f["severity"] == "high"] == ["B614"]


def test_ml101_needs_a_model_path(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import pickle, joblib\npickle.loads(blob)\njoblib.load(cache_file)\n"
                                   "joblib.load(best_model_file)\n", encoding="utf-8")
    assert [i.line for i in scan_file(tmp_path, "a.py")] == [4]


def test_ml101_sees_dill_and_is_not_fooled_by_model_eval(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import dill\nmodel = dill.load(open('model.bin', 'rb'))\nmodel.eval()\n",
                                   encoding="utf-8")
    (tmp_path / "b.py").write_text("model.eval()\nx = retrieval(model_path)\nexec (open('model.py').read())\n",
                                   encoding="utf-8")
    assert [i.line for i in scan_file(tmp_path, "a.py")] == [2]
    assert [(i.line, i.message.split(" ")[0]) for i in scan_file(tmp_path, "b.py")] == [(3, "exec")]
