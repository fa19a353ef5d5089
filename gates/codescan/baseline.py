"""The committed baseline file of the code-security gate: read it strictly, write it plainly.

Format (written by ``--update-baseline``)::

    {"schema": 1, "gate": "code-security", "tool_versions": {...},
     "findings": [{"fingerprint": "...", "rule_id": "B602", "path": "src/app.py",
                   "line": 12, "tool": "bandit"}, ...]}

A ``report.json`` of an earlier run is accepted too (the findings of its ``code-security``
gate). Only fingerprints matter; the other keys help a reviewer of the file. Unlike bandit's
own baseline loader, a missing, unreadable or malformed file is a GateError: fail closed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.codescan.issues import PARSE_ERROR_RULE
from gates.errors import GateError
from gates.fingerprint import LOOSE_PREFIX
from gates.model import Finding

GATE = "code-security"
SCHEMA = 1


def load_baseline(path: Path) -> list[str]:
    """The fingerprints in the baseline file ``path`` (a multiset, in file order)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateError(f"{path}: the configured baseline-file does not exist; create it with "
                        "'secure-ai-gates run --update-baseline' or remove baseline-file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(f"{path}: cannot read the baseline file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise GateError(f"{path}:{exc.lineno}: the baseline file is not valid JSON ({exc.msg})") from None
    entries = _entries(data, path)
    prints = []
    for index, entry in enumerate(entries):
        fp = entry.get("fingerprint") if isinstance(entry, Mapping) else None
        if not isinstance(fp, str) or not fp:
            raise GateError(f"{path}: findings[{index}] has no 'fingerprint' string; "
                            "regenerate the file with --update-baseline")
        prints.append(fp)
        moved = entry.get("moved")
        if isinstance(moved, str) and moved.startswith(LOOSE_PREFIX):
            prints.append(moved)  # path-independent: matches the code after a move or rename
    return prints


def _entries(data: Any, path: Path) -> list[Any]:
    """The findings list of a baseline file or of a report.json's code-security gate."""
    if not isinstance(data, Mapping):
        raise GateError(f"{path}: a baseline file must be a JSON object with a 'findings' list")
    if "gates" in data and "findings" not in data:
        gates = data.get("gates")
        matching = (
            [g for g in gates if isinstance(g, Mapping) and g.get("name") == GATE] if isinstance(gates, list) else []
        )
        if len(matching) != 1:
            raise GateError(f"{path}: this report.json has no '{GATE}' gate to use as a baseline")
        data = matching[0]
    elif data.get("schema") != SCHEMA or data.get("gate", GATE) != GATE:
        raise GateError(f"{path}: not a code-security baseline of schema {SCHEMA} "
                        f"(schema={data.get('schema')!r}, gate={data.get('gate')!r})")
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise GateError(f"{path}: the baseline has no 'findings' list")
    return findings


def write_baseline(path: Path, findings: Iterable[Finding], tool_versions: Mapping[str, str]) -> int:
    """Write the baseline file for ``findings`` (parse errors left out); return the entry count."""
    entries = [
        {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "path": f.path, "line": f.line, "tool": f.tool,
         **({"moved": f.properties["loose_key"]} if f.properties.get("loose_key") else {})}
        for f in findings
        if f.rule_id != PARSE_ERROR_RULE
    ]
    document = {"schema": SCHEMA, "gate": GATE, "tool_versions": dict(tool_versions), "findings": entries}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise GateError(f"{path}: cannot write the baseline file ({exc})") from None
    return len(entries)
