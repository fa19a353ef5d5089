"""Text shown to people in reports: secrets redacted, and the one place that escapes Markdown.

Everything from the workspace (file names, tool messages, model replies, advisory text) is
attacker-controlled on a pull request. Whatever reaches the job summary or a check run's
text goes through one of these helpers, so it renders as the text it is: never as HTML
(``<img>``, a ``</details>`` closer), an image, a link, a heading, a table breaker or an
autolink. Workflow-command safety for the console lives in :mod:`gates.ghactions`.

- :func:`md_text` — inline text (table cells, list items, sentences);
- :func:`md_code` — an inline code span the text cannot close;
- :func:`md_code_block` — a fenced block the text cannot close (tool output);
- :func:`md_link` — a link whose target is a plain ``https`` URL, else plain text;
- :func:`sanitize_markdown` — a gate's own Markdown with any raw HTML and images disarmed.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable

_SECRETS = re.compile(
    r"(sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}|"
    r"(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"
)
# Markdown punctuation that can start or end a construct; each is backslash-escaped.
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~^=\"'$:])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_AT = "@\u2060"  # word joiner after '@': no e-mail autolink, no @mention, same look
_URL_SAFE = "/:?#[]@!$&'*+,;=%-._~"


def redact(text: str, secrets: Iterable[str] = (), limit: int = 240) -> str:
    """``text`` on one line, known secrets (plain and encoded forms) and key-shaped tokens masked,
    cut to ``limit`` characters."""
    from gates.probes.canary import redact as redact_secrets

    out = redact_secrets(text, tuple(s for s in secrets if s and len(s) >= 4))
    out = _SECRETS.sub("***", out)
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape sequences (colours, cursor moves) and other control characters."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` with every run of whitespace (newlines included) made one space, cut to ``limit``."""
    flat = " ".join(strip_ansi(str(text)).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: max(0, limit - 1)] + "…"
    return flat


def md_text(text: object, limit: int | None = None) -> str:
    """Inline text that renders literally in Markdown and HTML (also inside a table cell).

    One line; ``&<>`` become entities; Markdown punctuation is backslash-escaped; ``@`` and
    ``://`` are broken with an invisible word joiner so no autolink or mention forms.
    """
    flat = one_line(text, limit)
    out = "".join(_HTML.get(ch, ch) for ch in flat)
    out = _MD_PUNCT.sub(r"\\\1", out)
    return _defuse_autolinks(out)


def md_code(text: object, limit: int | None = None, *, table: bool = False) -> str:
    """An inline code span holding ``text`` literally (a longer backtick run than any inside).

    In a table cell (``table=True``) ``|`` is escaped too: GitHub splits cells before parsing
    spans. A span cannot hold HTML or links.
    """
    flat = one_line(text, limit) or " "
    if table:
        flat = flat.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or flat.startswith(" ") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_code_block(text: str, lang: str = "") -> str:
    """A fenced code block holding ``text`` literally: the fence is longer than any run inside."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return f"{fence}{lang}\n{body}\n{fence}"


def md_link(label: str, url: str | None) -> str:
    """``[label](url)`` when ``url`` is a plain http(s) URL; otherwise the escaped label alone.

    ``label`` is escaped with :func:`md_text`; the URL is percent-encoded so it cannot end the
    link, and sent as-is only when its scheme is ``https`` or ``http``.
    """
    text = md_text(label)
    if not url or not re.match(r"https?://[^\s/]", url, re.I):
        return text
    safe = urllib.parse.quote(url.strip(), safe=_URL_SAFE).replace("(", "%28").replace(")", "%29")
    return f"[{text}]({safe})"


def sanitize_markdown(markdown: str) -> str:
    """A gate's Markdown with raw HTML and images disarmed, and every fenced block closed.

    Outside fenced code blocks, ``<`` becomes ``&lt;`` (no HTML tag, comment or angle-bracket
    autolink can form) and ``![`` becomes ``!\\[`` (no image). Fences are recognised as
    CommonMark does at the top level: an opening run of three or more backticks or tildes at
    column 0, closed by a run of the same character at least as long indented at most three
    spaces. A block still open at the end is closed so it cannot swallow what follows.
    """
    out: list[str] = []
    fence: str | None = None
    for line in markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if fence is None:
            opening = re.match(r"(`{3,}|~{3,})(.*)$", line)
            if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
                fence = opening.group(1)
                out.append(line)
                continue
            out.append(line.replace("<", "&lt;").replace("![", "!\\["))
        else:
            closing = re.match(r" {0,3}(`{3,}|~{3,})[ \t]*$", line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = None
            out.append(line)
    if fence is not None:
        out.append(fence)
    return "\n".join(out)


def _defuse_autolinks(text: str) -> str:
    """Break what GitHub would turn into a link by itself: ``scheme://``, ``www.``, ``@name``."""
    text = text.replace("@", _AT)
    text = re.sub(r"(?i)(www)(\\\.)", "\\1\u2060\\2", text)
    return re.sub(r"(\\:)(/)", "\\1\u2060\\2", text)
