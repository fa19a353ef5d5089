"""Collect the current metrics from the configured source, repeated when asked."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gates.errors import ConfigError
from gates.perf.dataset import Match, load_dataset
from gates.perf.evaluate import Evaluation, evaluate
from gates.perf.sources import command_argv, read_metrics_file, run_metrics_command
from gates.perf.values import metric
from gates.plugins.base import GateContext


class Source(str, enum.Enum):
    """Where the current metrics come from; the option key that selects it."""

    FILE = "metrics-file"
    COMMAND = "command"
    BUILTIN = "dataset"


@dataclass(frozen=True)
class Measurement:
    """Samples per metric name (one per repeat) and what produced them."""

    source: Source
    description: str
    samples: Mapping[str, tuple[float, ...]]
    path: str | None = None  # workspace-relative file the metrics belong to, for findings
    evaluations: tuple[Evaluation, ...] = field(default_factory=tuple)


def source_of(options: Mapping[str, Any]) -> Source | None:
    """The one configured source; ConfigError when several are set."""
    chosen = [s for s in Source if options.get(s.value) is not None]
    if len(chosen) > 1:
        raise ConfigError("set only one of metrics-file, command and dataset",
                          key="gates.performance." + chosen[1].value)
    return chosen[0] if chosen else None


def _collect(documents: Sequence[Mapping[str, Any]], names: Sequence[str], shown: str) -> dict[str, tuple[float, ...]]:
    samples: dict[str, tuple[float, ...]] = {}
    for name in names:
        values = [metric(doc, name, shown) for doc in documents]
        present = tuple(v for v in values if v is not None)
        if len(present) == len(values):  # a metric missing from any run is missing
            samples[name] = present
    return samples


def measure(ctx: GateContext, source: Source, names: Sequence[str], repeats: int) -> Measurement:
    """Read, run or evaluate ``repeats`` times and collect each metric in ``names``."""
    options = ctx.options
    if source is Source.FILE:
        shown = str(options[source.value])
        document = read_metrics_file(ctx.path(shown), shown)
        return Measurement(
            source, f"metrics file `{shown}`", _collect([document], names, shown), ctx.relative(ctx.path(shown))
        )
    if source is Source.COMMAND:
        argv = command_argv(options[source.value])
        docs = [run_metrics_command(argv, ctx.workspace, ctx.remaining(1800.0))
                for _ in range(repeats)]
        return Measurement(source, f"command `{' '.join(argv)}`", _collect(docs, names, f"command {argv[0]}"))
    if ctx.endpoint is None:
        raise ConfigError("the built-in evaluation (dataset) needs an endpoint (endpoint.url or --endpoint)",
                          key="gates.performance.dataset")
    shown = str(options[source.value])
    cases = load_dataset(ctx.path(shown), Match(ctx.option("match", "contains")),
                         float(ctx.option("numeric-tolerance", 0.0)), shown)
    concurrency = int(ctx.option("concurrency", ctx.endpoint.concurrency))
    runs = tuple(evaluate(ctx.endpoint, cases, concurrency=concurrency,
                          case_sensitive=bool(ctx.option("case-sensitive", False)),
                          system=ctx.option("system-prompt"), cancelled=ctx.cancelled,
                          deadline=ctx.deadline if ctx.deadline != float("inf") else None)
                 for _ in range(repeats))
    docs = [run.metrics for run in runs]
    return Measurement(source, f"built-in evaluation of `{shown}` ({len(cases)} cases, {concurrency} at a time)",
                       _collect(docs, names, "built-in evaluation"), ctx.relative(ctx.path(shown)), runs)
