"""Stable finding fingerprints that survive code moving and count duplicates.

A fingerprint hashes the rule id, the path and a normalised context (the offending source
line, a package name, a probe id: never a line number). Two identical findings in one file
get occurrence indexes 0, 1, ... in order of appearance, so a baseline holding one copy
still reports the second copy as new.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

_SPACE = re.compile(r"\s+")


def normalise_context(text: str) -> str:
    """Collapse white space and strip, so re-indenting or moving code keeps the fingerprint."""
    return _SPACE.sub(" ", text).strip()


def fingerprint(rule_id: str, path: str | None, context: str, occurrence: int = 0) -> str:
    """A hex digest identifying one finding; ``occurrence`` separates duplicates."""
    material = "\x1f".join((rule_id, path or "", normalise_context(context), str(occurrence)))
    return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def fingerprints(items: Iterable[tuple[str, str | None, str]]) -> list[str]:
    """Fingerprints for ``(rule_id, path, context)`` items in order, numbering duplicates."""
    seen: dict[tuple[str, str, str], int] = {}
    out: list[str] = []
    for rule_id, path, context in items:
        key = (rule_id, path or "", normalise_context(context))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append(fingerprint(rule_id, path, context, occurrence))
    return out


def new_since(current: Sequence[str], baseline: Iterable[str]) -> list[bool]:
    """For each current fingerprint, True when the baseline does not hold it (a multiset match)."""
    remaining: dict[str, int] = {}
    for fp in baseline:
        remaining[fp] = remaining.get(fp, 0) + 1
    flags: list[bool] = []
    for fp in current:
        if remaining.get(fp, 0) > 0:
            remaining[fp] -= 1
            flags.append(False)
        else:
            flags.append(True)
    return flags
