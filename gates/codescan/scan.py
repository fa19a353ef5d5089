"""One scan of a tree: bandit on the targets, then pylint (when enabled) on the files bandit analysed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gates.codescan.bandit_runner import run_bandit
from gates.codescan.issues import Issue
from gates.codescan.options import ScanOptions
from gates.codescan.pylint_runner import run_pylint


@dataclass(frozen=True)
class TreeScan:
    """Issues of both engines on one tree, and what was looked at."""

    issues: tuple[Issue, ...]
    files: tuple[str, ...]  # analysed completely by bandit
    parse_errors: tuple[str, ...]
    loc: int = 0
    nosec: int = 0
    pylint_modules: int = 0
    tool_versions: Mapping[str, str] = field(default_factory=dict)


def scan_tree(root: Path, opts: ScanOptions, targets: Sequence[str], work_dir: Path,
              remaining: Callable[[], float]) -> TreeScan:
    """Scan ``targets`` (relative to ``root``); ``remaining()`` gives each engine's time limit."""
    bandit = run_bandit(root, opts, targets, work_dir, timeout=remaining())
    issues = list(bandit.issues)
    versions = {"bandit": bandit.version}
    modules = 0
    if opts.pylint:
        pylint = run_pylint(root, bandit.files, opts.pylint_messages, work_dir, timeout=remaining(),
                            honour_pragmas=opts.honour_suppressions)
        issues += pylint.issues
        versions["pylint"] = pylint.version
        modules = pylint.modules
    return TreeScan(tuple(issues), bandit.files, bandit.parse_errors, bandit.loc, bandit.nosec, modules, versions)
