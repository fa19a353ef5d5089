"""Secrets in garak's output: find them in every reply garak recorded, and redact garak's files.

garak's own detectors do not know our canary: a reply that leaks it to an ``encoding`` probe is
not a hit. Every ``attempt`` row of the report is therefore scanned with the model-security
gate's leak checks (the canary in any form, the system prompt by n-gram overlap), and every
copy of garak's files kept in the report dir is rewritten with all secrets redacted (JSON rows
string by string, so escaped Unicode look-alikes are caught too).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.probes.canary import redact
from gates.probes.judge import leaks as reply_leaks
from gates.textutil import strip_ansi


@dataclass(frozen=True)
class GarakLeak:
    """Replies of one garak probe that revealed a secret."""

    probe: str
    rule_id: str
    reason: str
    count: int
    prompt: str
    output: str


def _texts(value: Any) -> Iterable[str]:
    """Every reply text in an attempt's ``outputs`` (strings or garak message objects)."""
    for item in value or []:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            yield item["text"]


def _prompt(row: dict[str, Any]) -> str:
    prompt = row.get("prompt")
    if isinstance(prompt, dict):
        turns = prompt.get("turns") or []
        if turns and isinstance(turns[-1], dict):
            content = turns[-1].get("content")
            return str(content.get("text", "") if isinstance(content, dict) else content or "")
    return str(prompt or "")


def scan_report(report: Path, canaries: Sequence[str], system_prompt: str | None) -> list[GarakLeak]:
    """One entry per probe and rule with replies that leak, counting each attempt once."""
    seen: set[str] = set()
    found: dict[tuple[str, str], GarakLeak] = {}
    with report.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict) or row.get("entry_type") != "attempt":
                continue
            texts = list(_texts(row.get("outputs")))
            key = str(row.get("uuid", id(row)))
            if not texts or key in seen:  # garak writes an attempt twice (status 1, then 2): count it once
                continue
            seen.add(key)
            probe = str(row.get("probe_classname", "")).removeprefix("probes.")
            for text in texts:
                for violation in reply_leaks(text, canaries, system_prompt):
                    pair = (probe, violation.rule_id)
                    previous = found.get(pair)
                    found[pair] = GarakLeak(probe, violation.rule_id, violation.reason,
                                            (previous.count if previous else 0) + 1,
                                            previous.prompt if previous else _prompt(row),
                                            previous.output if previous else text)
                    break
    return sorted(found.values(), key=lambda leak: (leak.probe, leak.rule_id))


def _redact_json(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return redact(strip_ansi(value), list(secrets))
    if isinstance(value, list):
        return [_redact_json(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _redact_json(v, secrets) for k, v in value.items()}
    return value


def redact_file(path: Path, secrets: Sequence[str]) -> None:
    """Rewrite ``path`` with every form of every secret redacted (JSONL row by row)."""
    secrets = [s for s in secrets if s]
    if not secrets:
        return
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    out = []
    for line in lines:
        try:
            row = json.loads(line) if path.suffix == ".jsonl" and line.strip() else None
        except ValueError:
            row = None
        if row is not None:
            out.append(json.dumps(_redact_json(row, secrets), ensure_ascii=False) + "\n")
        else:
            out.append(redact(line, secrets))
    path.write_text("".join(out), encoding="utf-8")
