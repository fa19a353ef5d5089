"""Stable finding fingerprints that survive code moving and count duplicates.

Besides the fingerprint, :func:`loose_key` gives a path-independent key; baselines that hold
both match code moved to another file or renamed (:func:`new_since_moved`).

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


LOOSE_PREFIX = "moved:"


def loose_key(rule_id: str, context: str) -> str:
    """A path-independent key for a finding: the rule and the normalised code, no path, no occurrence.

    Code moved to another file (or a file renamed with ``git mv``) keeps this key.
    """
    material = "\x1f".join((rule_id, normalise_context(context)))
    return LOOSE_PREFIX + hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def new_since_moved(current: Sequence[tuple[str, str]], baseline: Iterable[str]) -> list[bool]:
    """For ``(fingerprint, loose key)`` pairs, True when new: a two-stage multiset match.

    First the path-bound fingerprints match (each match also uses up one baseline entry of its
    loose key); then a finding still unmatched is old when an unused baseline entry of its loose
    key remains: the code moved (another file, a renamed file). A copy is still new: the
    original keeps its place and uses up the one loose entry.
    """
    entries = list(baseline)
    exact = [fp for fp in entries if not fp.startswith(LOOSE_PREFIX)]
    loose: dict[str, int] = {}
    for key in entries:
        if key.startswith(LOOSE_PREFIX):
            loose[key] = loose.get(key, 0) + 1
    flags = new_since([fp for fp, _ in current], exact)
    for (_, key), is_new in zip(current, flags):
        if not is_new and loose.get(key, 0) > 0:
            loose[key] -= 1
    out = []
    for (_, key), is_new in zip(current, flags):
        if is_new and loose.get(key, 0) > 0:
            loose[key] -= 1
            is_new = False
        out.append(is_new)
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
