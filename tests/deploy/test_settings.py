"""Flags, INPUT_* variables and their errors (exit 2 naming the flag)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from gates.deploy.options import OPTIONS, Kind, add_arguments, raw_values
from gates.deploy.rules import MissingDataPolicy
from gates.deploy.settings import DeploySettings
from gates.deploy.sources import MetricName
from gates.errors import UsageError
from tests.deploy.helpers import REPO

BASE = ["--deploy-command", "./deploy.sh", "--rollback-command", '["./rollback.sh", "$PREVIOUS_VERSION"]',
        "--current-version", "v1", "--health-url", "http://127.0.0.1:1/health"]


def _settings(argv: list[str], environ: dict[str, str] | None = None) -> DeploySettings:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return DeploySettings.from_raw(raw_values(parser.parse_args(argv), environ or {}))


def test_defaults_are_the_seed_thresholds() -> None:
    settings = _settings(BASE)
    assert settings.thresholds == {MetricName.LATENCY_MS: 5000.0, MetricName.ERROR_RATE: 0.05,
                                   MetricName.INJECTION_ATTEMPTS: 100.0}
    assert (settings.duration_s, settings.interval_s, settings.warmup_s) == (600.0, 30.0, 0.0)
    assert settings.verify_duration_s == 90.0 and settings.on_missing_data is MissingDataPolicy.INCONCLUSIVE
    assert settings.rollback_command.argv == ("./rollback.sh", "$PREVIOUS_VERSION")
    assert settings.deploy_command is not None and settings.deploy_command.script == "./deploy.sh"


def test_inputs_in_both_spellings_and_flags_win() -> None:
    environ = {"INPUT_DEPLOY-COMMAND": "./d.sh", "INPUT_ROLLBACK_COMMAND": "./r.sh", "INPUT_CURRENT_VERSION": "v7",
               "INPUT_METRICS-URL": "http://m/x.json", "INPUT_METRICS_INJECTION_PATH": "c.inj",
               "INPUT_INTERVAL": "500ms", "INPUT_CONSECUTIVE": "true", "INPUT_PROBE_HEADER": "A: 1\nB: two",
               "INPUT_DURATION": "", "INPUT_FAILURE_LIMIT": "3"}
    settings = _settings(["--failure-limit", "2"], environ)
    assert settings.current_version == "v7" and settings.interval_s == 0.5 and settings.duration_s == 600
    assert settings.limits.consecutive and settings.limits.failure_limit == 2
    assert settings.probe_headers == {"A": "1", "B": "two"}
    assert settings.metrics_paths == {MetricName.INJECTION_ATTEMPTS: "c.inj"}


@pytest.mark.parametrize(("argv", "flag"), [
    (["--interval", "soon"], "--interval"), (["--max-error-rate", "5"], "--max-error-rate"),
    (["--failure-limit", "0"], "--failure-limit"), (["--consecutive", "yes"], "--consecutive"),
    (["--health-url", "ftp://x"], "--health-url"), (["--probe-header", "nocolon"], "--probe-header"),
    (["--deploy-command", "[1, 2]"], "--deploy-command"), (["--warmup", "10m"], "--warmup"),
    (["--prometheus-url", "http://p:9090"], "--prometheus-url"), (["--interval", "20m"], "--interval"),
])
def test_bad_values_name_the_flag(argv: list[str], flag: str) -> None:
    with pytest.raises(UsageError, match=flag):
        _settings(BASE + argv)


def test_a_version_source_and_a_health_source_are_required() -> None:
    with pytest.raises(UsageError, match="--current-version"):
        _settings(["--deploy-command", "a", "--rollback-command", "b", "--health-url", "http://h/"])
    with pytest.raises(UsageError, match="no health source"):
        _settings(["--deploy-command", "a", "--rollback-command", "b", "--current-version", "v1"])


def test_every_option_kind_is_parsed() -> None:
    assert {o.kind for o in OPTIONS} == set(Kind)
    assert len({o.name for o in OPTIONS}) == len(OPTIONS)


@pytest.mark.parametrize("argv", [["--interval", "3x"], ["--on-cancel", "maybe"]])
def test_cli_exits_2_naming_the_flag(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "gates.cli", "deploy", *BASE, *argv], capture_output=True,  # noqa: S603
                          text=True, timeout=60, cwd=REPO)
    assert done.returncode == 2
    assert argv[0] in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("metrics", "message"), [
    ("- name: p99\n  prometheus: up\n", "item 1 (p99): give min and/or max"),
    ("- name: p99\n  prometheus: up\n  json-path: a.b\n  max: 1\n", "exactly one of prometheus or json-path"),
    ("- name: latency_ms\n  prometheus: up\n  max: 1\n", "built-in metric"),
    ("- name: x\n  prometheus: up\n  max: 1\n  maximum: 2\n", "unknown key 'maximum'"),
    ("- name: x\n  prometheus: up\n  min: 3\n  max: 1\n", "min is above max"),
    ("- name: x\n  prometheus: up\n  max: one\n", "item 1 (x).max: must be a number"),
    ("- name: x\n  prometheus: up\n  max: 1\n- name: x\n  prometheus: up\n  max: 2\n", "used twice"),
    ("name: [unclosed", "not valid YAML"),
])
def test_bad_custom_metrics_name_the_item_and_key(metrics: str, message: str) -> None:
    with pytest.raises(UsageError, match="--metrics") as caught:
        _settings(BASE + ["--prometheus-url", "http://p:9090", "--metrics", metrics])
    assert message in str(caught.value)


def test_custom_metrics_become_rules_and_need_their_source() -> None:
    metrics = "- name: p99\n  prometheus: up\n  max: 800\n- name: served\n  json-path: a.b\n  min: 5\n  counter: true\n"
    settings = _settings(BASE + ["--prometheus-url", "http://p:9090", "--metrics-url", "http://m/x.json",
                                 "--metrics", metrics])
    assert settings.rules["p99"].maximum == 800 and settings.rules["served"].minimum == 5
    assert settings.rules[MetricName.ERROR_RATE].confidence == 0.95
    with pytest.raises(UsageError, match="--metrics-url needs"):
        _settings(BASE + ["--prometheus-url", "http://p:9090", "--metrics", metrics])


@pytest.mark.parametrize(("steps", "message"), [("10:1m, 5:1m", "must rise"), ("10", "weight:pause"),
                                                ("0:1m", "from 1 to 100"), ("10:soon", "weight:pause")])
def test_bad_steps_are_named(steps: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        _settings(BASE + ["--steps", steps, "--set-weight-command", "./w.sh"])


def test_steps_need_a_set_weight_command() -> None:
    settings = _settings(BASE + ["--steps", "10:30s, 50%:1m, 100:2m", "--set-weight-command", "./w.sh"])
    assert [(s.weight, s.pause_s) for s in settings.steps] == [(10, 30), (50, 60), (100, 120)]
    with pytest.raises(UsageError, match="go together"):
        _settings(BASE + ["--steps", "10:30s"])
