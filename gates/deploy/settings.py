"""Typed deploy settings, parsed once from the option table's raw text.

Every error is a :class:`UsageError` (exit 2) that names the flag (``--interval``) and says
what to write instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gates.config.durations import parse_duration
from gates.deploy.analysis import CustomMetric, Step, parse_metrics, parse_steps
from gates.deploy.commands import CommandSpec
from gates.deploy.options import OPTIONS
from gates.deploy.rules import Limits, MissingDataPolicy, Rule
from gates.deploy.sources.base import MetricName
from gates.errors import UsageError
from gates.urls import url_problem

_KINDS = {option.name: option for option in OPTIONS}


@dataclass(frozen=True)
class DeploySettings:
    """Everything the deploy needs, validated."""

    deploy_command: CommandSpec | None
    rollback_command: CommandSpec
    current_version: str | None
    current_version_command: CommandSpec | None
    new_version: str | None
    timeout_s: float
    health_url: str | None
    expect_body: str | None
    endpoint_url: str | None
    endpoint_body: str
    probe_headers: Mapping[str, str]
    probe_requests: int
    error_rate_confidence: float
    probe_timeout_s: float
    prometheus_url: str | None
    scrape_interval_s: float | None
    prometheus_queries: Mapping[str, str]
    metrics_url: str | None
    metrics_paths: Mapping[str, str]
    custom_metrics: tuple[CustomMetric, ...]
    duration_s: float
    interval_s: float
    warmup_s: float
    thresholds: Mapping[MetricName, float]
    limits: Limits
    on_missing_data: MissingDataPolicy
    on_inconclusive: str
    set_weight_command: CommandSpec | None
    steps: tuple[Step, ...]
    verify_duration_s: float
    verify_warmup_s: float
    state_file: Path
    lock_timeout_s: float
    cancel_grace_s: float
    on_cancel: str
    rollback_only: bool
    report_dir: Path
    github_token: str | None
    deployment_id: str | None

    @classmethod
    def from_raw(cls, raw: Mapping[str, str | list[str] | None]) -> DeploySettings:
        """Parse and cross-check the raw option texts."""
        p = _Parser(raw)
        rollback_only = p.bool("rollback-only")
        interval = p.duration("interval")
        duration = p.duration("duration")
        warmup = p.duration("warmup", allow_zero=True)
        queries = p.metric_map({"query-latency-ms": MetricName.LATENCY_MS, "query-error-rate": MetricName.ERROR_RATE,
                                "query-injection-attempts": MetricName.INJECTION_ATTEMPTS})
        paths = p.metric_map({"metrics-latency-path": MetricName.LATENCY_MS,
                              "metrics-error-rate-path": MetricName.ERROR_RATE,
                              "metrics-injection-path": MetricName.INJECTION_ATTEMPTS})
        settings = cls(
            deploy_command=p.command("deploy-command", required=not rollback_only),
            rollback_command=p.command("rollback-command", required=True),  # type: ignore[arg-type]
            current_version=p.text("current-version"),
            current_version_command=p.command("current-version-command"),
            new_version=p.text("new-version"),
            timeout_s=p.duration("timeout"),
            health_url=p.url("health-url"), expect_body=p.text("expect-body"),
            endpoint_url=p.url("endpoint-url"), endpoint_body=p.text("endpoint-body") or "",
            probe_headers=p.headers("probe-header"), probe_requests=p.int("probe-requests", 1),
            error_rate_confidence=p.float("error-rate-confidence", upper=0.999999),
            probe_timeout_s=p.duration("probe-timeout"),
            prometheus_url=p.url("prometheus-url"),
            scrape_interval_s=p.duration("scrape-interval") if p.text("scrape-interval") else None,
            prometheus_queries=queries,
            metrics_url=p.url("metrics-url"), metrics_paths=paths, custom_metrics=parse_metrics(p.text("metrics")),
            duration_s=duration, interval_s=interval, warmup_s=warmup,
            thresholds={MetricName.LATENCY_MS: p.float("max-latency-ms"),
                        MetricName.ERROR_RATE: p.float("max-error-rate", upper=1.0),
                        MetricName.INJECTION_ATTEMPTS: p.float("max-injection-attempts")},
            limits=Limits(p.int("failure-limit", 1), p.bool("consecutive"), p.int("inconclusive-limit", 1),
                          p.int("error-limit", 1)),
            on_missing_data=MissingDataPolicy(p.choice("on-missing-data")),
            on_inconclusive=p.choice("on-inconclusive"),
            set_weight_command=p.command("set-weight-command"), steps=parse_steps(p.text("steps")),
            verify_duration_s=p.duration("verify-duration") if raw.get("verify-duration") else 3 * interval,
            verify_warmup_s=p.duration("verify-warmup", allow_zero=True),
            state_file=Path(p.text("state-file") or ""), lock_timeout_s=p.duration("lock-timeout", allow_zero=True),
            cancel_grace_s=p.duration("cancel-grace"), on_cancel=p.choice("on-cancel"),
            rollback_only=rollback_only, report_dir=Path(p.text("report-dir") or ""),
            github_token=p.text("github-token"), deployment_id=p.text("deployment-id"),
        )
        settings._check()
        return settings

    @property
    def rules(self) -> dict[str, Rule]:
        """Every condition: the built-in thresholds, then the custom ``metrics``."""
        rules: dict[str, Rule] = {metric: Rule(metric, maximum) for metric, maximum in self.thresholds.items()}
        rules[MetricName.ERROR_RATE] = Rule(MetricName.ERROR_RATE, self.thresholds[MetricName.ERROR_RATE],
                                            confidence=self.error_rate_confidence)
        for custom in self.custom_metrics:
            rules[custom.name] = Rule(custom.name, custom.maximum, custom.minimum)
        return rules

    def _check(self) -> None:
        if self.interval_s > self.duration_s:
            raise UsageError(f"--interval ({self.interval_s:g} s) is longer than --duration ({self.duration_s:g} s)")
        if self.warmup_s >= self.duration_s:
            raise UsageError(f"--warmup ({self.warmup_s:g} s) must be shorter than --duration ({self.duration_s:g} s)")
        if self.verify_warmup_s >= self.verify_duration_s:
            raise UsageError("--verify-warmup must be shorter than --verify-duration")
        if not (self.health_url or self.endpoint_url or self.prometheus_url or self.metrics_url):
            raise UsageError("no health source: give --health-url, --endpoint-url, --prometheus-url or --metrics-url")
        promql = bool(self.prometheus_queries) or any(m.prometheus for m in self.custom_metrics)
        json_paths = bool(self.metrics_paths) or any(m.json_path for m in self.custom_metrics)
        if bool(self.prometheus_url) != promql:
            raise UsageError("--prometheus-url needs at least one --query-* flag or prometheus metric, and those "
                             "need --prometheus-url")
        if bool(self.metrics_url) != json_paths:
            raise UsageError("--metrics-url needs at least one --metrics-*-path flag or json-path metric, and those "
                             "need --metrics-url")
        if bool(self.steps) != bool(self.set_weight_command):
            raise UsageError("--steps and --set-weight-command go together")
        if not self.rollback_only and not (self.current_version or self.current_version_command):
            raise UsageError("say which version runs now: --current-version or --current-version-command "
                             "(it is recorded before the deploy so that a rollback is always possible)")
        if bool(self.deployment_id) and not self.github_token:
            raise UsageError("--deployment-id needs --github-token")


class _Parser:
    """Typed access to the raw texts, raising UsageError that names the flag."""

    def __init__(self, raw: Mapping[str, str | list[str] | None]) -> None:
        self.raw = raw

    def _get(self, name: str) -> str | None:
        value = self.raw.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def text(self, name: str) -> str | None:
        return self._get(name)

    def url(self, name: str) -> str | None:
        value = self._get(name)
        problem = url_problem(value) if value is not None else None
        if problem:
            raise UsageError(f"--{name}: {problem}")
        return value

    def command(self, name: str, required: bool = False) -> CommandSpec | None:
        value = self._get(name)
        if value is None:
            if required:
                raise UsageError(f"--{name} is required")
            return None
        return CommandSpec.parse(value, f"--{name}")

    def duration(self, name: str, allow_zero: bool = False) -> float:
        value = self._get(name) or ""
        if allow_zero and value.rstrip("msh ").strip() in ("0", "0.0"):
            return 0.0
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise UsageError(f"--{name}: {exc}") from None

    def int(self, name: str, minimum: int) -> int:
        value = self._get(name) or ""
        try:
            number = int(value)
        except ValueError:
            raise UsageError(f"--{name}: {value!r} is not a whole number") from None
        if number < minimum:
            raise UsageError(f"--{name}: must be at least {minimum}, got {number}")
        return number

    def float(self, name: str, upper: float | None = None) -> float:
        value = self._get(name) or ""
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--{name}: {value!r} is not a number") from None
        if not math.isfinite(number) or number < 0 or (upper is not None and number > upper):
            bound = f" and at most {upper:g}" if upper is not None else ""
            raise UsageError(f"--{name}: must be a number of at least 0{bound}, got {value!r}")
        return number

    def bool(self, name: str) -> bool:
        value = (self._get(name) or "").lower()
        if value not in ("true", "false"):
            raise UsageError(f"--{name}: write true or false, got {value!r}")
        return value == "true"

    def choice(self, name: str) -> str:
        value = self._get(name) or ""
        if value not in _KINDS[name].choices:
            raise UsageError(f"--{name}: {value!r} is not one of {', '.join(_KINDS[name].choices)}")
        return value

    def metric_map(self, names: Mapping[str, MetricName]) -> dict[str, str]:
        return {metric: text for name, metric in names.items() if (text := self._get(name)) is not None}

    def headers(self, name: str) -> dict[str, str]:
        value = self.raw.get(name) or []
        headers: dict[str, str] = {}
        for item in [value] if isinstance(value, str) else value:
            key, sep, text = item.partition(":")
            if not sep or not key.strip():
                raise UsageError(f"--{name}: {item!r} must look like 'Name: value'")
            headers[key.strip()] = text.strip()
        return headers
