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
