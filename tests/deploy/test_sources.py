"""Parsing Prometheus answers, $WINDOW rendering, JSON paths and counters, command forms."""

from __future__ import annotations

import sys

import pytest

from gates.deploy.commands import CommandSpec, read_version, run_command
from gates.deploy.sources import MetricName
from gates.deploy.sources.base import SourceError
from gates.deploy.sources.json_metrics import JsonMetricsSource, resolve_path
from gates.deploy.sources.prometheus import parse_instant_result, render_query


def _vector(*values: str) -> dict:
    return {"status": "success", "data": {"resultType": "vector",
                                          "result": [{"metric": {}, "value": [1.0, v]} for v in values]}}


def test_prometheus_answers() -> None:
    assert parse_instant_result(_vector()) is None  # empty => no data, never 0
    assert parse_instant_result(_vector("NaN")) is None
    assert parse_instant_result(_vector("0.01", "0.2", "NaN")) == 0.2  # worst series
    assert parse_instant_result(_vector("+Inf")) == float("inf")
    assert parse_instant_result({"status": "success", "data": {"resultType": "scalar", "result": [1, "3"]}}) == 3
    with pytest.raises(SourceError, match="parse error"):
        parse_instant_result({"status": "error", "error": "parse error at char 3"})
    with pytest.raises(SourceError, match="matrix"):
        parse_instant_result({"status": "success", "data": {"resultType": "matrix", "result": []}})


def test_placeholders_become_durations_and_an_escaped_version() -> None:
    assert render_query("increase(x[$WINDOW]) / $INTERVAL", 125.25, 0.3) == "increase(x[125250ms]) / 300ms"
    assert render_query('x{version="$VERSION"}', 1, 1, 'v2"} or vector(1) #') == 'x{version="v2\\"} or vector(1) #"}'


def test_json_paths_and_counter_resets() -> None:
    document = {"a": {"b": [{"c": 4}]}}
    assert resolve_path(document, "a.b.0.c") == 4
    with pytest.raises(SourceError, match="no field '1'"):
        resolve_path(document, "a.b.1.c")
    source = JsonMetricsSource("http://unused", {MetricName.INJECTION_ATTEMPTS: "x"})
    increases = [source._counter(MetricName.INJECTION_ATTEMPTS, v) for v in (50, 60, 75, 5, 10)]
    assert increases == [0, 10, 25, 30, 35]  # the drop to 5 is a restart: +5, then +5 more


def test_argument_lists_substitute_only_our_variables_and_never_use_a_shell() -> None:
    spec = CommandSpec.parse('["echo", "to=${PREVIOUS_VERSION}", "$HOME", "$(id)"]', "--rollback-command")
    run = run_command(spec, "rollback", {"PREVIOUS_VERSION": "v1; rm -rf /"}, 10)
    assert run.ok and run.stdout.strip() == "to=v1; rm -rf / $HOME $(id)"


def test_shell_strings_see_the_environment_and_failures_are_reported() -> None:
    spec = CommandSpec.parse('echo "$DEPLOY_PHASE $DEPLOYED_VERSION"; exit 5', "--deploy-command")
    run = run_command(spec, "deploy", {"DEPLOYED_VERSION": "v2"}, 10)
    assert not run.ok and run.returncode == 5 and run.stdout.strip() == "deploy v2"
    slow = run_command(CommandSpec.parse(f'["{sys.executable}", "-c", "import time; time.sleep(5)"]', "--x"),
                       "deploy", {}, 0.3)
    assert not slow.ok and "did not finish within 0.3 s" in slow.error


def test_version_command_must_print_one_line() -> None:
    version, _ = read_version(CommandSpec.parse("echo; echo v3; echo", "--c"), {}, 10)
    assert version == "v3"
    version, run = read_version(CommandSpec.parse("printf 'a\\nb\\n'", "--c"), {}, 10)
    assert version is None and "exactly one line" in run.error
