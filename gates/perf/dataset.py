"""The built-in evaluation's dataset (JSONL of prompt/expected pairs) and its scorers.

Each line: ``{"prompt": "...", "expected": "..." | number | [...], "match": "contains",
"tolerance": 0.01, "id": "..."}``; ``match`` and ``tolerance`` default to the gate options.
Scorers: ``exact`` (after trimming, white space collapsed, case-insensitive unless asked),
``contains`` (every expected string appears), ``regex`` (``re.search``), ``numeric`` (the last
number in the reply within ``tolerance`` of the expected number).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.errors import GateError


class Match(str, enum.Enum):
    """How a reply is compared with the expected answer."""

    EXACT = "exact"
    CONTAINS = "contains"
    REGEX = "regex"
    NUMERIC = "numeric"


@dataclass(frozen=True)
class Case:
    """One prompt with its expected answer and how to score it."""

    id: str
    prompt: str
    expected: tuple[str, ...]
    match: Match
    tolerance: float
    line: int


_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")


def _norm(text: str, case_sensitive: bool) -> str:
    text = " ".join(text.split()).strip().rstrip(".")
    return text if case_sensitive else text.casefold()


def last_number(text: str) -> float | None:
    """The last number written in ``text`` (``1,234.5`` allowed), else None."""
    found = _NUMBER.findall(text)
    if not found:
        return None
    try:
        return float(found[-1].replace(",", ""))
    except ValueError:
        return None


def score(case: Case, reply: str, case_sensitive: bool = False) -> bool:
    """True when ``reply`` is a correct answer to ``case``."""
    scorers: dict[Match, Callable[[str], bool]] = {
        Match.EXACT: lambda e: _norm(reply, case_sensitive) == _norm(e, case_sensitive),
        Match.CONTAINS: lambda e: _norm(e, case_sensitive) in _norm(reply, case_sensitive),
        Match.REGEX: lambda e: re.search(e, reply, 0 if case_sensitive else re.IGNORECASE) is not None,
        Match.NUMERIC: lambda e: _numeric(reply, e, case.tolerance),
    }
    check = scorers[case.match]
    if case.match is Match.CONTAINS:
        return all(check(e) for e in case.expected)
    return any(check(e) for e in case.expected)


def _numeric(reply: str, expected: str, tolerance: float) -> bool:
    got, want = last_number(reply), last_number(expected)
    return got is not None and want is not None and abs(got - want) <= tolerance


def _expected(value: Any, where: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or any(isinstance(v, (bool, dict, list)) or v is None for v in values):
        raise GateError(f"{where}: 'expected' must be a string, a number or a list of them")
    return tuple(str(v) for v in values)


def load_dataset(path: Path, default_match: Match, default_tolerance: float, source: str) -> list[Case]:
    """Read and validate the JSONL dataset; errors name ``source`` and the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise GateError(f"the evaluation dataset {source} does not exist (gates.performance.dataset)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(f"cannot read the evaluation dataset {source}: {exc}") from None
    cases: list[Case] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{source}:{number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise GateError(f"{where} is not valid JSON: {exc}") from None
        if not isinstance(row, dict) or not isinstance(row.get("prompt"), str) or "expected" not in row:
            raise GateError(f"{where}: each line needs a string 'prompt' and an 'expected' answer")
        try:
            match = Match(row.get("match", default_match.value))
        except ValueError:
            raise GateError(f"{where}: unknown match {row.get('match')!r} (exact, contains, regex, numeric)") from None
        case = Case(str(row.get("id", number)), row["prompt"], _expected(row["expected"], where), match,
                    float(row.get("tolerance", default_tolerance)), number)
        if match is Match.NUMERIC and any(last_number(e) is None for e in case.expected):
            raise GateError(f"{where}: a numeric case needs a number as 'expected'")
        if match is Match.REGEX:
            for pattern in case.expected:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise GateError(f"{where}: bad regular expression {pattern!r}: {exc}") from None
        cases.append(case)
    if not cases:
        raise GateError(f"the evaluation dataset {source} has no cases")
    return cases
