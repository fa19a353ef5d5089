"""The one order of findings every reporter shows, and fair shares of a capped output.

Blocking findings first (unsuppressed, at or above the gate's ``fail-on``), then worst
severity, then the gates' run order, then file and line. Where an output holds only a few
(10 annotations per level, a capped check run, the top of the summary), :func:`fair_share`
deals the places out round-robin across gates, so eight high dependency vulnerabilities are
not crowded out by a thousand code findings.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from gates.model import Finding, GateResult, RunResult

T = TypeVar("T")


@dataclass(frozen=True)
class Ranked:
    """One finding with the gate that produced it."""

    gate: GateResult
    finding: Finding
    blocking: bool
    order: int  # the gate's position in the run

    @property
    def key(self) -> tuple[int, int, int, str, int]:
        """Sort key: blocking first, worst first, gate order, path, line."""
        f = self.finding
        return (0 if self.blocking else 1, -f.severity.rank, self.order, f.path or "", f.line or 0)


def is_blocking(gate: GateResult, finding: Finding) -> bool:
    """Unsuppressed and at or above the gate's threshold."""
    return not finding.suppressed and finding.severity.at_least(gate.fail_on)


def ranked(run: RunResult, where: Callable[[Finding], bool] | None = None) -> list[Ranked]:
    """Every finding of the run (those matching ``where``), most important first."""
    items = [Ranked(g, f, is_blocking(g, f), i) for i, g in enumerate(run.gates) for f in g.findings
             if where is None or where(f)]
    items.sort(key=lambda r: r.key)
    return items


def fair_share(items: Sequence[T], cap: int, group: Callable[[T], Hashable]) -> list[T]:
    """At most ``cap`` of ``items`` (already ranked), dealt round-robin across groups.

    Each group gets its best items first; the result keeps the original ranking order.
    """
    if len(items) <= cap:
        return list(items)
    queues: dict[Hashable, list[int]] = {}
    for index, item in enumerate(items):
        queues.setdefault(group(item), []).append(index)
    chosen: list[int] = []
    depth = 0
    while len(chosen) < cap:
        row = [q[depth] for q in queues.values() if depth < len(q)]
        if not row:
            break
        chosen.extend(row[: cap - len(chosen)])
        depth += 1
    return [items[i] for i in sorted(chosen)]

