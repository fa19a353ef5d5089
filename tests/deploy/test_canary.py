"""Beyond the seed: progressive canary steps, custom metric conditions, probe error rates judged on enough samples."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.deploy.conftest import SCRIPT, Service
from tests.deploy.helpers import run_deploy


def _canary_flags(service: Service, steps: str) -> list[str]:
    base = [sys.executable, SCRIPT]
    return ["--deploy-command", json.dumps(base + ["canary", "--state-dir", str(service.state_dir),
                                                   "--version", "$DEPLOYED_VERSION"]),
            "--set-weight-command", json.dumps(base + ["set-weight", "--state-dir", str(service.state_dir),
                                                       "--weight", "$WEIGHT"]),
            "--steps", steps, "--health-url", f"{service.url}/health"]


def test_canary_steps_raise_the_weight_and_judge_each_step(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2", *_canary_flags(service, "10:900ms, 50:900ms, 100:900ms"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert [w["phase"] for w in run.report["windows"]] == ["step 1: 10 %", "step 2: 50 %", "step 3: 100 %"]
    assert all(w["healthy"] for w in run.report["windows"])
    assert [e.get("weight") for e in service.events()] == [10, 50, 100] and service.active == "v2"
    assert "### Canary step 2: 50 %: healthy" in run.summary


def test_a_bad_canary_is_rolled_back_at_its_first_step(service: Service, tmp_path: Path) -> None:
    run = run_deploy(service, tmp_path, "v2-errors", *_canary_flags(service, "10:3s, 50:3s, 100:3s"),
                     "--verify-duration", "1200ms")
    assert run.returncode == 1, run.stdout + run.stderr
    assert [w["phase"] for w in run.report["windows"]] == ["step 1: 10 %", "verify"]
    assert "in step 1: 10 %" in run.report["reason"]
    assert [(e["version"], e.get("weight")) for e in service.events()] == [("v2-errors", 10), ("v1", None)]
    assert service.active == "v1"


def test_custom_json_conditions_with_a_minimum_and_a_maximum(service: Service, tmp_path: Path) -> None:
    conditions = ("- name: injections\n  json-path: counters.injection_attempts_total\n  counter: true\n"
                  "  min: 0\n  max: 1000\n"
                  "- name: error_share\n  json-path: window.error_rate\n  max: 0.5\n")
    # the service's stats cover its last 2 s: the verification waits them out (verify-warmup)
    run = run_deploy(service, tmp_path, "v2-errors", "--endpoint-url", f"{service.url}/predict",
                     "--max-error-rate", "1", "--metrics-url", f"{service.url}/stats.json", "--metrics", conditions,
                     "--verify-warmup", "2500ms", "--verify-duration", "3500ms")
    assert run.returncode == 1, run.stdout + run.stderr
    bad = run.window("monitor")["intervals"][-1]
    assert [v.split(": ", 1)[1] for v in bad["violations"]] == ["error_share 1 > 0.5"], bad
    assert bad["values"]["injections"] == 0 and run.window("verify")["healthy"]
    assert "| injections | error_share | notes |" in run.summary
    assert run.report["conditions"]["injections"] == {"min": 0.0, "max": 1000.0}


def test_probe_error_rate_is_judged_on_enough_samples(service: Service, tmp_path: Path) -> None:
    """3 % random errors under a 5 % limit stay; 12 % random errors roll back."""
    flaky = run_deploy(service, tmp_path, "v2-flaky", "--health-url", f"{service.url}/health", "--duration", "3s")
    assert flaky.returncode == 0, flaky.stdout + flaky.stderr
    seen = sum(i["requests"] for i in flaky.window("monitor")["intervals"])
    assert seen >= 50, seen
    worse = tmp_path / "worse"
    worse.mkdir()
    real = run_deploy(service, worse, "v2-12pct", "--health-url", f"{service.url}/health", "--duration", "8s")
    assert real.returncode == 1, real.stdout + real.stderr
    assert "lower bound" in real.report["reason"] or any(
        "lower bound" in v for v in real.window("monitor")["intervals"][-1]["violations"])
