"""What matters in an engine's error output: the last lines, never a whole traceback.

A crashing third-party tool prints kilobytes of Python traceback; a person deciding what to do
needs its last exception line (``ValueError: bad header``) or the last few lines it printed.
The trimmed text goes into messages and the job summary; the raw text goes to the gate's log
group (see :mod:`gates.runner`).
"""

from __future__ import annotations

import re

MAX_LINES = 4
MAX_CHARS = 400
_TRACEBACK = "Traceback (most recent call last):"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def essential(text: str, *, max_lines: int = MAX_LINES, max_chars: int = MAX_CHARS) -> str:
    """The lines of ``text`` that say what went wrong, at most ``max_lines``/``max_chars``.

    After a Python traceback that is the exception text that ends it (the frames are dropped);
    otherwise the last non-empty lines.
    """
    lines = [line.rstrip() for line in _ANSI.sub("", text or "").splitlines() if line.strip()]
    if not lines:
        return ""
    starts = [i for i, line in enumerate(lines) if line.strip() == _TRACEBACK]
    if starts:
        after = lines[starts[-1] + 1:]
        tail = [line for line in after if not line.startswith((" ", "\t"))]
        picked = tail[-max_lines:] if tail else lines[-max_lines:]
    else:
        picked = lines[-max_lines:]
    joined = "\n".join(picked)
    if len(joined) > max_chars:
        joined = "…" + joined[-(max_chars - 1):]
    return joined


def code_block(text: str) -> str:
    """``text`` in a Markdown code fence that no backtick run inside it can close."""
    from gates.textutil import md_code_block

    return md_code_block(text)
