"""Run pylint with only security-relevant messages enabled and read its JSON (``json2``) report.

pylint runs on exactly the files bandit analysed (so excludes apply once, bandit's way), with
an empty rcfile of ours: the project's pylint config can neither silence the chosen messages
nor load plugins or run an ``init-hook``. A file pylint cannot parse is a blocking issue.
On pull requests (``honour_pragmas=False``) pylint reads copies of the files in which every
``# pylint:`` pragma is defused (same length, so lines and columns hold): a ``disable``
added by the change cannot hide what it disables.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from gates import proc
from gates.codescan.bandit_runner import read_lines
from gates.codescan.issues import PARSE_ERROR_RULE, Issue
from gates.errors import EngineMissing, ToolError
from gates.model import Severity

HELP_URI = "https://pylint.readthedocs.io/en/stable/user_guide/messages/{kind}/{symbol}.html"
_USAGE_ERROR = 32  # pylint's exit status bit for a usage error; lower bits report message types

# Code execution is as bad as bandit's B102/B307 (medium); the rest hide errors: low.
_SEVERITY_BY_SYMBOL = {
    "eval-used": Severity.MEDIUM,
    "exec-used": Severity.MEDIUM,
    "subprocess-popen-preexec-fn": Severity.MEDIUM,
}
_SEVERITY_BY_TYPE = {"fatal": Severity.HIGH, "error": Severity.MEDIUM, "warning": Severity.LOW}
_UNPARSABLE = {"syntax-error", "astroid-error", "fatal", "parse-error"}
_PRAGMA = re.compile(rb"(#[^\n]*?\bpylint)(\s*):")


@dataclass(frozen=True)
class PylintScan:
    """What one pylint run reported."""

    issues: tuple[Issue, ...]
    modules: int
    version: str


def pylint_version() -> str:
    """The installed pylint's version; a ToolError saying how to install it when missing."""
    if importlib.util.find_spec("pylint") is None:
        raise EngineMissing("pylint", "code")
    return metadata.version("pylint")


def run_pylint(root: Path, files: Sequence[str], messages: Sequence[str], work_dir: Path,
               timeout: float, honour_pragmas: bool = True, jobs: int = 1) -> PylintScan:
    """Run pylint in ``root`` on ``files`` with only ``messages`` enabled (``jobs`` processes, pylint -j)."""
    version = pylint_version()
    if not files:
        return PylintScan((), 0, version)
    work_dir.mkdir(parents=True, exist_ok=True)
    source = root
    if not honour_pragmas:
        root = _defused_copy(source, files, work_dir / "pylint-src")
    rcfile = work_dir / "pylintrc"
    rcfile.write_text("# empty on purpose: the gate chooses the messages\n", encoding="utf-8")
    args = [*proc.python_tool("pylint"), f"--rcfile={rcfile}", "--disable=all", f"--enable={','.join(messages)}",
            "--output-format=json2", "--score=n", "--persistent=n", f"--jobs={max(1, jobs)}", "--", *files]
    done = proc.run(args, timeout=timeout, cwd=root, ok_codes=range(_USAGE_ERROR), tool="pylint")
    try:
        report = json.loads(done.stdout)
        raw = report["messages"]
        modules = int((report.get("statistics") or {}).get("modulesLinted", 0))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ToolError(f"pylint exited with status {done.returncode} without a readable JSON report ({exc})",
                        tool="pylint", stderr=done.stderr) from None
    return PylintScan(tuple(_issue(item, source) for item in raw), modules, version)


def _defused_copy(root: Path, files: Sequence[str], dest: Path) -> Path:
    """Copies of ``files`` below ``dest`` with ``# pylint:`` pragmas turned into ``# pylint;``."""
    if dest.exists():
        shutil.rmtree(dest)
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            data = (root / name).read_bytes()
        except OSError:
            continue  # pylint reports the missing file itself
        target.write_bytes(_PRAGMA.sub(rb"\1\2;", data))
    return dest


def _issue(item: Mapping[str, Any], root: Path) -> Issue:
    try:
        symbol = str(item["symbol"])
        message_id = str(item["messageId"])
        kind = str(item["type"])
        path = Path(str(item["path"])).as_posix()
        line = int(item["line"]) if item.get("line") else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ToolError(
            f"pylint's JSON report has an unreadable message ({exc}): {item!r:.300}", tool="pylint"
        ) from None
    end_line = item.get("endLine") if isinstance(item.get("endLine"), int) else None
    column = item.get("column")
    if symbol in _UNPARSABLE:
        return Issue(tool="pylint", rule_id=PARSE_ERROR_RULE, title="file not analysed",
                     message=f"pylint could not analyse this file ({symbol}: {item.get('message', '')}); "
                             "it was not checked: fix it or exclude it",
                     path=path, line=line, severity=Severity.HIGH, confidence="HIGH", context=symbol,
                     symbol=symbol)
    context = read_lines(root / path, line, end_line or line) if line else ""
    return Issue(
        tool="pylint",
        rule_id=message_id,
        title=symbol,
        message=str(item.get("message") or symbol),
        path=path,
        line=line,
        severity=_SEVERITY_BY_SYMBOL.get(symbol, _SEVERITY_BY_TYPE.get(kind, Severity.INFO)),
        confidence=str(item.get("confidence") or "UNDEFINED"),
        context=context,
        column=int(column) + 1 if isinstance(column, int) else None,
        end_line=end_line if end_line is not None and line is not None and end_line > line else None,
        help_uri=HELP_URI.format(kind=kind, symbol=symbol),
        symbol=symbol,
    )
