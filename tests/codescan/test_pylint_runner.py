"""Real pylint with the security message set: findings with file and line, config cannot silence it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from gates import proc
from gates.codescan.issues import PARSE_ERROR_RULE
from gates.codescan.options import DEFAULT_PYLINT_MESSAGES
from gates.codescan.pylint_runner import run_pylint
from gates.model import Severity
from tests.codescan.support import make_corpus

EXPECTED = {
    ("eval-used", "src/dynamic.py", 5),
    ("exec-used", "src/dynamic.py", 9),
    ("forgotten-debug-statement", "src/dynamic.py", 13),
    ("broad-exception-caught", "src/handlers.py", 8),
    ("bare-except", "src/handlers.py", 17),
    ("lost-exception", "src/handlers.py", 26),
    ("subprocess-run-check", "src/shell.py", 20),
}


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))


def test_security_messages_on_the_corpus_match_pylint_cli(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    files = _files(workspace)
    scan = run_pylint(workspace, files, DEFAULT_PYLINT_MESSAGES, tmp_path / "work", timeout=300)
    ours = Counter((i.symbol, i.path, i.line) for i in scan.issues)
    assert set(ours) == EXPECTED and all(n == 1 for n in ours.values())
    done = proc.run([*proc.python_tool("pylint"), "--rcfile=" + str(tmp_path / "work" / "pylintrc"), "--disable=all",
                     "--enable=" + ",".join(DEFAULT_PYLINT_MESSAGES), "--output-format=json2", *files],
                    timeout=300, cwd=workspace, ok_codes=range(32))
    cli = Counter((m["symbol"], m["path"], m["line"]) for m in json.loads(done.stdout)["messages"])
    assert ours == cli
    eval_used = next(i for i in scan.issues if i.symbol == "eval-used")
    assert eval_used.tool == "pylint" and eval_used.rule_id == "W0123" and eval_used.severity is Severity.MEDIUM
    assert eval_used.context.strip() == "return eval(expression)"
    assert eval_used.help_uri and eval_used.help_uri.endswith("/warning/eval-used.html")
    assert eval_used.column == 12


def test_project_pylintrc_cannot_silence_the_chosen_messages(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    (workspace / ".pylintrc").write_text("[MESSAGES CONTROL]\ndisable=all\n", encoding="utf-8")
    (workspace / "pyproject.toml").write_text('[tool.pylint."messages control"]\ndisable = ["eval-used"]\n',
                                              encoding="utf-8")
    scan = run_pylint(workspace, _files(workspace), DEFAULT_PYLINT_MESSAGES, tmp_path / "work", timeout=300)
    assert {(i.symbol, i.path, i.line) for i in scan.issues} == EXPECTED


def test_message_list_is_configurable(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    scan = run_pylint(
        workspace, _files(workspace), ["W0122", "missing-function-docstring"], tmp_path / "work", timeout=300
    )
    found = {(i.symbol, i.path) for i in scan.issues}
    assert ("exec-used", "src/dynamic.py") in found
    assert ("missing-function-docstring", "src/shell.py") in found
    assert not any(symbol == "eval-used" for symbol, _ in found)


def test_file_pylint_cannot_parse_is_a_blocking_issue(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "bad.py").write_text("def oops(:\n    pass\n", encoding="utf-8")
    scan = run_pylint(workspace, ["bad.py"], DEFAULT_PYLINT_MESSAGES, tmp_path / "work", timeout=300)
    (issue,) = scan.issues
    assert issue.rule_id == PARSE_ERROR_RULE and issue.severity is Severity.HIGH and issue.path == "bad.py"
