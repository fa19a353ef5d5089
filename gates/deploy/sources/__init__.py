"""Metric sources: one :class:`MetricSource` per kind (HTTP probes, Prometheus, JSON URL)."""

from gates.deploy.sources.base import MetricName, MetricSource, Reading, SourceError, WindowStart, metric_label
from gates.deploy.sources.http_probe import HttpProbeSource
from gates.deploy.sources.json_metrics import JsonMetricsSource
from gates.deploy.sources.prometheus import PrometheusSource

__all__ = ["HttpProbeSource", "JsonMetricsSource", "MetricName", "MetricSource", "PrometheusSource", "Reading",
           "SourceError", "WindowStart", "metric_label"]
