"""Metric documents (JSON or YAML) and nested key paths such as ``eval.accuracy``.

A path is split on dots; a key that itself contains dots is found too (the longest key that
matches wins), so ``{"eval.accuracy": 0.9}`` and ``{"eval": {"accuracy": 0.9}}`` both answer
``eval.accuracy``. Values must be numbers (booleans are not); anything else is an error that
names the source and the path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import yaml

from gates.errors import GateError


def parse_document(text: str, source: str) -> Mapping[str, Any]:
    """Parse JSON (or YAML, a superset) into a mapping; GateError naming ``source`` otherwise."""
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise GateError(f"{source}{where} is neither JSON nor YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(document, Mapping):
        raise GateError(f"{source} must hold a JSON/YAML object of metrics, not {type(document).__name__}")
    return document


def lookup(document: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` (dotted) or ``KeyError`` when it is absent."""
    if path in document:
        return document[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        child = document.get(head)
        if isinstance(child, Mapping):
            try:
                return lookup(child, ".".join(parts[cut:]))
            except KeyError:
                continue
    raise KeyError(path)


def number(value: Any, source: str, path: str) -> float:
    """``value`` as a finite float; GateError naming where it came from otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GateError(f"{source}: {path} is {value!r}, not a number")
    if not math.isfinite(value):
        raise GateError(f"{source}: {path} is {value!r}, not a finite number")
    return float(value)


def metric(document: Mapping[str, Any], path: str, source: str) -> float | None:
    """The number at ``path``, None when absent, GateError when present but not a number."""
    try:
        value = lookup(document, path)
    except KeyError:
        return None
    return number(value, source, path)


def with_value(document: Mapping[str, Any], path: str, value: float) -> dict[str, Any]:
    """A copy of ``document`` with ``path`` set to ``value`` (an existing flat dotted key is kept flat)."""
    out: dict[str, Any] = dict(document)
    if path in out or "." not in path:
        out[path] = value
        return out
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):  # descend into the longest existing key first
        head = ".".join(parts[:cut])
        if isinstance(out.get(head), Mapping):
            out[head] = with_value(out[head], ".".join(parts[cut:]), value)
            return out
    out[parts[0]] = with_value({}, ".".join(parts[1:]), value)
    return out
