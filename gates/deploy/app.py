"""Wires settings, sources, monitor, state file, cancel guard and report into one deploy run."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Mapping
from pathlib import Path

from gates import ghactions
from gates.deploy.cancel import CancelGuard, Cancelled
from gates.deploy.commands import CommandRun
from gates.deploy.deployer import Deployer, Outcome
from gates.deploy.github_status import DeploymentStatuses
from gates.deploy.monitor import Monitor
from gates.deploy.report import publish
from gates.deploy.rules import Rule
from gates.deploy.settings import DeploySettings
from gates.deploy.sources import HttpProbeSource, JsonMetricsSource, MetricName, MetricSource, PrometheusSource
from gates.deploy.state import StateFile
from gates.errors import ToolError


def build_sources(settings: DeploySettings) -> list[MetricSource]:
    """One source per configured URL."""
    sources: list[MetricSource] = []
    headers, timeout_s = settings.probe_headers, settings.probe_timeout_s
    if settings.health_url:
        sources.append(HttpProbeSource(settings.health_url, label="health", expect_body=settings.expect_body,
                                       requests_per_interval=settings.probe_requests, headers=headers,
                                       timeout_s=timeout_s))
    if settings.endpoint_url:
        sources.append(HttpProbeSource(settings.endpoint_url, label="endpoint", method="POST",
                                       body=settings.endpoint_body, requests_per_interval=settings.probe_requests,
                                       headers=headers, timeout_s=timeout_s))
    if settings.prometheus_url:
        sources.append(PrometheusSource(settings.prometheus_url, settings.prometheus_queries,
                                        interval_s=settings.interval_s, headers=headers, timeout_s=timeout_s))
    if settings.metrics_url:
        sources.append(JsonMetricsSource(settings.metrics_url, settings.metrics_paths, headers=headers,
                                         timeout_s=timeout_s))
    return sources


_HOW_TO_WATCH = {MetricName.LATENCY_MS: "--health-url, --endpoint-url, --query-latency-ms or --metrics-latency-path",
                 MetricName.ERROR_RATE: "--health-url, --endpoint-url, --query-error-rate or --metrics-error-rate-path",
                 MetricName.INJECTION_ATTEMPTS: "--query-injection-attempts or --metrics-injection-path"}


def _announce_unwatched(sources: list[MetricSource]) -> None:
    """Say which thresholds no source feeds, so nobody believes they are watched."""
    provided = frozenset().union(*(source.provides() for source in sources))
    for metric in MetricName:
        if metric not in provided:
            ghactions.emit("notice", f"{metric.label} is not watched: no source measures it (give "
                                     f"{_HOW_TO_WATCH[metric]})", {"title": "Deploy monitor"})


def _log(message: str) -> None:
    print(message, flush=True)


def _show_output(run: CommandRun) -> None:
    """A command's captured output, folded, and fenced so that it cannot issue workflow commands."""
    text = "\n".join(part.rstrip() for part in (run.stdout, run.stderr) if part.strip())
    if not text:
        return
    token = uuid.uuid4().hex
    print(ghactions.command("group", f"output of the {run.phase} command"), flush=True)
    print(ghactions.command("stop-commands", token), flush=True)
    print(text, flush=True)
    print(f"::{token}::", flush=True)
    print(ghactions.command("endgroup"), flush=True)


def _warn(message: str) -> None:
    ghactions.emit("warning", message, {"title": "Deploy state file"})


def _warn_status(message: str) -> None:
    ghactions.emit("warning", message, {"title": "Deployment status"})


def deploy(settings: DeploySettings, environ: Mapping[str, str]) -> Outcome:
    """Run the deploy and publish its report; return the outcome."""
    sources = build_sources(settings)
    _announce_unwatched(sources)
    rules = {metric: Rule(metric, maximum) for metric, maximum in settings.thresholds.items()}
    monitor = Monitor(sources, rules, settings.limits, settings.on_missing_data, settings.interval_s, log=_log)
    state = StateFile(settings.state_file, warn=_warn)
    statuses = None
    if settings.deployment_id and settings.github_token:
        statuses = DeploymentStatuses.from_environ(settings.github_token, settings.deployment_id, environ,
                                                   _warn_status)
        statuses.started()
    try:
        with CancelGuard(_log) as guard:
            deployer = Deployer(settings, monitor, state, guard, log=_log, show_output=_show_output,
                                run_id=environ.get("GITHUB_RUN_ID", ""))
            try:
                outcome = deployer.run()
            except Cancelled as exc:
                raise ToolError(f"cancelled by {exc} before anything was deployed") from None
    finally:
        for source in sources:
            source.close()
    if statuses is not None:
        statuses.finished(outcome.result, outcome.reason)
    summary = environ.get("GITHUB_STEP_SUMMARY")
    output = environ.get("GITHUB_OUTPUT")
    report = publish(outcome, settings.thresholds, settings.report_dir, Path(summary) if summary else None,
                     Path(output) if output else None)
    print(f"deploy result: {outcome.result.value} ({outcome.reason}); report {report}", file=sys.stderr, flush=True)
    return outcome
