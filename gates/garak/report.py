"""Read garak's JSONL report (``eval`` rows) and hit log back into frozen dataclasses.

garak exits 0 even when a probe never ran, so the report is the only evidence: a probe
without ``eval`` rows produced nothing the gate can judge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.errors import ToolError


@dataclass(frozen=True)
class EvalRecord:
    """One probe/detector pair as garak evaluated it."""

    probe: str
    detector: str
    passed: int
    fails: int
    nones: int  # outputs garak could not get (the endpoint failed) or could not score
    ci_lower: float | None = None  # garak's bootstrap interval on the ASR (0..1), when reported
    ci_upper: float | None = None
    ci_level: float | None = None

    @property
    def total(self) -> int:
        """Outputs that were evaluated (passed + failed)."""
        return self.passed + self.fails

    @property
    def asr(self) -> float:
        """Attack success rate: the fraction of evaluated outputs the detector flagged."""
        return self.fails / self.total if self.total else 0.0


@dataclass(frozen=True)
class Hit:
    """One output a detector flagged, from the hit log."""

    probe: str
    detector: str
    prompt: str
    output: str
    score: float


@dataclass(frozen=True)
class GarakReport:
    """Everything the gate reads from one garak run."""

    evals: tuple[EvalRecord, ...]
    hits: tuple[Hit, ...]
    completed: bool  # garak wrote its ``completion`` row
    garak_version: str | None = None

    def probes(self) -> set[str]:
        """Probe names that have at least one eval row."""
        return {e.probe for e in self.evals}


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    """Parsed JSON objects of a JSONL file; an unreadable line is a tool error naming it."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ToolError(f"garak report {path}:{number} is not valid JSON: {exc}", tool="garak") from None
            if isinstance(row, dict):
                yield row


def _optional_float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _eval_record(row: dict[str, Any]) -> EvalRecord:
    return EvalRecord(
        probe=str(row.get("probe", "")).removeprefix("probes."),
        detector=str(row.get("detector", "")).removeprefix("detector.").removeprefix("detectors."),
        passed=int(row.get("passed", 0) or 0),
        fails=int(row.get("fails", 0) or 0),
        nones=int(row.get("nones", 0) or 0),
        ci_lower=_optional_float(row.get("confidence_lower")),
        ci_upper=_optional_float(row.get("confidence_upper")),
        ci_level=_optional_float(row.get("confidence")),
    )


def _text(value: Any) -> str:
    """The text of a garak message or conversation as found in the hit log."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "text" in value:
            return str(value.get("text") or "")
        turns = value.get("turns")
        if isinstance(turns, list) and turns:
            return _text((turns[-1] or {}).get("content"))
    return "" if value is None else str(value)


def read_report(report: Path, hitlog: Path | None = None) -> GarakReport:
    """Read ``report`` (must exist) and the optional ``hitlog`` next to it."""
    if not report.is_file():
        raise ToolError(f"garak wrote no report at {report}", tool="garak")
    evals: list[EvalRecord] = []
    completed = False
    version: str | None = None
    for row in _rows(report):
        kind = row.get("entry_type")
        if kind == "eval":
            evals.append(_eval_record(row))
        elif kind == "completion":
            completed = True
        elif kind == "init":
            version = str(row.get("garak_version") or "") or None
    hits: list[Hit] = []
    if hitlog is not None and hitlog.is_file():
        for row in _rows(hitlog):
            score = _optional_float(row.get("score"))
            hits.append(Hit(
                probe=str(row.get("probe", "")).removeprefix("probes."),
                detector=str(row.get("detector", "")).removeprefix("detectors."),
                prompt=_text(row.get("prompt")),
                output=_text(row.get("output")),
                score=score if score is not None else 1.0,
            ))
    return GarakReport(tuple(evals), tuple(hits), completed, version)
