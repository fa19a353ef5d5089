"""bandit's own CLI against our runner on the vulnerable corpus: nothing lost, nothing invented."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from gates.codescan.bandit_runner import run_bandit
from gates.codescan.issues import PARSE_ERROR_RULE, to_findings
from gates.codescan.options import scan_options
from gates.errors import GateError, ToolError
from gates.model import Severity
from tests.codescan.support import bandit_cli, cli_triples, make_corpus

LEVELS = [(None, None), ("low", "low"), ("medium", "medium"), ("high", "all"), ("all", "high"), ("medium", "low")]


def _scan(workspace: Path, tmp_path: Path, options: dict | None = None):
    opts = scan_options(options or {}, workspace)
    return run_bandit(workspace, opts, opts.paths, tmp_path / "work", timeout=300)


@pytest.mark.parametrize(("severity", "confidence"), LEVELS)
def test_reports_exactly_what_bandit_cli_reports(tmp_path: Path, severity: str | None, confidence: str | None) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace, broken=True)
    options = {k: v for k, v in (("severity-level", severity), ("confidence-level", confidence)) if v}
    extra = [a for k, v in (("--severity-level", severity), ("--confidence-level", confidence)) if v for a in (k, v)]
    expected = bandit_cli(workspace, *extra)
    scan = _scan(workspace, tmp_path, options)
    ours = Counter((i.rule_id, i.path, i.line) for i in scan.issues if not i.is_parse_error)
    assert ours == cli_triples(expected)
    assert ours, "the corpus must produce findings at every threshold tested"
    # severity and confidence are carried over unchanged, and every issue becomes one finding
    by_key = {(r["test_id"], r["filename"].removeprefix("./"), r["line_number"]): r for r in expected["results"]}
    for issue in scan.issues:
        if issue.is_parse_error:
            continue
        raw = by_key[(issue.rule_id, issue.path, issue.line)]
        assert issue.severity.value == raw["issue_severity"].lower()
        assert issue.confidence == raw["issue_confidence"]
        assert issue.cwe == (raw["issue_cwe"]["id"],)
        assert issue.help_uri == raw["more_info"]
    findings = to_findings(scan.issues, None)
    assert len(findings) == len(scan.issues)
    assert len({f.fingerprint for f in findings}) == len(findings)
    assert sorted(scan.parse_errors) == sorted(e["filename"].removeprefix("./") for e in expected["errors"])


def test_defaults_match_bandit_defaults_and_skip_nosec(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    scan = _scan(workspace, tmp_path)
    keys = {(i.rule_id, i.path, i.line) for i in scan.issues}
    assert ("B602", "src/shell.py", 8) in keys
    assert ("B602", "src/reviewed.py", 7) not in keys  # '# nosec B602'
    assert scan.nosec == 1
    assert len(scan.files) == 11
    with_nosec = _scan(workspace, tmp_path, {"ignore-nosec": True})
    assert ("B602", "src/reviewed.py", 7) in {(i.rule_id, i.path, i.line) for i in with_nosec.issues}


def test_file_that_does_not_parse_is_a_blocking_issue_although_bandit_exits_zero(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "app").mkdir(parents=True)
    (workspace / "app" / "clean.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (workspace / "app" / "broken.py").write_text("def oops(:\n    pass\n", encoding="utf-8")
    report = bandit_cli(workspace)
    assert report["results"] == [] and report["errors"], "bandit itself reports the file only under 'errors'"
    scan = _scan(workspace, tmp_path)
    assert scan.files == ("app/clean.py",)
    assert scan.parse_errors == ("app/broken.py",)
    (issue,) = scan.issues
    assert issue.rule_id == PARSE_ERROR_RULE and issue.severity is Severity.HIGH and issue.path == "app/broken.py"
    assert issue.line == 1 and "at line 1" in issue.message  # where Python's parser stops, for the annotation
    # never suppressed by a baseline, even one that holds its fingerprint
    (finding,) = to_findings(scan.issues, None)
    (again,) = to_findings(scan.issues, [finding.fingerprint])
    assert not again.suppressed


def test_multi_line_statement_context_is_the_statement(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "run.py").write_text(
        "import subprocess\n\n\ndef go(cmd):\n    subprocess.call(\n        cmd,\n        shell=True,\n    )\n",
        encoding="utf-8")
    scan = _scan(workspace, tmp_path, {"severity-level": "high"})
    (issue,) = scan.issues
    assert issue.rule_id == "B602"
    assert "subprocess.call(" in issue.context and "shell=True" in issue.context
    assert issue.end_line is not None and issue.end_line >= issue.line


def test_project_bandit_config_is_respected(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.bandit]\nskips = ["B101", "B404"]\nexclude_dirs = ["src/pkg"]\n',
        encoding="utf-8")
    expected = cli_triples(bandit_cli(workspace, "-c", "pyproject.toml"))
    ours = Counter((i.rule_id, i.path, i.line) for i in _scan(workspace, tmp_path).issues)
    assert ours == expected
    assert not any(rule in ("B101", "B404") or path.startswith("src/pkg") for rule, path, _ in ours)


def test_dot_bandit_ini_is_respected_with_our_excludes(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    (workspace / ".bandit").write_text("[bandit]\nexclude = ./src/pkg\nskips = B101,B311\n", encoding="utf-8")
    expected = cli_triples(bandit_cli(workspace))  # bandit finds .bandit itself
    scan = _scan(workspace, tmp_path, {"skip": ["B105"]})
    ours = Counter((i.rule_id, i.path, i.line) for i in scan.issues)
    assert ours == Counter({k: n for k, n in expected.items() if k[0] != "B105"})
    assert not any(path.startswith("src/pkg") for _, path, _ in ours)


def test_dot_bandit_targets_are_the_default_paths(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    (workspace / ".bandit").write_text("[bandit]\ntargets = src/pkg,src/sql.py\n", encoding="utf-8")
    scan = _scan(workspace, tmp_path)
    assert {i.path for i in scan.issues} == {"src/pkg/files.py", "src/sql.py"}
    assert {i.path for i in _scan(workspace, tmp_path, {"paths": ["src/web.py"]}).issues} == {"src/web.py"}


def test_paths_and_exclude_options(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    make_corpus(workspace, under="vendor")
    scan = _scan(workspace, tmp_path, {"paths": ["src", "vendor"], "exclude": ["vendor"]})
    assert {i.path.split("/")[0] for i in scan.issues} == {"src"}
    # a directory is excluded under the default path "." too (bandit itself needs "./vendor" there)
    assert {i.path.split("/")[0] for i in _scan(workspace, tmp_path, {"exclude": ["vendor"]}).issues} == {"src"}
    assert {i.path.split("/")[0] for i in _scan(workspace, tmp_path, {"exclude": ["./vendor/"]}).issues} == {"src"}
    (workspace / "src" / ".venv" / "lib").mkdir(parents=True)
    (workspace / "src" / ".venv" / "lib" / "dep.py").write_text("import pickle\n", encoding="utf-8")
    # a directory called .venv is scanned unless it really is a virtualenv (pyvenv.cfg at its root)
    assert any(".venv" in i.path for i in _scan(workspace, tmp_path, {"paths": ["src"]}).issues)
    (workspace / "src" / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    assert not any(".venv" in i.path for i in _scan(workspace, tmp_path, {"paths": ["src"]}).issues)
    only = _scan(workspace, tmp_path, {"paths": ["src/shell.py"]})
    assert {i.path for i in only.issues} == {"src/shell.py"}


def test_bandit_config_error_is_a_tool_error_not_a_pass(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    (workspace / "bandit.yaml").write_text("tests: [B999]\n", encoding="utf-8")
    with pytest.raises(ToolError, match="bandit exited with status 2"):
        _scan(workspace, tmp_path, {"bandit-config": "bandit.yaml"})


@pytest.mark.parametrize(("options", "message"), [
    ({"paths": ["missing"]}, "does not exist"),
    ({"paths": ["../outside"]}, "inside the workspace"),
    ({"bandit-config": "nope.yaml"}, "is not a file"),
])
def test_bad_options_are_gate_errors(tmp_path: Path, options: dict, message: str) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    with pytest.raises(GateError, match=message):
        _scan(workspace, tmp_path, options)
