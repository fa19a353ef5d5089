"""The table of every deploy option: one row drives the flag, the ``INPUT_*`` input and the docs.

Each option is a flag ``--name`` and an action input ``name``, read from ``INPUT_NAME`` with
``-`` or ``_`` (flags win over inputs, inputs over defaults; an empty input counts as unset,
since GitHub passes unset inputs as empty strings).
"""

from __future__ import annotations

import argparse
import enum
from collections.abc import Mapping
from dataclasses import dataclass

from gates.config.inputs import read_input


class Kind(str, enum.Enum):
    """How an option's text is parsed."""

    TEXT = "text"
    COMMAND = "command"
    DURATION = "duration"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CHOICE = "choice"
    LIST = "list"


@dataclass(frozen=True)
class Option:
    """One deploy option."""

    name: str
    kind: Kind
    help: str
    default: str | None = None
    choices: tuple[str, ...] = ()


OPTIONS: tuple[Option, ...] = (
    Option("deploy-command", Kind.COMMAND, "Command that deploys the new version (required): a JSON array of "
           "arguments, or a shell string run by sh -c."),
    Option("rollback-command", Kind.COMMAND, "Command that restores $PREVIOUS_VERSION (required); same forms."),
    Option("current-version", Kind.TEXT, "The version in service now, recorded before anything changes."),
    Option("current-version-command", Kind.COMMAND, "Command printing the version in service (one line); also "
           "used to confirm the deployed and the restored version."),
    Option("new-version", Kind.TEXT, "The version being deployed (DEPLOYED_VERSION); else read with "
           "current-version-command after the deploy."),
    Option("timeout", Kind.DURATION, "Time limit of each deploy/rollback/version command.", "10m"),
    Option("health-url", Kind.TEXT, "URL probed with GET every interval (latency, error rate)."),
    Option("expect-body", Kind.TEXT, "Text the health URL's answer must contain."),
    Option("endpoint-url", Kind.TEXT, "Model endpoint probed with POST every interval (latency, error rate)."),
    Option("endpoint-body", Kind.TEXT, "JSON body POSTed to endpoint-url.", '{"prompt": "health check"}'),
    Option("probe-header", Kind.LIST, "Header 'Name: value' sent with every probe and metrics request "
           "(repeat the flag; one per line as an input)."),
    Option("probe-requests", Kind.INT, "Requests per probe URL per interval (the error rate is judged on the "
           "requests pooled over the last 5 intervals and over the window).", "20"),
    Option("error-rate-confidence", Kind.FLOAT, "Confidence of the one-sided Wilson bound on the probes' error "
           "rate: bad only when its lower bound exceeds max-error-rate (0 judges the plain ratio).", "0.95"),
    Option("probe-timeout", Kind.DURATION, "Time limit of one probe or metrics request (also capped by the "
           "interval).", "10s"),
    Option("prometheus-url", Kind.TEXT, "Prometheus server base URL (queries go to /api/v1/query)."),
    Option("scrape-interval", Kind.DURATION, "Prometheus scrape interval of the queried series (default: read "
           "from the server's active targets); queries wait for two scrapes of the judged version."),
    Option("query-latency-ms", Kind.TEXT, "PromQL giving latency in milliseconds ($WINDOW = time since the judged "
           "version took over, after warm-up; $INTERVAL = the last interval, at least two scrapes; $VERSION)."),
    Option("query-error-rate", Kind.TEXT, "PromQL giving the error rate as a fraction 0..1."),
    Option("query-injection-attempts", Kind.TEXT, "PromQL giving injection attempts in the window, e.g. "
           "sum(increase(injection_attempts_total[$WINDOW]))."),
    Option("metrics-url", Kind.TEXT, "URL of a JSON document with metrics."),
    Option("metrics-latency-path", Kind.TEXT, "Dotted path of the latency (ms) field in the metrics JSON."),
    Option("metrics-error-rate-path", Kind.TEXT, "Dotted path of the error-rate (0..1) field."),
    Option("metrics-injection-path", Kind.TEXT, "Dotted path of the injection-attempt counter (its increase "
           "during the window is judged)."),
    Option("metrics", Kind.TEXT, "Custom conditions, a YAML list: each item has name, one of prometheus (PromQL) "
           "or json-path, and min and/or max (json-path items may add counter: true)."),
    Option("duration", Kind.DURATION, "How long to watch after the deploy.", "10m"),
    Option("interval", Kind.DURATION, "Time between measurements (sub-second works, e.g. 500ms).", "30s"),
    Option("warmup", Kind.DURATION, "Start of the window whose intervals are shown but not judged.", "0s"),
    Option("max-latency-ms", Kind.FLOAT, "Latency above this is bad.", "5000"),
    Option("max-error-rate", Kind.FLOAT, "Error rate (fraction) above this is bad.", "0.05"),
    Option("max-injection-attempts", Kind.FLOAT, "More injection attempts than this in the window is bad.", "100"),
    Option("failure-limit", Kind.INT, "Bad intervals (total, or in a row with consecutive) that trigger the "
           "rollback.", "1"),
    Option("consecutive", Kind.BOOL, "Count only bad intervals in a row towards failure-limit.", "false"),
    Option("inconclusive-limit", Kind.INT, "Inconclusive intervals (no data) that end the window as inconclusive.",
           "3"),
    Option("error-limit", Kind.INT, "Measurement errors in a row (Prometheus or metrics URL unreachable, query "
           "error) that end the window as inconclusive.", "5"),
    Option("on-inconclusive", Kind.CHOICE, "When monitoring is inconclusive (a monitoring gap, not a bad service): "
           "roll back to the last known good version, or leave the new one; the result is inconclusive "
           "(exit 3) unless the rollback is verified.", "rollback", ("rollback", "leave")),
    Option("on-missing-data", Kind.CHOICE, "What an interval with a metric missing counts as.", "inconclusive",
           ("inconclusive", "bad", "ignore")),
    Option("set-weight-command", Kind.COMMAND, "Command that sends $WEIGHT percent of the traffic to the new "
           "version (canary steps)."),
    Option("steps", Kind.TEXT, "Canary steps 'weight:pause, ...' (e.g. '10:1m, 50:2m, 100:5m'): set-weight-command "
           "runs per step and each pause is judged as its own window; replaces duration."),
    Option("verify-duration", Kind.DURATION, "How long to watch after a rollback (default: 3 intervals)."),
    Option("verify-warmup", Kind.DURATION, "Start of the verification window that is not judged.", "0s"),
    Option("state-file", Kind.TEXT, "JSON state file recording the versions and the phase.",
           ".secure-ai-gates/deploy-state.json"),
    Option("lock-timeout", Kind.DURATION, "How long to wait for another deploy using the same state file "
           "(0: refuse at once).", "0s"),
    Option("cancel-grace", Kind.DURATION, "After a cancel signal, the rollback and a shortened verification "
           "finish within this time (GitHub kills the job 10 s after its SIGINT).", "7s"),
    Option("on-cancel", Kind.CHOICE, "On SIGTERM/SIGINT during the deploy: roll back, or leave the new "
           "version and report.", "rollback", ("rollback", "leave")),
    Option("rollback-only", Kind.BOOL, "Only roll back to the previous version recorded in state-file "
           "(e.g. in a later job) and verify.", "false"),
    Option("report-dir", Kind.TEXT, "Where deploy-report.json and deploy-summary.md go.", "secure-ai-gates-report"),
    Option("github-token", Kind.TEXT, "Token for deployment status updates (with deployment-id)."),
    Option("deployment-id", Kind.TEXT, "GitHub deployment id whose status is updated (needs github-token)."),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every option as a flag whose default is None (unset)."""
    for option in OPTIONS:
        flag = f"--{option.name}"
        default = f" (default: {option.default})" if option.default is not None else ""
        if option.kind is Kind.BOOL:
            parser.add_argument(flag, nargs="?", const="true", default=None, metavar="true|false",
                                help=option.help + default)
        elif option.kind is Kind.LIST:
            parser.add_argument(flag, action="append", default=None, help=option.help)
        elif option.kind is Kind.CHOICE:
            parser.add_argument(flag, choices=option.choices, default=None, help=option.help + default)
        else:
            parser.add_argument(flag, default=None, help=option.help + default)


def raw_values(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str | list[str] | None]:
    """Each option's text: the flag, else ``INPUT_<NAME>`` (either spelling), else its default."""
    raw: dict[str, str | list[str] | None] = {}
    for option in OPTIONS:
        value = getattr(args, option.name.replace("-", "_"), None)
        if value is None:
            env = read_input(environ, option.name)
            if env is not None:
                value = [line.strip() for line in env.splitlines() if line.strip()] if option.kind is Kind.LIST else env
        raw[option.name] = option.default if value is None else value
    return raw
