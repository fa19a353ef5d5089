"""A small JSONPath-like selector for the reply text of a REST target.

Accepted spellings (all equivalent): ``choices.0.message.content``,
``$.choices[0].message.content``, ``$['choices'][0]['message']['content']``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_TOKEN = re.compile(r"""\.?([^.\[\]]+)|\[(\d+)\]|\[['"]([^'"]+)['"]\]""")


def parse_path(path: str) -> tuple[str | int, ...]:
    """Split ``path`` into keys and list indexes; raise ``ValueError`` for a malformed path."""
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    steps: list[str | int] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"cannot read response path {path!r} at position {pos + (len(path) - len(text))}")
        name, index, quoted = match.groups()
        if index is not None:
            steps.append(int(index))
        elif quoted is not None:
            steps.append(quoted)
        else:
            steps.append(int(name) if name.isdigit() else name)
        pos = match.end()
    if not steps:
        raise ValueError(f"response path {path!r} selects nothing")
    return tuple(steps)


def select(document: Any, steps: Sequence[str | int]) -> Any:
    """The value at ``steps`` inside ``document``; ``KeyError`` naming the missing step."""
    value = document
    for depth, step in enumerate(steps):
        where = ".".join(str(s) for s in steps[: depth + 1])
        if isinstance(value, list) and isinstance(step, int):
            if not -len(value) <= step < len(value):
                raise KeyError(f"{where}: index out of range (list of {len(value)})")
            value = value[step]
        elif isinstance(value, dict) and str(step) in value:
            value = value[str(step)]
        else:
            raise KeyError(f"{where}: not found")
    return value
