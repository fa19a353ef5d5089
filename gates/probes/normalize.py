"""Fold text to a canonical letters-and-digits stream, remembering where each character came from.

Used to find secrets and attack markers however a reply disguises them: Unicode compatibility
forms (NFKC: fullwidth ``ＡＩＧＡＴＥ``, ligatures, superscripts), confusable letters from other
scripts (Cyrillic ``А``, Greek ``Ο``), letter case, spacing and punctuation between characters
(``A I G A T E``, ``A.I.G``), zero-width characters, and, in the *folded* stream, leetspeak
(``41G4T3`` reads as ``AIGATE``). Every folded character keeps the index of the original
character it came from, so a match can be cut out of the original text (redaction).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Letters that look like Latin ones (Unicode confusables, the common part); NFKC does not fold them.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "һ": "h", "ӏ": "l", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ζ": "z", "μ": "u", "ϲ": "c",
    # Latin look-alikes and symbols
    "ı": "i", "ł": "l", "ø": "o", "ß": "ss", "ſ": "s", "ℓ": "l", "∅": "o", "×": "x",
}
# Leetspeak: digits and symbols standing for letters. Applied to both sides of a comparison.
_LEET = {"0": "o", "1": "l", "!": "l", "|": "l", "i": "l", "2": "z", "3": "e", "4": "a", "@": "a", "5": "s",
         "$": "s", "6": "g", "9": "g", "7": "t", "+": "t", "8": "b"}


@dataclass(frozen=True)
class Folded:
    """A folded stream and, for each of its characters, the index of the source character."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The source span ``[a, b)`` covering folded characters ``start..end-1``."""
        return self.origin[start], self.origin[end - 1] + 1

    def find_all(self, needle: str) -> list[tuple[int, int]]:
        """Source spans of every occurrence of ``needle`` (already folded) in this stream."""
        spans, at = [], self.text.find(needle) if needle else -1
        while at >= 0:
            spans.append(self.span(at, at + len(needle)))
            at = self.text.find(needle, at + 1)
        return spans


def _char_forms(ch: str) -> str:
    out = []
    for part in unicodedata.normalize("NFKC", ch):
        low = part.lower()
        out.append(_CONFUSABLES.get(low, _CONFUSABLES.get(part, low)))
    return unicodedata.normalize("NFKD", "".join(out))


def fold(text: str, *, leet: bool = False) -> Folded:
    """``text`` as lower-case letters and digits only (accents dropped), with source indices.

    ``leet=True`` also maps leetspeak digits and symbols to the letters they stand for.
    """
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        for part in _char_forms(ch):
            if leet:
                part = _LEET.get(part, part)
            if part.isalnum() and not unicodedata.combining(part):
                chars.append(part)
                origin.append(index)
    return Folded("".join(chars), tuple(origin))


def squash(text: str, *, leet: bool = False) -> str:
    """Only the folded characters of ``text``."""
    return fold(text, leet=leet).text
