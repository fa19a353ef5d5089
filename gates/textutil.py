"""Text shown to people in reports: secrets redacted, Markdown-safe cells.

Shared by every gate and reporter that quotes prompts, replies or messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SECRETS = re.compile(
    r"(sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}|"
    r"(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"
)


def redact(text: str, secrets: Iterable[str] = (), limit: int = 240) -> str:
    """``text`` on one line, known secrets (plain and encoded forms) and key-shaped tokens masked,
    cut to ``limit`` characters."""
    from gates.probes.canary import redact as redact_secrets

    out = redact_secrets(text, tuple(s for s in secrets if s and len(s) >= 4))
    out = _SECRETS.sub("***", out)
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


def md_text(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, backticks or raw HTML."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("`", "'"))
