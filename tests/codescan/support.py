"""Shared helpers of the code-security tests: the corpus, bandit's own CLI, a gate context, git."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gates import proc
from gates.config.settings import GitHubEnv
from gates.plugins.base import GateContext
from tests.support.git_repo import commit_all, git, pr_event

__all__ = ["ASSETS", "CORPUS", "SYNTAX_ERROR", "bandit_cli", "cli_triples", "commit_all", "context", "git",
           "insert_lines", "make_corpus", "pr_event"]

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "codescan"
CORPUS = ASSETS / "vulnerable"
SYNTAX_ERROR = ASSETS / "syntax_error.py.txt"


def make_corpus(workspace: Path, *, broken: bool = False, under: str = "src") -> Path:
    """Copy the vulnerable corpus to ``workspace/under`` (plus a file that does not parse)."""
    target = workspace / under
    shutil.copytree(CORPUS, target)
    if broken:
        shutil.copyfile(SYNTAX_ERROR, target / "broken.py")
    return target


def bandit_cli(root: Path, *extra: str) -> dict[str, Any]:
    """bandit's own JSON report for ``bandit -r . -f json`` run in ``root``."""
    done = proc.run([*proc.python_tool("bandit"), "-r", ".", "-f", "json", "-q", *extra], timeout=300, cwd=root,
                    ok_codes=(0, 1))
    return json.loads(done.stdout)


def cli_triples(report: Mapping[str, Any]) -> Counter[tuple[str, str, int]]:
    """(test_id, path, line) of every result of a bandit JSON report, as a multiset."""
    return Counter((r["test_id"], os.path.normpath(r["filename"]).replace(os.sep, "/"), r["line_number"])
                   for r in report["results"])


def context(workspace: Path, options: Mapping[str, Any] | None = None, *, event: Mapping[str, Any] | None = None,
            update_baseline: bool = False, scratch: Path | None = None) -> GateContext:
    """A gate context on ``workspace``; scratch and report dirs outside it (beside it by default)."""
    scratch = scratch or workspace.parent / f"{workspace.name}-scratch"
    return GateContext(name="code-security", workspace=workspace, options=dict(options or {}),
                       report_dir=scratch / "report", work_dir=scratch / "work",
                       github=GitHubEnv(event=dict(event or {})), update_baseline=update_baseline,
                       log=lambda _msg: None)


def insert_lines(path: Path, at: int, lines: list[str]) -> None:
    """Insert ``lines`` before line ``at`` (1-based) of a text file."""
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    text[at - 1:at - 1] = [line + "\n" for line in lines]
    path.write_text("".join(text), encoding="utf-8")


def notebook(*cells: str) -> str:
    """A notebook as Jupyter writes it (nbformat 4, code cells, one source line per JSON line)."""
    return json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                  "source": cell.splitlines(keepends=True)} for cell in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
