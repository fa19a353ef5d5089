"""Deploys watched through a real Prometheus server scraping the fault service every 100 ms."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from gates.deploy.sources import MetricName, PrometheusSource
from tests.deploy.conftest import Prometheus, Service
from tests.deploy.helpers import run_deploy

pytestmark = pytest.mark.slow

LATENCY = ("1000 * histogram_quantile(0.9, sum by (le) "
           "(rate(fault_service_request_seconds_bucket{{instance='{t}'}}[$WINDOW])))")
ERRORS = ("sum(rate(fault_service_requests_total{{instance='{t}',outcome='error'}}[$WINDOW])) / "
          "sum(rate(fault_service_requests_total{{instance='{t}'}}[$WINDOW]))")
INJECTIONS = "sum(increase(fault_service_injection_attempts_total{{instance='{t}'}}[$WINDOW]))"


def _queries(prom: Prometheus) -> list[str]:
    return ["--prometheus-url", prom.url, "--query-latency-ms", LATENCY.format(t=prom.target),
            "--query-error-rate", ERRORS.format(t=prom.target), "--query-injection-attempts",
            INJECTIONS.format(t=prom.target)]


def _wait_for_samples(prom: Prometheus) -> None:
    """Until the latency query has data (two scrapes with traffic), so warm-up is not a guess."""
    source = PrometheusSource(prom.url, {MetricName.LATENCY_MS: LATENCY.format(t=prom.target)}, interval_s=1)
    import time
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if source.collect(time.monotonic() + 1, 1).values:
            return
        time.sleep(0.1)
    raise AssertionError("Prometheus never had latency samples")


def test_healthy_deploy_through_prometheus(service: Service, prometheus: Prometheus, traffic: None,
                                          tmp_path: Path) -> None:
    _wait_for_samples(prometheus)
    run = run_deploy(service, tmp_path, "v2", *_queries(prometheus))
    assert run.returncode == 0, run.stdout + run.stderr
    values = run.window("monitor")["intervals"][-1]["values"]
    assert set(values) == {"latency_ms", "error_rate", "injection_attempts"}
    assert values["injection_attempts"] == 0 and values["error_rate"] == 0


# A 700 ms latency fault needs windows longer than one request, else no request completes in the
# window and the interval is (rightly) inconclusive: that case uses 1 s intervals.
@pytest.mark.parametrize(("version", "metric", "interval"), [("v2-errors", "error_rate", "300ms"),
                                                             ("v2-attacked", "injection_attempts", "300ms"),
                                                             ("v2-slow", "latency_ms", "1s")])
def test_each_fault_class_rolls_back_through_prometheus(service: Service, prometheus: Prometheus, traffic: None,
                                                        tmp_path: Path, version: str, metric: str,
                                                        interval: str) -> None:
    _wait_for_samples(prometheus)
    run = run_deploy(service, tmp_path, version, *_queries(prometheus), "--max-latency-ms", "400",
                     "--interval", interval, "--duration", "5s", "--failure-limit", "2", "--verify-warmup", "1200ms",
                     "--verify-duration", "2500ms")
    assert run.returncode == 1, run.stdout + run.stderr
    intervals = run.window("monitor")["intervals"]
    bad = [i for i in intervals if i["status"] == "bad"]
    assert len(bad) == 2 and intervals[-1]["status"] == "bad", run.stdout  # stops exactly at the failure limit
    assert any(v.startswith(f"prometheus:{prometheus.url}: ") and metric.split("_")[0] in v.replace(" ", "_")
               for v in bad[-1]["violations"]), bad[-1]
    assert 0 <= run.report["rollback_delay_s"] <= run.report["interval_s"]
    assert service.active == "v1" and run.window("verify")["healthy"]


def test_empty_query_result_is_inconclusive_by_policy(service: Service, prometheus: Prometheus, traffic: None,
                                                      tmp_path: Path) -> None:
    absent = ["--prometheus-url", prometheus.url, "--query-error-rate", "sum(rate(no_such_metric_total[$WINDOW]))"]
    run = run_deploy(service, tmp_path, "v2", *absent, "--inconclusive-limit", "3")
    assert run.returncode == 3, run.stdout + run.stderr  # rollback cannot be verified either: fail closed
    statuses = [i["status"] for i in run.window("monitor")["intervals"]]
    assert statuses == ["inconclusive"] * 3
    assert "no sample" in run.window("monitor")["intervals"][0]["missing"][0]

    ignore = tmp_path / "ignore"
    ignore.mkdir()
    run = run_deploy(service, ignore, "v2", *absent, "--health-url", f"{service.url}/health",
                     "--on-missing-data", "ignore")
    assert run.returncode == 0, run.stdout + run.stderr
    assert all(i["missing"] and i["status"] == "healthy" for i in run.window("monitor")["intervals"])


def test_unreachable_prometheus_counts_as_missing_data(service: Service, tmp_path: Path) -> None:
    requests.get(f"{service.url}/health", timeout=2)
    run = run_deploy(service, tmp_path, "v2", "--prometheus-url", "http://127.0.0.1:9", "--query-error-rate", "up",
                     "--health-url", f"{service.url}/health", "--on-missing-data", "bad")
    assert run.returncode == 3, run.stdout + run.stderr
    first = run.window("monitor")["intervals"][0]
    assert first["status"] == "bad" and "cannot reach Prometheus" in first["missing"][0]
