"""The performance gate's parts: metric sources, the built-in evaluation, baselines and rules."""

from gates.perf.baseline import Baseline, BaselineFrom, load_baseline, updated_document, write_baseline
from gates.perf.dataset import Case, Match, load_dataset, score
from gates.perf.evaluate import CaseResult, Evaluation, evaluate, percentile
from gates.perf.rules import Aggregate, Comparison, Direction, MetricRule, ToleranceKind, Verdict, aggregate, compare
from gates.perf.values import lookup, metric, parse_document, with_value

__all__ = [
    "Baseline", "BaselineFrom", "load_baseline", "updated_document", "write_baseline", "Case", "Match",
    "load_dataset", "score", "CaseResult", "Evaluation", "evaluate", "percentile", "Aggregate", "Comparison",
    "Direction", "MetricRule", "ToleranceKind", "Verdict", "aggregate", "compare", "lookup", "metric",
    "parse_document", "with_value",
]
