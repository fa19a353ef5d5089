"""Wide Markdown tables in a gate's details become lists, so nothing is clipped in the summary pane.

GitHub renders a table at its natural width (``width: max-content``) with a horizontal scroll
bar when that is wider than the job summary's 1,012 px: a long cell (a model's reply, a
detector name, a message) pushes the last columns out of sight. A table whose widest row is
longer than :data:`MAX_ROW_CHARS` is rewritten as one list item per row,
``- first cell — header: cell · header: cell``; narrow tables (a few short numbers) stay
tables. Tables inside fenced code blocks are code and are left alone. The cells are kept as
written (the gate escaped them); only the table syntax changes.
"""

from __future__ import annotations

import re

MAX_ROW_CHARS = 100  # about what fits in 1,012 px at 14 px with the cells' padding
_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def narrow_tables(markdown: str, max_row_chars: int = MAX_ROW_CHARS) -> str:
    """``markdown`` with every table wider than ``max_row_chars`` turned into a list."""
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        opening = _FENCE.match(line)
        if opening and (fence is None or opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence)):
            fence = opening.group(1) if fence is None else None
        is_table = (fence is None and line.lstrip().startswith("|") and i + 1 < len(lines)
                    and _DELIMITER.match(lines[i + 1]) is not None and "-" in lines[i + 1])
        if not is_table:
            out.append(line)
            i += 1
            continue
        end = i + 2
        while end < len(lines) and lines[end].lstrip().startswith("|"):
            end += 1
        rows = [lines[i], *lines[i + 2:end]]
        if max(len(r.strip()) for r in rows) > max_row_chars:
            out += _as_list(_cells(lines[i]), [_cells(r) for r in lines[i + 2:end]])
        else:
            out += lines[i:end]
        i = end
    return "\n".join(out)


def _cells(row: str) -> list[str]:
    """A table row's cells (an escaped ``\\|`` stays inside its cell)."""
    text = row.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    return [cell.strip() for cell in _CELL_SPLIT.split(text)]


def _as_list(header: list[str], rows: list[list[str]]) -> list[str]:
    items = []
    for row in rows:
        first, rest = (row[0] if row else ""), row[1:]
        pairs = [f"{header[k + 1]}: {cell}" if k + 1 < len(header) and header[k + 1] else cell
                 for k, cell in enumerate(rest) if cell]
        lead = f"{header[0]}: {first}" if header and header[0] and first else first
        items.append("- " + " — ".join(p for p in (lead, " · ".join(pairs)) if p))
    return ["", *items, ""]
