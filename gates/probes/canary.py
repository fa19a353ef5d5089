"""Secret canaries: plant a random marker, then find it in a reply even when lightly disguised.

A leak counts in any of these forms: plain (any letter case), spaced or punctuated
(``A I G A T E - 1 2 ...``), reversed, rot13, base64 or hex (also when the canary sits inside a
longer encoded text such as the whole system prompt). :func:`redact` hides every such form.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import enum
import re
import secrets

PREFIX = "AIGATE"
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}[\s:]?){6,}")
_PLACEHOLDER = "[REDACTED]"


class LeakForm(str, enum.Enum):
    """How a leaked canary was disguised."""

    PLAIN = "plain"
    SPACED = "spaced"
    REVERSED = "reversed"
    ROT13 = "rot13"
    BASE64 = "base64"
    HEX = "hex"


def new_canary() -> str:
    """A fresh random canary such as ``AIGATE-7F3A9C2E1B04``."""
    return f"{PREFIX}-{secrets.token_hex(6).upper()}"


def _squash(text: str) -> str:
    """Lower-case letters and digits only: undoes spacing, punctuation and case changes."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _decoded_runs(text: str) -> list[tuple[LeakForm, str, str]]:
    """(form, encoded run, decoded text) for every base64 / hex run that decodes to text."""
    found: list[tuple[LeakForm, str, str]] = []
    for match in _HEX_RUN.finditer(text):
        digits = re.sub(r"[\s:]", "", match.group())
        for start in (0, 1):
            chunk = digits[start: start + (len(digits) - start) // 2 * 2]
            try:
                found.append((LeakForm.HEX, match.group(), binascii.unhexlify(chunk).decode("utf-8", "ignore")))
            except (binascii.Error, ValueError):
                continue
    for match in _B64_RUN.finditer(text):
        run = match.group().rstrip("=")
        for start in range(4):  # the canary may not begin at a 4-character boundary
            part = run[start:]
            if len(part) % 4 == 1:
                part = part[:-1]
            part += "=" * (-len(part) % 4)
            if len(part) < 8:
                continue
            try:
                raw = base64.b64decode(part.replace("-", "+").replace("_", "/"), validate=True)
            except (binascii.Error, ValueError):
                continue
            found.append((LeakForm.BASE64, match.group(), raw.decode("utf-8", "ignore")))
    return found


def find_leak(text: str, canary: str) -> LeakForm | None:
    """The first form in which ``canary`` appears in ``text``, else None."""
    if not canary or not text:
        return None
    if canary.lower() in text.lower():
        return LeakForm.PLAIN
    squashed, target = _squash(text), _squash(canary)
    if len(target) < 6:
        return None
    if target in squashed:
        return LeakForm.SPACED
    if target[::-1] in squashed:
        return LeakForm.REVERSED
    if target in _squash(codecs.decode(text, "rot13")):
        return LeakForm.ROT13
    for form, _run, decoded in _decoded_runs(text):
        if target in _squash(decoded) or target[::-1] in _squash(decoded):
            return form
    return None


def redact(text: str, secrets_: list[str] | tuple[str, ...]) -> str:
    """``text`` with every form of every secret replaced by ``[REDACTED]``."""
    for secret in secrets_:
        if not secret:
            continue
        target = _squash(secret)
        for candidate in (secret, secret[::-1], codecs.encode(secret, "rot13")):
            spaced = r"[\W_]*".join(re.escape(ch) for ch in candidate if ch.isalnum())
            if spaced:
                text = re.sub(spaced, _PLACEHOLDER, text, flags=re.I)
        if len(target) >= 6:
            for _form, run, decoded in _decoded_runs(text):
                if target in _squash(decoded) or target[::-1] in _squash(decoded):
                    text = text.replace(run, _PLACEHOLDER)
    return text
