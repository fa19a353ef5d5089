"""Custom metric conditions (``metrics``) and canary steps (``steps``), parsed from their inputs.

``metrics`` is a YAML list, like the metrics of an Argo Rollouts AnalysisTemplate::

    - name: p99_latency_ms
      prometheus: 1000 * histogram_quantile(0.99, sum by (le) (rate(http_seconds_bucket[$INTERVAL])))
      max: 800
    - name: requests_served
      json-path: window.requests
      min: 5

Each item has a ``name`` (letters, digits, ``_``, ``-``; not a built-in metric), exactly one of
``prometheus`` (PromQL, with the same placeholders as the built-in queries) or ``json-path``
(a dotted path into the metrics URL's document; ``counter: true`` judges its increase in the
window), and ``min`` and/or ``max``. ``steps`` is ``weight:pause`` pairs separated by commas,
weights rising from 1 to at most 100.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

from gates.config.durations import parse_duration
from gates.deploy.sources.base import MetricName
from gates.errors import ConfigError, UsageError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_KEYS = {"name", "prometheus", "json-path", "min", "max", "counter"}


@dataclass(frozen=True)
class CustomMetric:
    """One user condition: where the value comes from and the bounds it must stay within."""

    name: str
    prometheus: str | None
    json_path: str | None
    minimum: float | None
    maximum: float | None
    counter: bool = False


@dataclass(frozen=True)
class Step:
    """One canary step: send ``weight`` percent to the new version, then judge ``pause_s`` seconds."""

    weight: int
    pause_s: float


def parse_metrics(text: str | None) -> tuple[CustomMetric, ...]:
    """The ``metrics`` input; ConfigError naming the item and key when it is wrong."""
    if not text:
        return ()
    try:
        items: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ConfigError(f"not valid YAML ({getattr(exc, 'problem', exc)})", source="--metrics",
                          line=None if line is None else line + 1) from None
    if not isinstance(items, list) or not items:
        raise ConfigError("must be a YAML list of conditions (- name: ..., prometheus: ..., max: ...)",
                          source="--metrics")
    metrics = [_metric(item, index) for index, item in enumerate(items, start=1)]
    names = [m.name for m in metrics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"the name {duplicates[0]!r} is used twice", source="--metrics")
    return tuple(metrics)


def _metric(item: Any, index: int) -> CustomMetric:
    where = f"item {index}"
    if not isinstance(item, dict):
        raise ConfigError("must be a mapping with name, prometheus or json-path, min and/or max", source="--metrics",
                          key=where)
    unknown = sorted(set(map(str, item)) - _KEYS)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})", source="--metrics",
                          key=where)
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError("name must be letters, digits, '_' or '-', starting with a letter", source="--metrics",
                          key=f"{where}.name")
    where = f"{where} ({name})"
    if name in {m.value for m in MetricName}:
        raise ConfigError(f"{name!r} is a built-in metric: use its own flags", source="--metrics", key=where)
    query, path = item.get("prometheus"), item.get("json-path")
    if (query is None) == (path is None):
        raise ConfigError("give exactly one of prometheus or json-path", source="--metrics", key=where)
    for key, value in (("prometheus", query), ("json-path", path)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError("must be a non-empty string", source="--metrics", key=f"{where}.{key}")
    bounds = {key: _number(item.get(key), f"{where}.{key}") for key in ("min", "max")}
    if bounds["min"] is None and bounds["max"] is None:
        raise ConfigError("give min and/or max", source="--metrics", key=where)
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        raise ConfigError("min is above max", source="--metrics", key=where)
    counter = item.get("counter", False)
    if not isinstance(counter, bool) or (counter and path is None):
        raise ConfigError("counter must be true or false, and only json-path items can be counters",
                          source="--metrics", key=f"{where}.counter")
    return CustomMetric(name, query.strip() if query else None, path.strip() if path else None,
                        bounds["min"], bounds["max"], counter)


def _number(value: Any, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"must be a number, got {value!r}", source="--metrics", key=key)
    return float(value)


def parse_steps(text: str | None) -> tuple[Step, ...]:
    """``10:1m, 50:2m, 100:5m`` as steps; UsageError naming the bad part."""
    if not text:
        return ()
    steps: list[Step] = []
    for part in (p.strip() for p in text.replace("\n", ",").split(",")):
        if not part:
            continue
        weight_text, sep, pause_text = part.partition(":")
        try:
            weight = int(weight_text.strip().rstrip("%").strip())
            pause = parse_duration(pause_text.strip())
        except ValueError as exc:
            raise UsageError(f"--steps: {part!r} is not 'weight:pause' like '10:1m' ({exc})") from None
        if not sep or not 1 <= weight <= 100:
            raise UsageError(f"--steps: {part!r}: the weight must be a whole percent from 1 to 100")
        if steps and weight <= steps[-1].weight:
            raise UsageError(f"--steps: weights must rise, but {weight} follows {steps[-1].weight}")
        steps.append(Step(weight, pause))
    if not steps:
        raise UsageError("--steps: no step given")
    return tuple(steps)
