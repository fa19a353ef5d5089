"""Gate ``performance``: quality and latency did not regress past tolerance against a baseline."""

from __future__ import annotations

from typing import Any

from gates.base_inputs import BaseInputs
from gates.config.settings import GitHubEnv
from gates.errors import GateError
from gates.fingerprint import fingerprints
from gates.model import Checked, Finding, Outcome, Severity, Skipped, Suppression, SuppressionKind
from gates.perf.baseline import Baseline, BaselineFrom, load_baseline, updated_document, write_baseline
from gates.perf.measure import Measurement, Source, measure, source_of
from gates.perf.rules import Aggregate, Comparison, MetricRule, Verdict, aggregate, compare, fmt
from gates.perf.summary import table, wrong_answers
from gates.perf.values import metric
from gates.plugins.base import Gate, GateContext

RULE_IDS = {Verdict.REGRESSED: "performance.regression", Verdict.OUT_OF_BOUNDS: "performance.hard-limit",
            Verdict.MISSING: "performance.metric-missing"}
DEFAULT_RULES = (MetricRule("accuracy"),)
CHANGED_RULE = "performance.input-changed"


def update_allowed(github: GitHubEnv) -> tuple[bool, str]:
    """Whether ``--update-baseline`` may write here: on a laptop, or on the default branch in Actions."""
    if not github.actions:
        return True, "outside GitHub Actions"
    if github.is_pull_request:
        return False, "this is a pull request run; baselines are updated on the default branch only"
    repository = github.event.get("repository")
    default = repository.get("default_branch") if isinstance(repository, dict) else None
    if not default:
        return False, "the event payload names no repository.default_branch, so the default branch is unknown"
    if github.ref != f"refs/heads/{default}":
        return False, f"GITHUB_REF {github.ref} is not the default branch refs/heads/{default}"
    return True, f"on the default branch {default}"


def _rules(ctx: GateContext) -> tuple[MetricRule, ...]:
    items = ctx.option("metrics")
    if not items:
        return DEFAULT_RULES
    return tuple(MetricRule.from_option(item, i) for i, item in enumerate(items))


def _findings(comparisons: list[Comparison], path: str | None, accepted: bool) -> tuple[Finding, ...]:
    bad = [c for c in comparisons if c.verdict in RULE_IDS]
    prints = fingerprints((RULE_IDS[c.verdict], path, c.rule.name) for c in bad)
    out = []
    for c, fp in zip(bad, prints):
        if c.verdict is Verdict.MISSING:
            message = f"metric {c.rule.name} is missing from the current results: a missing metric cannot pass"
        else:
            message = (f"metric {c.rule.name} is {fmt(c.current)} against a baseline of {fmt(c.baseline)}; "
                       f"limit {c.rule.describe_limit(c.baseline)} ({c.rule.direction.value} is better)")
        suppression = (Suppression(SuppressionKind.BASELINE, "accepted as the new baseline by --update-baseline")
                       if accepted and c.verdict is Verdict.REGRESSED else None)
        out.append(Finding(rule_id=RULE_IDS[c.verdict], severity=Severity.HIGH, message=message, fingerprint=fp,
                           path=path, title=f"Performance metric {c.verdict.value}", probe=c.rule.name,
                           aliases=(f"metric:{c.rule.name}",), suppression=suppression, tool="performance",
                           properties={"metric": c.rule.name, "baseline": c.baseline, "current": c.current}))
    return tuple(out)


def _changed_inputs(ctx: GateContext, source: Source, baseline: str) -> tuple[Finding, ...]:
    """On a pull request: a blocking finding for each committed input of the comparison the change edits.

    The baseline is read from the base commit anyway; a committed metrics file or evaluation
    dataset the change edits means the change wrote its own current values or its own exam.
    """
    if not ctx.github.base_sha:
        return ()
    watched = {baseline: "the baseline"}
    if source in (Source.FILE, Source.BUILTIN):
        watched[str(ctx.options[source.value])] = ("the committed metrics file (current values)"
                                                   if source is Source.FILE else "the evaluation dataset")
    base = BaseInputs.open(ctx.workspace, ctx.github.base_sha)
    changed = [(path, what) for path, what in watched.items() if base.changed([path])]
    prints = fingerprints((CHANGED_RULE, path, what) for path, what in changed)
    return tuple(Finding(rule_id=CHANGED_RULE, severity=Severity.HIGH, fingerprint=fp, path=path, tool="performance",
                         title="Performance input changed by this pull request",
                         message=f"this change edits {what} `{path}`: a pull request cannot set the numbers it is "
                                 "judged by; update it on the default branch (--update-baseline there)")
                 for (path, what), fp in zip(changed, prints))


