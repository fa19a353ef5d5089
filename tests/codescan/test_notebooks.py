"""Notebooks are scanned: code cells through real bandit, findings on the notebook's cell and line."""

from __future__ import annotations

import shutil
from pathlib import Path

from gates.codescan.notebooks import _neutralise
from gates.model import Checked, Severity
from gates.plugins.code_security import CodeSecurityGate
from tests.codescan.support import ASSETS, context, notebook

NOTEBOOK = ASSETS / "notebooks" / "train.ipynb"


def test_a_notebook_only_repository_is_checked_and_findings_land_on_cells(tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    shutil.copyfile(NOTEBOOK, tmp_path / "nb" / "train.ipynb")
    result = CodeSecurityGate().run(context(tmp_path))
    assert isinstance(result, Checked) and result.checked == 1 and result.metrics["files"] == 1
    got = {(f.rule_id, f.path, f.line, f.message.split(":")[0]) for f in result.findings}
    assert ("B404", "nb/train.ipynb", 21, "cell 2, line 3") in got
    assert ("B105", "nb/train.ipynb", 33, "cell 3, line 2") in got  # password = "hunter2-secret"
    assert ("B614", "nb/train.ipynb", 35, "cell 3, line 4") in got
    assert ("B602", "nb/train.ipynb", 58, "cell 5, line 3") in got
    b614 = next(f for f in result.findings if f.rule_id == "B614")
    assert b614.severity is Severity.HIGH and b614.fingerprint
    assert not any(f.rule_id in ("B605", "B607") for f in result.findings)  # the %%bash cell is not Python
    assert result.metrics["parse_errors"] == 0


def test_a_notebook_that_is_not_json_is_a_parse_error(tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_text('{"cells": [\n  {"cell_type": "code",\n', encoding="utf-8")
    result = CodeSecurityGate().run(context(tmp_path))
    assert isinstance(result, Checked)
    (finding,) = result.findings
    assert finding.rule_id == "parse-error" and finding.path == "bad.ipynb" and finding.severity is Severity.HIGH


def test_magics_and_shell_lines_keep_line_numbers() -> None:
    assert _neutralise(["%pip install x", "  !ls", "x = !ls -l", "y?", "print(1)"]) == [
        "pass", "  pass", "x = None", "pass", "print(1)"]
    assert _neutralise(["%%bash", "rm -rf /"]) == ["", ""]


def test_magics_that_run_python_keep_it() -> None:
    assert _neutralise(["%%capture", "m = torch.load(p)", "!ls"]) == ["", "m = torch.load(p)", "pass"]
    assert _neutralise(["%time m = torch.load(p)", "  %timeit -n 1 -r 3 f()", "%cd /tmp"]) == [
        "m = torch.load(p)", "  f()", "pass"]


def test_a_python_file_named_as_a_path_is_not_read_as_a_notebook(tmp_path: Path) -> None:
    """bandit's discovery keeps every file named as a target: ``paths: [app.py]`` is Python, not a notebook."""
    (tmp_path / "app.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n", encoding="utf-8")
    shutil.copyfile(NOTEBOOK, tmp_path / "train.ipynb")
    result = CodeSecurityGate().run(context(tmp_path, {"paths": ["app.py", "train.ipynb"]}))
    assert isinstance(result, Checked) and result.metrics["parse_errors"] == 0
    assert not any(f.rule_id == "parse-error" for f in result.findings)
    assert {f.path for f in result.findings if f.rule_id == "B602"} == {"app.py", "train.ipynb"}


def test_pylint_checks_notebook_cells_with_findings_on_cell_and_line(tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "calc.ipynb").write_text(notebook("import os\n", "def calc(expr):\n    return eval(expr)\n"),
                                                encoding="utf-8")
    (tmp_path / "app.py").write_text("def run(code):\n    exec(code)\n", encoding="utf-8")
    result = CodeSecurityGate().run(context(tmp_path, {"pylint": True}))
    assert isinstance(result, Checked)
    pylint = {(f.rule_id, f.path, f.line, f.message.split(":")[0]) for f in result.findings if f.tool == "pylint"}
    raw = (tmp_path / "nb" / "calc.ipynb").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(raw, start=1) if "eval(expr)" in text)
    assert ("W0123", "nb/calc.ipynb", line, "cell 2, line 2") in pylint, pylint
    assert ("W0122", "app.py", 2, "Use of exec") in pylint, pylint
