"""Every readable way a reply may carry hidden text: the text itself and what it decodes to.

A :class:`View` is one reading of a reply (as written, rot13, reversed, URL- or HTML-unescaped,
decimal or hex character codes, base64 / base32 / base85 runs decoded) with, for each of its
characters, the span of the reply it came from, so a secret found in any view can be cut out of
the reply itself.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import enum
import html
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_B32_RUN = re.compile(r"[A-Z2-7]{8,}=*")
_B85_RUN = re.compile(r"<~.{5,}?~>|[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]{10,}", re.S)
_HEX_PAIR_RUN = re.compile(r"(?:(?:0x|\\x)?[0-9a-fA-F]{2}[\s:,]*){6,}")
_HEX_PAIR = re.compile(r"(?:0x|\\x)?([0-9a-fA-F]{2})")
_DECIMAL_RUN = re.compile(r"(?:\b\d{2,3}\b[\s,;]*){6,}")
_URL_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


class Form(str, enum.Enum):
    """How hidden text was written in the reply.

    The decoders here produce the encoded forms; ``SPACED``, ``UNICODE``, ``LEETSPEAK`` and
    ``PARTIAL`` are disguises the canary search (:mod:`gates.probes.canary`) tells apart within
    the plain reading.
    """

    PLAIN = "plain"
    SPACED = "spaced"
    UNICODE = "unicode look-alikes"
    LEETSPEAK = "leetspeak"
    PARTIAL = "partial"
    ROT13 = "rot13"
    REVERSED = "reversed"
    URL = "url-encoded"
    HTML = "html-entities"
    DECIMAL = "decimal"
    HEX = "hex"
    BASE64 = "base64"
    BASE32 = "base32"
    BASE85 = "base85"


@dataclass(frozen=True)
class View:
    """One reading of the source text; ``spans[i]`` is where character ``i`` came from."""

    form: Form
    text: str
    spans: tuple[tuple[int, int], ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source span covering view characters ``start..end-1``."""
        first, last = self.spans[start], self.spans[end - 1]
        return min(first[0], last[0]), max(first[1], last[1])


def _identity(form: Form, text: str) -> View:
    return View(form, text, tuple((i, i + 1) for i in range(len(text))))


def _substituted(form: Form, text: str, pattern: re.Pattern[str], decode: Callable[[str], str | None]) -> View | None:
    """``text`` with every match of ``pattern`` replaced by its decoded character(s)."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    last, changed = 0, 0
    for match in pattern.finditer(text):
        decoded = decode(match.group())
        if decoded is None:
            continue
        out.extend(text[last:match.start()])
        spans.extend((i, i + 1) for i in range(last, match.start()))
        out.extend(decoded)
        spans.extend([match.span()] * len(decoded))
        last, changed = match.end(), changed + 1
    if changed < 3:
        return None
    out.extend(text[last:])
    spans.extend((i, i + 1) for i in range(last, len(text)))
    return View(form, "".join(out), tuple(spans))


def _code_runs(form: Form, text: str, run: re.Pattern[str], item: re.Pattern[str], base: int) -> Iterator[View]:
    """Runs of character codes (hex pairs, decimal numbers) read as characters."""
    for match in run.finditer(text):
        def char(token: str) -> str | None:
            number = int(item.fullmatch(token).group(1) if item.groups else token, base)  # type: ignore[union-attr]
            return chr(number) if 32 <= number < 127 or number in (9, 10, 13) else None
        view = _substituted(form, match.group(), item, char)
        if view is not None:
            offset = match.start()
            yield View(form, view.text, tuple((a + offset, b + offset) for a, b in view.spans))


def _block_runs(form: Form, text: str, run: re.Pattern[str], decode: Callable[[str], bytes],
                block: int) -> Iterator[View]:
    """Runs of a block encoding decoded from each possible starting offset."""
    for match in run.finditer(text):
        body = match.group()
        for start in range(block if form is not Form.BASE85 or not body.startswith("<~") else 1):
            try:
                raw = decode(body[start:])
            except (binascii.Error, ValueError):
                continue
            decoded = raw.decode("utf-8", "ignore")
            if decoded:
                yield View(form, decoded, (match.span(),) * len(decoded))


def _b64(part: str) -> bytes:
    part = part.rstrip("=")
    if len(part) % 4 == 1:
        part = part[:-1]
    return base64.b64decode(part.replace("-", "+").replace("_", "/") + "=" * (-len(part) % 4), validate=True)


def _b32(part: str) -> bytes:
    part = part.rstrip("=")
    part = part[: len(part) - len(part) % 8] if len(part) % 8 in (1, 3, 6) else part
    return base64.b32decode(part + "=" * (-len(part) % 8))


def _b85(part: str) -> bytes:
    if part.startswith("<~"):
        return base64.a85decode(part, adobe=True)
    try:
        return base64.b85decode(part)
    except ValueError:
        return base64.a85decode(part)


def views(text: str) -> list[View]:
    """Every reading of ``text`` worth searching, the text itself first."""
    found = [_identity(Form.PLAIN, text), _identity(Form.ROT13, codecs.encode(text, "rot13"))]
    reversed_view = View(Form.REVERSED, text[::-1], tuple((i, i + 1) for i in range(len(text) - 1, -1, -1)))
    found.append(reversed_view)
    for form, pattern, decode in (
        (Form.URL, _URL_ESCAPE, lambda t: urllib.parse.unquote(t)),
        (Form.HTML, _HTML_ENTITY, lambda t: (lambda u: None if u == t else u)(html.unescape(t))),
    ):
        view = _substituted(form, text, pattern, decode)
        if view is not None:
            found.append(view)
    found.extend(_code_runs(Form.HEX, text, _HEX_PAIR_RUN, _HEX_PAIR, 16))
    found.extend(_code_runs(Form.DECIMAL, text, _DECIMAL_RUN, re.compile(r"\d{2,3}"), 10))
    found.extend(_block_runs(Form.BASE64, text, _B64_RUN, _b64, 4))
    found.extend(_block_runs(Form.BASE32, text, _B32_RUN, _b32, 8))
    found.extend(_block_runs(Form.BASE85, text, _B85_RUN, _b85, 5))
    return found
