"""Jupyter notebooks for bandit: code cells to Python, findings back to the notebook's cells and lines.

bandit skips ``.ipynb``. Each notebook bandit's discovery finds (same targets and excludes,
``*.ipynb`` instead of ``*.py``) is read as plain JSON (nbformat 4: ``cells[]`` with
``cell_type`` and ``source``); its code cells are concatenated into one Python file in a
scratch directory. IPython lines that are not Python are neutralised without shifting lines:
a shell escape (``!ls``) or a line magic whose argument is not Python (``%pip install x``)
becomes ``pass``, ``x = !ls`` becomes ``x = None``; a line magic whose argument *is* Python
(``%time model = torch.load(p)``, ``%timeit -n 1 f()``) keeps that code, since IPython runs it.
A cell magic keeps its body when the body is Python (``%%capture``, ``%%time``, ``%%writefile``
run or write Python: a magic line must not hide a cell from the scan) and blanks the cell when
it is not (``%%bash``, ``%%html``). bandit (and the ML rules) run
on the scratch files; every issue is mapped back to the notebook path, with the cell number
and line inside the cell in its message and the line *of the .ipynb file* (where the
notebook is written one source line per JSON line, as Jupyter writes it) as its line. A
notebook that is not valid JSON is a parse error, like a Python file bandit cannot parse.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gates.codescan.issues import PARSE_ERROR_RULE, Issue
from gates.model import Severity

SUFFIX = ".ipynb"
_MAGIC = re.compile(r"^(\s*)[%!]")
_ASSIGN_SHELL = re.compile(r"^(\s*[A-Za-z_][\w.,\s]*=\s*)[%!]")
_HELP = re.compile(r"^\s*[\w.]+\?\??\s*$")
_LINE_MAGIC = re.compile(r"^(\s*)%\w+[ \t]+(\S.*)$")
_OPTION = re.compile(r"^(?:-\w+|\d+)\s+")


def _is_python(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _magic_code(line: str) -> str | None:
    """The Python a line magic runs (``%time x = f()`` -> ``x = f()``, options skipped), or None."""
    match = _LINE_MAGIC.match(line)
    if match is None:
        return None
    indent, rest = match.groups()
    for _ in range(5):  # the argument, then without up to four leading options (``-n 1``, ``-r 3``)
        if _is_python(rest):
            return indent + rest
        stripped = _OPTION.sub("", rest, count=1)
        if stripped == rest:
            return None
        rest = stripped
    return None


@dataclass(frozen=True)
class Converted:
    """One notebook as a Python file: for each Python line, (cell number, line in cell, .ipynb line or None)."""

    notebook: str  # relative to the scanned root
    python: str  # relative to the scratch root
    origin: tuple[tuple[int, int, int | None], ...]


def _source_lines(cell: dict[str, Any]) -> list[str]:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    return text.split("\n") if text else []


def _neutralise(lines: list[str]) -> list[str]:
    if lines and lines[0].lstrip().startswith("%%"):
        body = _neutralise(lines[1:])  # %%capture, %%time, %%writefile x.py: the body is Python IPython runs
        return ["", *body] if _is_python("\n".join(body)) else [""] * len(lines)  # %%bash, %%html: not Python
    out = []
    for line in lines:
        assign = _ASSIGN_SHELL.match(line)
        code = None if assign or line.lstrip().startswith("!") else _magic_code(line)
        if assign:
            out.append(assign.group(1) + "None")
        elif code is not None:
            out.append(code)
        elif _MAGIC.match(line) or _HELP.match(line):
            out.append(line[: len(line) - len(line.lstrip())] + "pass")
        else:
            out.append(line)
    return out


def _json_lines(raw: str, cells: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """(cell, line in cell) -> line of the .ipynb text, for source arrays written one string per line."""
    text_lines = raw.splitlines()
    found: dict[tuple[int, int], int] = {}
    cursor = 0
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source")
        if not isinstance(source, list):
            continue
        start = next((i for i in range(cursor, len(text_lines)) if text_lines[i].strip().startswith('"source"')), None)
        if start is None:
            break
        cursor = start + 1
        for offset, element in enumerate(source):
            index = start + 1 + offset
            if index < len(text_lines):
                try:
                    same = json.loads(text_lines[index].strip().rstrip(",")) == element
                except ValueError:
                    same = False
                if same:
                    found[(number, offset + 1)] = index + 1
    return found


def convert(root: Path, notebook: str, scratch: Path) -> Converted | Issue:
    """Write ``notebook``'s code cells as ``scratch/<notebook>.py``; a parse-error issue when it is not JSON."""
    try:
        raw = (root / notebook).read_text(encoding="utf-8")
        doc = json.loads(raw)
        cells = doc["cells"]
        if not isinstance(cells, list):
            raise TypeError("'cells' is not a list")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        name = Path(os.path.normpath(notebook)).as_posix()
        return Issue(tool="bandit", rule_id=PARSE_ERROR_RULE, title="file not analysed",
                     message=f"the notebook {name} could not be read ({exc.__class__.__name__}: {str(exc)[:200]}); "
                             "it was not checked: fix it or exclude it",
                     path=name, line=getattr(exc, "lineno", None), severity=Severity.HIGH, confidence="HIGH",
                     context=str(exc)[:200])
    json_line = _json_lines(raw, cells)
    python: list[str] = []
    origin: list[tuple[int, int, int | None]] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        for offset, line in enumerate(_neutralise(_source_lines(cell)), start=1):
            python.append(line)
            origin.append((number, offset, json_line.get((number, offset))))
    name = Path(os.path.normpath(notebook)).as_posix()
    target = scratch / (name + ".py")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(python) + "\n", encoding="utf-8")
    return Converted(name, name + ".py", tuple(origin))


def map_back(issues: Sequence[Issue], converted: Sequence[Converted]) -> list[Issue]:
    """Issues on the scratch files, moved to their notebooks' cells and lines."""
    by_python = {c.python: c for c in converted}
    out = []
    for issue in issues:
        conv = by_python.get(issue.path)
        if conv is None:
            continue
        where = conv.origin[issue.line - 1] if issue.line and 0 < issue.line <= len(conv.origin) else None
        if where is None:
            out.append(replace(issue, path=conv.notebook, line=None, end_line=None, column=None))
            continue
        cell, cell_line, ipynb_line = where
        out.append(replace(issue, path=conv.notebook, line=ipynb_line, end_line=None,
                           column=issue.column if ipynb_line is None else None,
                           message=f"cell {cell}, line {cell_line}: {issue.message}"))
    return out
