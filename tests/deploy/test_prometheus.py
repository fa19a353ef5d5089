"""Deploys watched through a real Prometheus server scraping the fault service every 500 ms.

Covers: each fault class; a monitoring gap (Prometheus down, a query without series, intervals
shorter than the scrape interval) is inconclusive, never a failed rollback; queries see only
the judged version's samples (warm-up, the verification's first window, a fault starting late).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from gates.deploy.sources import MetricName, PrometheusSource
from tests.deploy.conftest import Prometheus, Service
from tests.deploy.helpers import output_value, run_deploy

pytestmark = pytest.mark.slow

LATENCY = ("1000 * histogram_quantile(0.9, sum by (le) "
           "(rate(fault_service_request_seconds_bucket{{instance='{t}'}}[$INTERVAL])))")
ERRORS = ("(sum(rate(fault_service_requests_total{{instance='{t}',outcome='error'}}[$INTERVAL])) or vector(0)) / "
          "sum(rate(fault_service_requests_total{{instance='{t}'}}[$INTERVAL]))")
INJECTIONS = "sum(increase(fault_service_injection_attempts_total{{instance='{t}'}}[$WINDOW]))"
#: the judged version's own error ratio since it took over ($WINDOW), with a version label selector
WINDOW_ERRORS = ("(sum(rate(fault_service_requests_total{outcome='error',version=\"$VERSION\"}[$WINDOW])) "
                 "or vector(0)) / sum(rate(fault_service_requests_total{version=\"$VERSION\"}[$WINDOW]))")


def _queries(prom: Prometheus) -> list[str]:
    return ["--prometheus-url", prom.url, "--query-latency-ms", LATENCY.format(t=prom.target),
            "--query-error-rate", ERRORS.format(t=prom.target), "--query-injection-attempts",
            INJECTIONS.format(t=prom.target)]


def _wait_for_samples(prom: Prometheus) -> None:
    """Until the latency query has data (two scrapes with traffic), so the tests do not race the first scrapes."""
    source = PrometheusSource(prom.url, {MetricName.LATENCY_MS: LATENCY.format(t=prom.target)}, interval_s=1)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if source.collect(time.monotonic() + 1, 10).values:
            return
        time.sleep(0.1)
    raise AssertionError("Prometheus never had latency samples")


def test_healthy_deploy_through_prometheus(service: Service, prometheus: Prometheus, traffic: None,
                                          tmp_path: Path) -> None:
    _wait_for_samples(prometheus)
    run = run_deploy(service, tmp_path, "v2", *_queries(prometheus), "--duration", "3s")
    assert run.returncode == 0, run.stdout + run.stderr
    intervals = run.window("monitor")["intervals"]
    # the scrape interval (500 ms) is read from the server: 1.75 s pass before v2 has enough samples
    assert intervals[0]["status"] == "warm-up" and "2.5 scrape intervals (0.5 s each)" in intervals[0]["missing"][0]
    values = intervals[-1]["values"]
    assert intervals[-1]["status"] == "healthy", run.stdout
    assert set(values) == {"latency_ms", "error_rate", "injection_attempts"}
    assert values["injection_attempts"] == 0 and values["error_rate"] == 0


# A 700 ms latency fault needs windows longer than one request, else no request completes in the
# window and the interval is (rightly) inconclusive: that case uses 1 s intervals.
@pytest.mark.parametrize(("version", "metric", "interval"), [("v2-errors", "error_rate", "300ms"),
                                                             ("v2-attacked", "injection_attempts", "300ms"),
                                                             ("v2-slow", "latency_ms", "1s")])
def test_each_fault_class_rolls_back_and_the_first_verify_interval_counts(
        service: Service, prometheus: Prometheus, traffic: None, tmp_path: Path, version: str, metric: str,
        interval: str) -> None:
    _wait_for_samples(prometheus)
    run = run_deploy(service, tmp_path, version, *_queries(prometheus), "--max-latency-ms", "400",
                     "--interval", interval, "--duration", "8s", "--failure-limit", "2", "--verify-duration", "4s")
    assert run.returncode == 1, run.stdout + run.stderr
    intervals = run.window("monitor")["intervals"]
    bad = [i for i in intervals if i["status"] == "bad"]
    assert len(bad) == 2 and intervals[-1]["status"] == "bad", run.stdout  # stops exactly at the failure limit
    assert any(v.startswith(f"prometheus:{prometheus.url}: ") and metric.split("_")[0] in v.replace(" ", "_")
               for v in bad[-1]["violations"]), bad[-1]
    assert 0 <= run.report["rollback_delay_s"] <= run.report["interval_s"]
    # no verify warm-up: the verification never sees the bad version's samples, so every judged interval is healthy
    verify = run.window("verify")["intervals"]
    assert service.active == "v1" and run.window("verify")["healthy"]
    assert "bad" not in {i["status"] for i in verify} and verify[-1]["status"] == "healthy", verify


def test_a_query_without_series_is_inconclusive_never_a_failed_rollback(
        service: Service, prometheus: Prometheus, traffic: None, tmp_path: Path) -> None:
    _wait_for_samples(prometheus)
    absent = ["--prometheus-url", prometheus.url, "--query-error-rate", "sum(rate(no_such_metric_total[$WINDOW]))"]
    run = run_deploy(service, tmp_path, "v2", *absent, "--inconclusive-limit", "3", "--duration", "4s",
                     "--verify-duration", "2500ms")
    assert run.returncode == 3, run.stdout + run.stderr
    statuses = [i["status"] for i in run.window("monitor")["intervals"] if i["status"] != "warm-up"]
    assert statuses == ["inconclusive"] * 3
    assert run.report["result"] == "inconclusive" and service.active == "v1"  # on-inconclusive: rollback (default)
    assert "not a bad service" in run.report["reason"] and "rollback failed" not in run.report["reason"]
    assert "::error title=Deploy%3A health not shown::" in run.stdout and "by hand" not in run.stdout

    leave = tmp_path / "leave"
    leave.mkdir()
    run = run_deploy(service, leave, "v2", *absent, "--inconclusive-limit", "3", "--duration", "4s",
                     "--on-inconclusive", "leave")
    assert run.returncode == 3 and output_value(run.outputs, "result") == "inconclusive", run.stdout
    assert service.active == "v2" and run.state["phase"] == "inconclusive"


def test_prometheus_down_is_a_measurement_error_with_its_own_limit(service: Service, prometheus: Prometheus,
                                                                   traffic: None, tmp_path: Path) -> None:
    """Prometheus stops answering mid-deploy: errors in a row end the window as inconclusive."""
    _wait_for_samples(prometheus)
    run = subprocess.Popen(["kill", "-STOP", str(prometheus.pid)])  # a hung server, then one that is gone
    run.wait(timeout=10)
    try:
        done = run_deploy(service, tmp_path, "v2", "--prometheus-url", prometheus.url, "--scrape-interval", "500ms",
                          "--query-error-rate", ERRORS.format(t=prometheus.target), "--probe-timeout", "200ms",
                          "--error-limit", "3", "--on-inconclusive", "leave", "--duration", "4s")
    finally:
        subprocess.run(["kill", "-CONT", str(prometheus.pid)], timeout=10, check=True)
    assert done.returncode == 3, done.stdout + done.stderr
    judged = [i for i in done.window("monitor")["intervals"] if i["status"] != "warm-up"]
    assert [i["status"] for i in judged] == ["error"] * 3, judged
    assert "3 measurement errors in a row reached the error limit of 3" in done.report["reason"]
    assert done.report["result"] == "inconclusive" and service.active == "v2"

    unreachable = tmp_path / "unreachable"
    unreachable.mkdir()
    done = run_deploy(service, unreachable, "v2-errors", "--prometheus-url", "http://127.0.0.1:9",
                      "--scrape-interval", "500ms", "--query-error-rate", "up", "--health-url", f"{service.url}/health",
                      "--on-missing-data", "ignore", "--verify-duration", "3s")
    # the probes still see the bad service: bad wins over a monitoring gap; with on-missing-data ignore the
    # probes alone verify the rollback
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.window("monitor")["intervals"][0]["status"] == "bad"
    verify = done.window("verify")["intervals"]
    assert any("cannot reach Prometheus" in m for i in verify for m in i["missing"]), verify
    assert verify[-1]["status"] == "healthy"


def test_intervals_shorter_than_the_scrape_interval_wait_instead_of_failing(
        service: Service, prometheus: Prometheus, traffic: None, tmp_path: Path) -> None:
    _wait_for_samples(prometheus)
    run = run_deploy(service, tmp_path, "v2", "--prometheus-url", prometheus.url, "--query-error-rate",
                     ERRORS.format(t=prometheus.target), "--interval", "250ms", "--duration", "3s")
    assert run.returncode == 0, run.stdout + run.stderr
    statuses = [i["status"] for i in run.window("monitor")["intervals"]]
    assert statuses[:7] == ["warm-up"] * 7 and statuses[-1] == "healthy" and "inconclusive" not in statuses


def test_warm_up_excludes_a_cold_start_from_window_queries(service: Service, prometheus: Prometheus,
                                                            traffic: None, tmp_path: Path) -> None:
    """v2-cold fails every request for its first 1.5 s: shown during warm-up, not judged after it."""
    _wait_for_samples(prometheus)
    queries = ["--prometheus-url", prometheus.url, "--query-error-rate", WINDOW_ERRORS]
    run = run_deploy(service, tmp_path, "v2-cold", *queries, "--warmup", "2s", "--duration", "5s")
    assert run.returncode == 0, run.stdout + run.stderr
    judged = [i for i in run.window("monitor")["intervals"] if i["status"] != "warm-up"]
    assert judged and all(i["values"]["error_rate"] == 0 for i in judged), judged


def test_a_fault_starting_late_in_a_long_window_is_caught(service: Service, prometheus: Prometheus,
                                                          traffic: None, tmp_path: Path) -> None:
    """10 % errors from second 6 of a 12 s window: the $WINDOW ratio stays under 5 %, $INTERVAL catches it."""
    _wait_for_samples(prometheus)
    run = run_deploy(service, tmp_path, "v2-late", "--prometheus-url", prometheus.url, "--query-error-rate",
                     ERRORS.format(t=prometheus.target), "--interval", "500ms", "--duration", "12s",
                     "--verify-duration", "3s", timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    crossing = run.window("monitor")["intervals"][-1]
    assert crossing["status"] == "bad" and 6 <= crossing["offset_s"] <= 10, crossing
