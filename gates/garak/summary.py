"""Markdown for the adversarial gate: a table per probe/detector and a few redacted hits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gates.garak.leaks import GarakLeak
from gates.garak.policy import Verdict
from gates.garak.report import Hit
from gates.textutil import md_text, redact


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
        verdict = "❌ too few samples" if v.insufficient else "❌ over policy" if v.violated else "✅ ok"
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


def leak_table(leaks: Sequence[GarakLeak], secrets: Iterable[str] = ()) -> str:
    """Markdown: garak probes whose replies revealed a secret, with one redacted example each."""
    secrets = tuple(secrets)
    lines = ["**Secrets in garak's replies** (found by the gate's leak checks; redacted)", "",
             "| probe | what leaked | replies | example reply |", "|---|---|---:|---|"]
    for leak in leaks:
        lines.append(f"| `{leak.probe}` | {md_text(leak.reason)} | {leak.count} | "
                     f"{md_text(redact(leak.output, secrets, 160))} |")
    return "\n".join(lines)
