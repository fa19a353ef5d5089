"""Markdown for the adversarial gate: a table per probe/detector and a few redacted hits."""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from gates.garak.policy import Verdict
from gates.probes.canary import redact as redact_secrets
from gates.garak.report import Hit

_SECRETS = re.compile(
    r"(sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}|"
    r"(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"
)


def redact(text: str, secrets: Iterable[str] = (), limit: int = 240) -> str:
    """``text`` on one line, known secrets and key-shaped tokens masked, cut to ``limit`` chars."""
    out = redact_secrets(text, tuple(s for s in secrets if s and len(s) >= 4))  # plain and encoded forms
    out = _SECRETS.sub("***", out)
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


def md_text(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, backticks or raw HTML."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("`", "'"))


def pct(value: float) -> str:
    """A rate as a percentage with one decimal."""
    return f"{100 * value:.1f} %"


def table(verdicts: Sequence[Verdict]) -> str:
    """One row per probe/detector: attempts, failures, ASR, interval, limit, verdict."""
    lines = [
        "| probe | detector | evaluated | attacks succeeded | ASR | interval | max ASR | verdict |",
        "|---|---|---:|---:|---:|---|---:|---|",
    ]
    for v in verdicts:
        r = v.record
        interval = f"{pct(v.interval.lower)} – {pct(v.interval.upper)} ({v.interval.method})"
        verdict = "❌ over policy" if v.violated else "✅ ok"
        lines.append(f"| `{r.probe}` | `{r.detector}` | {r.total} | {r.fails} | {pct(r.asr)} | {interval} | "
                     f"{pct(v.rule.max_asr)} | {verdict} |")
    return "\n".join(lines)


def examples(hits: Sequence[Hit], per_pair: int, secrets: Iterable[str] = ()) -> str:
    """Up to ``per_pair`` example hits for each probe/detector, redacted and truncated."""
    secrets = tuple(secrets)
    shown: dict[tuple[str, str], int] = {}
    lines: list[str] = []
    for hit in hits:
        key = (hit.probe, hit.detector)
        if shown.get(key, 0) >= per_pair:
            continue
        shown[key] = shown.get(key, 0) + 1
        lines.append(f"- `{hit.probe}` / `{hit.detector}`: prompt “{md_text(redact(hit.prompt, secrets, 160))}” "
                     f"→ reply “{md_text(redact(hit.output, secrets, 160))}”")
    if not lines:
        return ""
    return "**Example hits** (truncated, secrets redacted)\n\n" + "\n".join(lines)
