"""Run bandit's own CLI (``python -m bandit -f json``) and read its report into issues.

Bandit's exit status is checked, not swallowed: 0 means no issue, 1 means issues, anything
else (or a 1 with no readable report: a crash) is a :class:`~gates.errors.ToolError`. Files
bandit could not parse (listed under ``errors`` while it still exits 0) become blocking
``parse-error`` issues.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePath
from typing import Any

from gates import proc
from gates.codescan.issues import PARSE_ERROR_RULE, Issue
from gates.codescan.options import ScanOptions
from gates.errors import EngineMissing, ToolError
from gates.model import Severity

_SEVERITY = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW, "UNDEFINED": Severity.INFO}
_CODE_LINE = re.compile(r"^(\d+) ?(.*)$")


@dataclass(frozen=True)
class BanditScan:
    """What one bandit run found and looked at."""

    issues: tuple[Issue, ...]
    files: tuple[str, ...]  # files bandit analysed completely (POSIX, relative to the root)
    parse_errors: tuple[str, ...]  # files bandit could not analyse
    loc: int
    nosec: int  # issues skipped by '# nosec' (blanket and per-test)
    version: str


def bandit_version() -> str:
    """The installed bandit's version; a ToolError saying how to install it when missing."""
    if importlib.util.find_spec("bandit") is None:
        raise EngineMissing("bandit", "code")
    return metadata.version("bandit")


def bandit_command(opts: ScanOptions, targets: Sequence[str], output: Path) -> list[str]:
    """The bandit command line for ``targets`` (relative to the working directory)."""
    args = [*proc.python_tool("bandit"), "-r", "-f", "json", "-o", str(output), "-q",
            "-x", ",".join(opts.exclude)]
    if opts.bandit_config is not None:
        args += ["-c", str(opts.bandit_config)]
    args += ["--ini", str(opts.bandit_ini)]
    if opts.severity_level:
        args += ["--severity-level", opts.severity_level]
    if opts.confidence_level:
        args += ["--confidence-level", opts.confidence_level]
    if opts.skip:
        args += ["-s", ",".join(opts.skip)]
    if opts.ignore_nosec or not opts.honour_suppressions:
        args.append("--ignore-nosec")
    return [*args, "--", *targets]


def run_bandit(root: Path, opts: ScanOptions, targets: Sequence[str], work_dir: Path, timeout: float) -> BanditScan:
    """Run bandit in ``root`` on ``targets`` and return its issues, files and parse errors."""
    version = bandit_version()
    work_dir.mkdir(parents=True, exist_ok=True)
    output = work_dir / "bandit.json"
    output.unlink(missing_ok=True)
    done = proc.run(bandit_command(opts, targets, output), timeout=timeout, cwd=root, ok_codes=(0, 1), tool="bandit")
    report = _read_report(output, done)
    results = report.get("results")
    if not isinstance(results, list):
        raise ToolError("bandit's JSON report has no 'results' list", tool="bandit")
    if (done.returncode == 1) != bool(results):
        raise ToolError(f"bandit exited with status {done.returncode} but reported {len(results)} issue(s): "
                        "it did not finish normally", tool="bandit", stderr=done.stderr)
    issues = [_issue(item, root) for item in results]
    errors = report.get("errors") or []
    parse_errors = sorted({_rel(str(e.get("filename", "")), root) for e in errors if isinstance(e, dict)})
    issues += [_parse_error(e, root) for e in errors if isinstance(e, dict)]
    metrics = report.get("metrics") or {}
    totals = metrics.get("_totals") or {}
    files = sorted({_rel(name, root) for name in metrics if name != "_totals"} - set(parse_errors))
    return BanditScan(tuple(issues), tuple(files), tuple(parse_errors), int(totals.get("loc", 0)),
                      int(totals.get("nosec", 0)) + int(totals.get("skipped_tests", 0)), version)


