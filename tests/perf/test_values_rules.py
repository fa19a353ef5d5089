"""Metric documents, key paths, rules, aggregation and scorers."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.errors import GateError
from gates.perf.dataset import Case, Match, last_number, load_dataset, score
from gates.perf.evaluate import percentile
from gates.perf.rules import Aggregate, Direction, MetricRule, ToleranceKind, Verdict, aggregate, compare
from gates.perf.values import lookup, metric, parse_document, with_value

DEMO_EVAL = Path(__file__).resolve().parents[2] / "examples" / "demo-project" / "eval"


def test_key_paths_nested_and_flat_and_type_errors() -> None:
    doc = parse_document(
        '{"eval": {"accuracy": 0.93, "by.split": {"test": 0.5}}, "f1.macro": 0.8, "ok": true}', "m.json"
    )
    assert lookup(doc, "eval.accuracy") == 0.93
    assert lookup(doc, "eval.by.split.test") == 0.5
    assert metric(doc, "f1.macro", "m.json") == 0.8
    assert metric(doc, "eval.recall", "m.json") is None
    with pytest.raises(GateError, match="m.json: ok is True, not a number"):
        metric(doc, "ok", "m.json")
    assert parse_document("accuracy: 0.9\n", "m.yaml") == {"accuracy": 0.9}
    with pytest.raises(GateError, match="m.yaml:2"):
        parse_document("a: [1,\n  b: }\n", "m.yaml")
    with pytest.raises(GateError, match="object of metrics"):
        parse_document("[1, 2]", "m.json")


def test_with_value_keeps_other_keys_and_shape() -> None:
    doc = {"accuracy": 0.9, "latency": {"p95_ms": 400.0, "p50_ms": 100.0}, "f1.macro": 0.7, "note": "keep"}
    out = with_value(with_value(with_value(doc, "latency.p95_ms", 380.0), "f1.macro", 0.75), "new.deep.x", 1.0)
    assert out == {"accuracy": 0.9, "latency": {"p95_ms": 380.0, "p50_ms": 100.0}, "f1.macro": 0.75,
                   "note": "keep", "new": {"deep": {"x": 1.0}}}
    assert doc["latency"]["p95_ms"] == 400.0  # the input is not modified


def test_seed_rule_fails_below_95_percent_of_the_baseline() -> None:
    rule = MetricRule("accuracy")
    assert compare(rule, 0.92, 0.93).verdict is Verdict.PASS
    assert compare(rule, 0.92, 0.92 * 0.95).verdict is Verdict.PASS  # exactly at the limit
    assert compare(rule, 0.92, 0.873).verdict is Verdict.REGRESSED
    assert compare(rule, 0.92, None).verdict is Verdict.MISSING
    assert compare(rule, None, 0.5).verdict is Verdict.NEW
    assert compare(rule, 0.92, 0.93).change == pytest.approx(0.01 / 0.92)


def test_lower_is_better_absolute_tolerance_and_hard_bounds() -> None:
    latency = MetricRule("latency_ms", Direction.LOWER, 50, ToleranceKind.ABSOLUTE, ceiling=500)
    assert compare(latency, 400, 450).verdict is Verdict.PASS
    assert compare(latency, 400, 451).verdict is Verdict.REGRESSED
    assert compare(latency, 600, 510).verdict is Verdict.OUT_OF_BOUNDS  # better than baseline, over the ceiling
    assert latency.describe_limit(400) == "≤ 450, ceiling 500"
    floor = MetricRule("accuracy", floor=0.9)
    assert compare(floor, 0.5, 0.89).verdict is Verdict.OUT_OF_BOUNDS


def test_aggregation_of_repeats() -> None:
    assert aggregate([0.9, 0.5, 0.8], Aggregate.MEDIAN, Direction.HIGHER) == 0.8
    low = aggregate([0.80, 0.82, 0.84], Aggregate.CONFIDENCE_BOUND, Direction.HIGHER)
    high = aggregate([0.80, 0.82, 0.84], Aggregate.CONFIDENCE_BOUND, Direction.LOWER)
    assert low == pytest.approx(0.82 - 1.96 * 0.02 / 3 ** 0.5, rel=1e-3) and high > 0.82
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5.5
    assert percentile([10.0], 95) == 10.0
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


@pytest.mark.parametrize(("match", "expected", "reply", "ok"), [
    (Match.CONTAINS, ("Paris",), "The capital of France is Paris.", True),
    (Match.CONTAINS, ("Paris",), "The capital of France is Atlantis.", False),
    (Match.EXACT, ("The capital of France is Paris.",), "  the capital of  France is Paris ", True),
    (Match.EXACT, ("Paris",), "The capital of France is Paris.", False),
    (Match.REGEX, (r"=\s*4\b",), "2 + 2 = 4.", True),
    (Match.NUMERIC, ("3.5",), "7 / 2 = 3.5.", True),
    (Match.NUMERIC, ("-7",), "5 - 12 = -7.", True),
    (Match.NUMERIC, ("84",), "12 * 7 = 85.", False),
    (Match.NUMERIC, ("84",), "I cannot say.", False),
])
def test_scorers(match: Match, expected: tuple[str, ...], reply: str, ok: bool) -> None:
    assert score(Case("c", "p", expected, match, 0.001, 1), reply) is ok
    assert last_number("1,234.5 then 6") == 6.0


def test_dataset_validation_names_the_line(tmp_path: Path) -> None:
    cases = load_dataset(DEMO_EVAL / "dataset.jsonl", Match.CONTAINS, 0.0, "eval/dataset.jsonl")
    assert len(cases) == 39 and {c.match for c in cases} == set(Match)
    bad = tmp_path / "bad.jsonl"
    for text, message in [('{"prompt": "x"}\n', "bad.jsonl:1: each line needs"),
                          ('\n{"prompt": "x", "expected": "y", "match": "fuzzy"}\n', "bad.jsonl:2: unknown match"),
                          ('{"prompt": "x", "expected": "[", "match": "regex"}\n', "bad regular expression"),
                          ('{"prompt": "x", "expected": "ten", "match": "numeric"}\n', "needs a number"),
                          ('{oops\n', "bad.jsonl:1 is not valid JSON"), ("\n", "has no cases")]:
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(GateError, match=message):
            load_dataset(bad, Match.CONTAINS, 0.0, "bad.jsonl")
    with pytest.raises(GateError, match="does not exist"):
        load_dataset(tmp_path / "none.jsonl", Match.CONTAINS, 0.0, "none.jsonl")
