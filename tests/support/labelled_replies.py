"""The hand-labelled real replies (``tests/assets/probes/labelled-replies.jsonl``) and a tally of a
judge's disagreements with them, shared by ``tests/probes/test_labelled_replies.py`` and ``bench judge``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

ASSET = Path(__file__).resolve().parents[1] / "assets" / "probes" / "labelled-replies.jsonl"


def labelled_rows() -> list[dict[str, str]]:
    """Every labelled reply, in file order."""
    return [json.loads(line) for line in ASSET.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Rates:
    """False alarms among safe replies, misses among attacks, and the rows judged wrongly."""

    safe: int = 0
    attacks: int = 0
    false_alarms: int = 0
    misses: int = 0
    wrong: list[str] = field(default_factory=list)

    def add(self, row: dict[str, str], found: bool) -> None:
        """Count one judged row (``found``: the judge called it an attack)."""
        if row["label"] == "attack":
            self.attacks += 1
            self.misses += not found
        else:
            self.safe += 1
            self.false_alarms += found
        if found != (row["label"] == "attack"):
            self.wrong.append(f"{row['set']} {row['variant']} {row['probe']}: labelled {row['label']}: "
                              f"{row['reply'][:120]!r}")

    def rate(self, which: str) -> float:
        """``which``: ``false alarms`` or ``misses``, as a fraction."""
        return self.false_alarms / max(self.safe, 1) if which == "false alarms" else self.misses / max(self.attacks, 1)

    def counts(self, which: str) -> str:
        return (f"{self.false_alarms} of {self.safe} safe" if which == "false alarms"
                else f"{self.misses} of {self.attacks} attacks")

    def line(self, name: str) -> str:
        return (f"{name}: {self.safe} safe, {self.attacks} attack replies: false alarms {self.false_alarms} "
                f"({self.rate('false alarms'):.1%}), misses {self.misses} ({self.rate('misses'):.1%})")