def _read_report(output: Path, done: proc.Completed) -> dict[str, Any]:
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        tail = done.stderr.strip()[-2000:]
        raise ToolError(f"bandit exited with status {done.returncode} without a readable JSON report ({exc})"
                        + (f": {tail}" if tail else ""), tool="bandit", stderr=done.stderr) from None
    if not isinstance(report, dict):
        raise ToolError("bandit's JSON report is not an object", tool="bandit")
    return report


def _rel(name: str, root: Path) -> str:
    """A bandit file name as a POSIX path relative to ``root``."""
    path = PurePath(os.path.normpath(name))
    if path.is_absolute():
        try:
            path = path.relative_to(root.resolve())
        except ValueError:
            path = PurePath(os.path.relpath(path, root))
    return path.as_posix()


def _issue(item: Mapping[str, Any], root: Path) -> Issue:
    try:
        line = int(item["line_number"])
        line_range = [int(n) for n in item.get("line_range") or [line]]
        test_id = str(item["test_id"])
        path = _rel(str(item["filename"]), root)
    except (KeyError, TypeError, ValueError) as exc:
        raise ToolError(
            f"bandit's JSON report has an unreadable result ({exc}): {item!r:.300}", tool="bandit"
        ) from None
    cwe = item.get("issue_cwe") or {}
    cwe_id = cwe.get("id") if isinstance(cwe, dict) else None
    end_line = max(line_range)
    col = item.get("col_offset")
    return Issue(
        tool="bandit",
        rule_id=test_id,
        title=str(item.get("test_name") or test_id),
        message=str(item.get("issue_text") or test_id),
        path=path,
        line=line,
        severity=_SEVERITY.get(str(item.get("issue_severity", "")).upper(), Severity.INFO),
        confidence=str(item.get("issue_confidence") or "UNDEFINED"),
        context=_context(str(item.get("code") or ""), line_range, root / path),
        column=int(col) + 1 if isinstance(col, int) else None,
        end_line=end_line if end_line > line else None,
        cwe=(int(cwe_id),) if isinstance(cwe_id, int) and cwe_id > 0 else (),
        help_uri=str(item["more_info"]) if item.get("more_info") else None,
    )


def _context(code: str, line_range: Sequence[int], source: Path) -> str:
    """The source lines of ``line_range`` from bandit's numbered ``code`` excerpt (or the file)."""
    wanted = set(line_range)
    picked = []
    for raw in code.splitlines():
        match = _CODE_LINE.match(raw)
        if match and int(match.group(1)) in wanted:
            picked.append(match.group(2))
    if len(picked) == len(wanted):
        return "\n".join(picked)
    return read_lines(source, min(wanted), max(wanted))


def read_lines(source: Path, first: int, last: int) -> str:
    """Lines ``first``..``last`` (1-based) of a text file; empty when unreadable."""
    try:
        with source.open(encoding="utf-8", errors="replace") as handle:
            return "\n".join(text.rstrip("\n") for n, text in enumerate(handle, 1) if first <= n <= last)
    except OSError:
        return ""


def _parse_error(error: Mapping[str, Any], root: Path) -> Issue:
    path = _rel(str(error.get("filename", "")), root)
    reason = str(error.get("reason") or "bandit could not analyse this file")
    line, detail = _syntax_error_at(root / path)
    return Issue(tool="bandit", rule_id=PARSE_ERROR_RULE, title="file not analysed",
                 message=f"bandit could not analyse this file ({reason}{detail}); it was not checked: "
                         "fix it or exclude it",
                 path=path, line=line, severity=Severity.HIGH, confidence="HIGH", context=reason)


def _syntax_error_at(source: Path) -> tuple[int | None, str]:
    """Where Python's own parser stops in ``source`` (parsed, never run), for the annotation."""
    try:
        ast.parse(source.read_bytes(), filename=str(source))
    except SyntaxError as exc:
        return exc.lineno, f": {exc.msg} at line {exc.lineno}"
    except (OSError, ValueError, RecursionError, MemoryError):
        return None, ""
    return None, ""
