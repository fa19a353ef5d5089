"""The ``scan-model`` subcommand: statically scan model files for code that loading would run.

    secure-ai-gates scan-model PATH... [--allow-global NAME ...] [--allow-preset NAME ...]
                               [--not-scanned block|warn] [--format text|json]
                               [--fail-on SEVERITY] [--root DIR]

Exit status: 0 no finding at or above ``--fail-on`` (default low, as the model-integrity
gate; info findings never fail), 1 an unsafe file, 2 a missing path or a bad flag, 3 a file
could not be read or could not be judged (``MODEL-NOT-SCANNED`` at or above ``--fail-on``;
with ``--not-scanned warn`` those findings are info and never fail), when nothing unsafe was
found. Nothing is ever unpickled or imported.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.errors import GateError, UsageError
from gates.model import Severity

if TYPE_CHECKING:
    from gates.scanner import ScanPolicy, ScanReport

_GLOBAL_NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(\.\*{1,2})?$")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``scan-model`` parser."""
    parser = sub.add_parser(
        "scan-model", help="statically scan model files (pickle, PyTorch, joblib, NumPy, safetensors, ...)",
        description="Find code that loading a model file would run, without loading it.")
    parser.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="model files or directories")
    parser.add_argument("--allow-global", action="append", default=[], metavar="NAME",
                        help="allow a pickle global: module.qualname, module.* or package.** (repeatable)")
    parser.add_argument("--allow-preset", action="append", default=[], metavar="NAME",
                        help="allow the curated class list of a stack: numpy, pandas, sklearn, torch, xgboost, "
                             "lightgbm (repeatable)")
    parser.add_argument("--not-scanned", choices=("block", "warn"), default="block",
                        help="a file or part the scanner cannot judge: block (default, exit 3) or warn (info)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("--fail-on", default="low", metavar="SEVERITY",
                        help="lowest severity that makes the scan fail: critical, high, medium, low "
                             "(default), info")
    parser.add_argument("--root", type=Path, default=None, metavar="DIR",
                        help="directory the reported paths are relative to (default: current directory)")
    parser.set_defaults(func=run)


def _policy(names: list[str], presets: list[str], not_scanned: str) -> ScanPolicy:
    for name in names:
        if not _GLOBAL_NAME.match(name):
            raise UsageError(f"--allow-global {name!r}: expected module.qualname, module.* or package.**")
    from gates.scanner import ScanPolicy

    try:
        return ScanPolicy(extra_allowed=frozenset(names), presets=frozenset(presets),
                          not_scanned_severity=Severity.HIGH if not_scanned == "block" else Severity.INFO)
    except ValueError as exc:
        raise UsageError(f"--allow-preset: {exc}") from None


def _as_json(report: ScanReport, threshold: Severity, status: str) -> dict[str, Any]:
    return {
        "status": status,
        "fail_on": threshold.value,
        "files_scanned": report.files_scanned,
        "files": [{"path": f.path, "format": f.format.value, "size": f.size, "pickles": f.pickles,
                   "globals": list(f.globals), "members": list(f.members), "error": f.error}
                  for f in report.files],
        "findings": [{"rule_id": f.rule_id, "severity": f.severity.value, "path": f.path,
                      "message": f.message, "fingerprint": f.fingerprint, "cwe": list(f.cwe),
                      "help_uri": f.help_uri, "global": f.package} for f in report.findings],
    }


def _printable(text: str) -> str:
    """File names and messages quote the workspace: control characters are shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _as_text(report: ScanReport, threshold: Severity, status: str) -> str:
    lines = []
    for f in sorted(report.findings, key=lambda f: (-f.severity.rank, f.path or "", f.rule_id)):
        lines.append(f"{f.severity.value.upper():8} {f.rule_id}  {_printable(f.path or '')}: {_printable(f.message)}")
    blocking = sum(1 for f in report.findings if f.severity.at_least(threshold))
    formats = ", ".join(sorted({f.format.value for f in report.files})) or "none"
    lines.append(f"{status}: {report.files_scanned} file(s) scanned ({formats}); "
                 f"{len(report.findings)} finding(s), {blocking} at or above {threshold.value}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Scan, print, return 0 (clean) or 1 (unsafe); raise GateError (exit 3) for unreadable files."""
    try:
        threshold = Severity.parse(args.fail_on)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    policy = _policy(args.allow_global, args.allow_preset, args.not_scanned)
    root = args.root if args.root is not None else Path.cwd()
    from gates.scanner import scan_paths

    report = scan_paths(args.paths, root=root, policy=policy)
    undecided = ("MODEL-UNREADABLE", "MODEL-NOT-SCANNED")
    unsafe = any(f.severity.at_least(threshold) and f.rule_id not in undecided for f in report.findings)
    not_scanned = sorted({f.path or "" for f in report.findings
                          if f.rule_id == "MODEL-NOT-SCANNED" and f.severity.at_least(threshold)})
    status = "unsafe" if unsafe else ("unreadable" if report.unreadable else "not-scanned" if not_scanned else "clean")
    if args.format == "json":
        print(json.dumps(_as_json(report, threshold, status), indent=2))
    else:
        print(_as_text(report, threshold, status))
    if unsafe:
        return 1
    if report.unreadable:
        names = _printable(", ".join(f.path for f in report.unreadable))
        raise GateError(f"could not read {names}; fix the permissions and scan again")
    if not_scanned:
        raise GateError(f"could not judge {_printable(', '.join(not_scanned))} (MODEL-NOT-SCANNED); scan them "
                        "with a tool for their format, remove them, or pass --not-scanned warn")
    return 0
