"""One scan of a tree: bandit on the targets (over ``jobs`` processes) with the ML rules at high
severity (:mod:`gates.codescan.ml_rules`), then pylint (when enabled, with ``-j``) on the files
bandit analysed. Notebooks go through the same engines as Python files made of their code cells
(:mod:`gates.codescan.notebooks`): bandit, the ML rules and, when enabled, pylint, each issue
mapped back to the notebook's cell and line."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from gates.codescan import notebooks
from gates.codescan.bandit_runner import BanditScan
from gates.codescan.issues import Issue
from gates.codescan.ml_rules import raise_ml_severities, scan_files
from gates.codescan.options import ScanOptions
from gates.codescan.parallel import discover, run_bandit_parallel
from gates.codescan.pylint_runner import run_pylint
from gates.codescan.unsafe import unsafe_python_files


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
    unsafe = unsafe_python_files(root, targets, opts.exclude)
    if unsafe:  # bandit's -x matches substrings: the exact paths keep it away from them
        opts = dataclasses.replace(opts, exclude=(*opts.exclude, *(issue.path for issue in unsafe)))
    bandit, ml101 = _bandit_and_ml_rules(root, opts, targets, work_dir, remaining)
    issues = [*unsafe, *raise_ml_severities(bandit.issues), *ml101]
    nb_issues, nb_files, nb_loc, nb_modules = scan_notebooks(root, opts, targets, work_dir, remaining)
    issues += nb_issues
    versions = {"bandit": bandit.version}
    modules = nb_modules
    if opts.pylint:
        pylint = run_pylint(root, bandit.files, opts.pylint_messages, work_dir, timeout=remaining(),
                            honour_pragmas=opts.honour_suppressions, jobs=opts.jobs)
        issues += pylint.issues
        versions["pylint"] = pylint.version
        modules += pylint.modules
    parse_errors = tuple(sorted({*bandit.parse_errors, *(i.path for i in nb_issues if i.is_parse_error),
                                  *(issue.path for issue in unsafe)}))
    return TreeScan(tuple(issues), bandit.files + nb_files, parse_errors, bandit.loc + nb_loc, bandit.nosec, modules,
                    versions)


def _bandit_and_ml_rules(root: Path, opts: ScanOptions, targets: Sequence[str], work_dir: Path,
                         remaining: Callable[[], float]) -> tuple[BanditScan, list[Issue]]:
    """bandit over ``opts.jobs`` processes and, at the same time in a thread, the ML rules on the files it
    analyses (the rules' AST walk would otherwise be a serial tail after bandit)."""
    if opts.jobs <= 1:
        bandit = run_bandit_parallel(root, opts, targets, work_dir, timeout=remaining(), jobs=opts.jobs)
        return bandit, scan_files(root, bandit.files)
    files = discover(root, opts, targets, remaining())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ml-rules") as side:
        ml101 = side.submit(scan_files, root, files)
        bandit = run_bandit_parallel(root, opts, targets, work_dir, timeout=remaining(), jobs=opts.jobs, files=files)
        analysed = set(bandit.files)
        return bandit, [issue for issue in ml101.result() if issue.path in analysed]


def scan_notebooks(root: Path, opts: ScanOptions, targets: Sequence[str], work_dir: Path,
                   remaining: Callable[[], float]) -> tuple[list[Issue], tuple[str, ...], int, int]:
    """Issues in the notebooks under ``targets`` (mapped to cells), the notebooks checked, their lines of
    code, and how many of them pylint linted (when enabled)."""
    # bandit's discovery keeps every file named as a target whatever the glob: only notebooks here
    found = [name for name in discover(root, opts, targets, remaining(), include="*" + notebooks.SUFFIX)
             if name.lower().endswith(notebooks.SUFFIX)]
    if not found:
        return [], (), 0, 0
    scratch = work_dir / "notebooks"
    converted = [notebooks.convert(root, name, scratch) for name in found]
    issues = [c for c in converted if isinstance(c, Issue)]
    readable = [c for c in converted if isinstance(c, notebooks.Converted)]
    if not readable:
        return issues, (), 0, 0
    scan, ml101 = _bandit_and_ml_rules(scratch, opts, [c.python for c in readable], work_dir / "notebooks-bandit",
                                       remaining)
    found_issues = [*raise_ml_severities(scan.issues), *ml101]
    modules = 0
    if opts.pylint:
        pylint = run_pylint(scratch, scan.files, opts.pylint_messages, work_dir / "notebooks-pylint",
                            timeout=remaining(), honour_pragmas=opts.honour_suppressions, jobs=opts.jobs)
        found_issues += pylint.issues
        modules = pylint.modules
    mapped = notebooks.map_back(found_issues, readable)
    checked = {c.python: c.notebook for c in readable}
    return issues + mapped, tuple(sorted(checked[f] for f in scan.files if f in checked)), scan.loc, modules
