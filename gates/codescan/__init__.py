"""Static code scanning for the code-security gate: bandit, pylint, baselines.

- :mod:`~gates.codescan.options`: the gate's options with defaults and the project's bandit config;
- :mod:`~gates.codescan.bandit_runner` / :mod:`~gates.codescan.pylint_runner`: run an engine's
  CLI and read its JSON report into :class:`~gates.codescan.issues.Issue` values;
- :mod:`~gates.codescan.issues`: issues to fingerprinted findings, baselined ones suppressed;
- :mod:`~gates.codescan.baseline` (committed file) and :mod:`~gates.codescan.base_commit`
  (a pull request's base commit): where a baseline comes from;
- :mod:`~gates.codescan.details`: the Markdown shown in reports.
"""

from gates.codescan.bandit_runner import BanditScan, bandit_command, run_bandit
from gates.codescan.base_commit import BaseTree, materialise
from gates.codescan.baseline import load_baseline, write_baseline
from gates.codescan.issues import PARSE_ERROR_RULE, Issue, issue_fingerprints, to_findings
from gates.codescan.options import DEFAULT_PYLINT_MESSAGES, ScanOptions, scan_options
from gates.codescan.pylint_runner import PylintScan, run_pylint
from gates.codescan.scan import TreeScan, scan_tree

__all__ = [
    "BanditScan",
    "BaseTree",
    "DEFAULT_PYLINT_MESSAGES",
    "Issue",
    "PARSE_ERROR_RULE",
    "PylintScan",
    "ScanOptions",
    "TreeScan",
    "bandit_command",
    "issue_fingerprints",
    "load_baseline",
    "materialise",
    "run_bandit",
    "run_pylint",
    "scan_options",
    "scan_tree",
    "to_findings",
    "write_baseline",
]
