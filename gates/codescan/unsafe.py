"""Python files bandit must not open: FIFOs, devices, sockets and symlinks leaving the tree.

On a pull request the tree is attacker input. A ``*.py`` that is a FIFO blocks bandit's read
forever, a symlink to ``/dev/zero`` exhausts its memory, one to ``/proc/self/environ`` or
``~/.ssh`` makes it read files that are not the project's. They are found before bandit runs
(:func:`gates.manifest.walk.collect`), excluded from its walk, and each becomes a blocking
``parse-error`` issue ("not analysed"), which no baseline can hide.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

from gates.codescan.issues import PARSE_ERROR_RULE, Issue
from gates.manifest.walk import collect
from gates.model import Severity

_UNSAFE_KINDS = {"special-file", "symlink-escapes-root"}
_PYTHON_SUFFIXES = (".py", ".pyw")


def unsafe_python_files(root: Path, targets: Sequence[str], exclude: Sequence[str]) -> tuple[Issue, ...]:
    """One blocking issue per Python-named entry under ``targets`` that bandit must not read."""
    scope = sorted({"" if t in (".", "./") else t.removeprefix("./").rstrip("/") for t in targets})
    plain = [e.removeprefix("./").rstrip("/") for e in exclude if not any(ch in e for ch in "*?[")]
    tree = collect(scope, root, exclude=plain)
    issues = []
    for problem in tree.problems:
        path = problem.path or ""
        if problem.kind not in _UNSAFE_KINDS or not path.endswith(_PYTHON_SUFFIXES) or _excluded(path, exclude):
            continue
        issues.append(Issue(tool="bandit", rule_id=PARSE_ERROR_RULE, title="file not analysed",
                            message=f"{problem.message}: not read and not checked; a Python file must be a "
                                    "regular file inside the repository",
                            path=path, line=None, severity=Severity.HIGH, confidence="HIGH", context=problem.kind))
    return tuple(issues)


def _excluded(path: str, exclude: Sequence[str]) -> bool:
    """bandit's own test: a glob match or a substring of the path as its walk spells it."""
    spellings = (path, "./" + path)
    return any(fnmatch.fnmatch(p, e) or e in p for p in spellings for e in exclude if e)