class PerformanceGate(Gate):
    """Quality and latency did not regress past tolerance."""

    name = "performance"
    title = "Performance baseline"
    tool = "performance"
    default_fail_on = Severity.LOW
    default_timeout_s = 1800.0

    def run(self, ctx: GateContext) -> Outcome:
        """Measure, load the baseline, compare each metric rule, optionally write a new baseline."""
        source = source_of(ctx.options)
        if source is None:
            return Skipped("no metrics source configured (set gates.performance.metrics-file, command or dataset)")
        baseline_path = ctx.option("baseline")
        if not baseline_path:
            raise GateError("gates.performance.baseline is not set: a comparison without a baseline cannot pass")
        rules = _rules(ctx)
        repeats = int(ctx.option("repeats", 1)) if source is not Source.FILE else 1
        measured = measure(ctx, source, [r.name for r in rules], repeats)
        allowed, why = update_allowed(ctx.github)
        updating = ctx.update_baseline and allowed
        baseline = self._baseline(ctx, str(baseline_path), updating)
        how = Aggregate(ctx.option("aggregate", "median"))
        comparisons = []
        for rule in rules:
            samples = measured.samples.get(rule.name)
            current = aggregate(samples, how, rule.direction) if samples else None
            base = metric(baseline.document, rule.name, baseline.source)
            if base is None and not updating:
                raise GateError(f"the baseline ({baseline.source}) has no metric {rule.name}; add it, or run "
                                "with --update-baseline on the default branch")
            comparisons.append(compare(rule, base, current, samples or ()))
        notes = self._update(ctx, str(baseline_path), baseline, comparisons, updating, why)
        found = _findings(comparisons, measured.path, updating and not notes.startswith("not"))
        found += _changed_inputs(ctx, source, str(baseline_path))
        return Checked(findings=found, checked=len(comparisons), summary=self._summary(comparisons),
                       details=self._details(ctx, measured, baseline, comparisons, notes),
                       metrics={c.rule.name: c.current for c in comparisons if c.current is not None})

    @staticmethod
    def _baseline(ctx: GateContext, relative: str, updating: bool) -> Baseline:
        mode = BaselineFrom(ctx.option("baseline-from", "auto"))
        try:
            return load_baseline(ctx.workspace, relative, mode, ctx.github.base_sha)
        except GateError:
            if updating and not ctx.path(relative).exists():
                return Baseline({}, f"none yet: `{relative}` is created by --update-baseline")
            raise

    @staticmethod
    def _update(ctx: GateContext, relative: str, baseline: Baseline, comparisons: list[Comparison],
                updating: bool, why: str) -> str:
        if not ctx.update_baseline:
            return ""
        if not updating:
            return f"not updated: --update-baseline was given but {why}"
        if any(c.current is None for c in comparisons):
            return "not updated: a metric is missing from the current results"
        target = ctx.path(relative)
        existing = baseline.document if target.exists() else {}
        write_baseline(target, updated_document(existing, {c.rule.name: c.current for c in comparisons
                                                           if c.current is not None}))
        ctx.log(f"wrote the new baseline {relative}")
        return f"updated: wrote `{relative}` with the current values ({why})"

    @staticmethod
    def _summary(comparisons: list[Comparison]) -> str:
        bad = [c for c in comparisons if c.verdict in RULE_IDS]
        if not bad:
            return f"{len(comparisons)} metric(s) within tolerance of the baseline"
        return f"{len(bad)} of {len(comparisons)} metric(s) failed: " + ", ".join(
            f"{c.rule.name} {c.verdict.value}" for c in bad)

    @staticmethod
    def _details(ctx: GateContext, measured: Measurement, baseline: Baseline, comparisons: list[Comparison],
                 notes: str) -> str:
        secrets = [s for s in ((ctx.endpoint.api_key if ctx.endpoint else None),) if s]
        parts: list[Any] = [f"Current values from the {measured.description}; baseline from {baseline.source}.",
                            table(comparisons)]
        if notes:
            parts.append(f"Baseline {notes}.")
        if measured.evaluations:
            parts.append(wrong_answers(measured.evaluations[-1].results, int(ctx.option("examples", 3)), secrets))
        return "\n\n".join(p for p in parts if p)
