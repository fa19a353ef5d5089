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
from gates.deploy.lock import StateLock
from gates.deploy.monitor import Monitor
from gates.deploy.report import publish
from gates.deploy.settings import DeploySettings
from gates.deploy.sources import HttpProbeSource, JsonMetricsSource, MetricName, MetricSource, PrometheusSource
from gates.deploy.state import StateFile
from gates.errors import GatesError, ToolError


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
        queries: dict[str, str] = {**settings.prometheus_queries}
        queries.update({m.name: m.prometheus for m in settings.custom_metrics if m.prometheus})
        sources.append(PrometheusSource(settings.prometheus_url, queries, interval_s=settings.interval_s,
                                        scrape_interval_s=settings.scrape_interval_s, headers=headers,
                                        timeout_s=timeout_s))
    if settings.metrics_url:
        paths: dict[str, str] = {**settings.metrics_paths}
        paths.update({m.name: m.json_path for m in settings.custom_metrics if m.json_path})
        counters = frozenset({MetricName.INJECTION_ATTEMPTS} | {m.name for m in settings.custom_metrics if m.counter})
        sources.append(JsonMetricsSource(settings.metrics_url, paths, counters=counters, headers=headers,
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
    rules = settings.rules
    monitor = Monitor(sources, rules, settings.limits, settings.on_missing_data, settings.interval_s, log=_log)
    state = StateFile(settings.state_file, warn=_warn)
    run_id = environ.get("GITHUB_RUN_ID", "")
    statuses = None
    try:
        with CancelGuard(_log) as guard, StateLock(settings.state_file, settings.lock_timeout_s, run_id):
            if settings.deployment_id and settings.github_token:
                statuses = DeploymentStatuses.from_environ(settings.github_token, settings.deployment_id, environ,
                                                           _warn_status)
                statuses.started()
            deployer = Deployer(settings, monitor, state, guard, log=_log, show_output=_show_output, run_id=run_id)
            try:
                outcome = deployer.run()
            except (Cancelled, GatesError) as exc:
                error = exc if isinstance(exc, GatesError) else ToolError(f"cancelled by {exc} before anything "
                                                                          f"was deployed")
                if statuses is not None:  # never leave the deployment in_progress
                    statuses.hurry()
                    statuses.post("error", str(error))
                raise error from None
            if statuses is not None:
                if guard.event.is_set():
                    statuses.hurry()
                statuses.finished(outcome.result, outcome.reason)
    finally:
        for source in sources:
            source.close()
    summary = environ.get("GITHUB_STEP_SUMMARY")
    output = environ.get("GITHUB_OUTPUT")
    report = publish(outcome, rules, settings.report_dir, Path(summary) if summary else None,
                     Path(output) if output else None)
    print(f"deploy result: {outcome.result.value} ({outcome.reason}); report {report}", file=sys.stderr, flush=True)
    return outcome
