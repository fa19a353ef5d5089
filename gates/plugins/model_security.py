"""Gate ``model-security``: the model resists prompt injection and leaks no secret.

Two parts, both against the configured endpoint: the probe suite (built-in YAML probes plus
the user's probe files, run concurrently, a random canary planted in the system prompt) and the
user's own pytest security tests, run with the secure-ai-gates pytest plugin. No endpoint means
skipped; an endpoint that does not answer (beyond the error budget) means error, never a pass.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from pathlib import Path

from gates.base_inputs import BaseInputs
from gates.endpoint import EndpointClient, ErrorBudget, ErrorBudgetExceeded, accepts_system_prompt
from gates.endpoint.targets import settings_to_options
from gates.errors import ConfigError
from gates.model import Checked, Errored, Finding, Outcome, Severity, Skipped
from gates.plugins.base import Gate, GateContext
from gates.probes import usertests
from gates.probes.canary import new_canary
from gates.probes.findings import no_tests_finding, probe_findings, results_table, user_test_findings
from gates.probes.loader import check_unique, load_builtin, load_files
from gates.probes.model import Probe, ProbeResult
from gates.probes.options import DEFAULT_TESTS, KEY, ModelSecurityOptions
from gates.probes.refusal import RefusalDetector
from gates.probes.suite import compose_system_prompt, run_probes
from gates.probes.trusted import (
    Origin,
    TestRunSpec,
    change_findings,
    origin_note,
    plan_probe_files,
    plan_tests,
    tests_table,
)


class ModelSecurityGate(Gate):
    """The model resists prompt injection and leaks no secret."""

    name = "model-security"
    title = "Model security tests"
    tool = "model-security"
    default_fail_on = Severity.LOW
    default_timeout_s = 900.0
    shardable = True  # splits its work with ctx.select_shard

    def run(self, ctx: GateContext) -> Outcome:
        settings = ctx.endpoint
        if settings is None:
            return Skipped("no endpoint configured: set endpoint.url in the config or pass --endpoint URL")
        opts = ModelSecurityOptions.from_options(ctx.options)
        planted = new_canary() if accepts_system_prompt(settings) else None
        system = compose_system_prompt(opts.system_prompt, planted) if planted else None
        canaries = [c for c in (planted, opts.canary) if c]
        secrets = canaries + [s for s in (settings.api_key,) if s]
        base = BaseInputs.open(ctx.workspace, ctx.github.base_sha) if ctx.github.base_sha else None
        all_probes, probe_changes = self._probes(ctx, opts, base)
        probes = ctx.select_shard(all_probes, key=lambda p: p.id)
        with EndpointClient(settings, cancelled=ctx.cancelled, deadline=ctx.deadline) as client:
            target = client.redact(settings.url.split("?", 1)[0])
            budget = ErrorBudget(len(probes), settings.error_budget, target)
            ctx.log(f"model-security: {len(probes)} probes against {target}")
            try:
                results = run_probes(client, probes, system=system, canaries=canaries, budget=budget,
                                     detector=RefusalDetector(opts.refusal_patterns),
                                     concurrency=opts.concurrency) if probes else []
            except ErrorBudgetExceeded as exc:
                return Errored(f"the endpoint did not answer reliably: {exc}",
                               metrics={"request_failures": budget.counts})
        findings = probe_findings(results, secrets, self.tool) + probe_changes
        test_findings, test_run = self._user_tests(ctx, opts, settings_to_options(settings), planted or opts.canary,
                                                   system, secrets, base)
        evaluated = sum(1 for r in results if r.error is None)
        return Checked(
            findings=tuple(findings + test_findings),
            checked=evaluated + (test_run.ran if test_run else 0),
            summary=self._summary(results, test_run, bool(canaries)),
            details=self._details(results, test_run, secrets, planted, opts),
            metrics=self._metrics(results, test_run, budget, planted is not None),
        )

    # -- parts --------------------------------------------------------------------------

    def _probes(self, ctx: GateContext, opts: ModelSecurityOptions,
                base: BaseInputs | None) -> tuple[list[Probe], list[Finding]]:
        probes = load_builtin() if opts.builtin_probes else []
        files = plan_probe_files(ctx.workspace, opts.probe_files, base, ctx.work_dir / "base-probes")
        for index, name in files.missing:
            raise ConfigError(f"probe file {name} does not exist in the workspace", key=f"{KEY}.probe-files.{index}")
        probes += load_files(files.from_base, workspace=files.base_root)
        probes += load_files(files.from_change, workspace=ctx.workspace)
        check_unique(probes)
        first_shard = ctx.shard is None or ctx.shard.index == 1
        return [p for p in probes if opts.selects(p)], change_findings(files.changed, self.tool) if first_shard else []

    def _user_tests(self, ctx: GateContext, opts: ModelSecurityOptions, endpoint: dict[str, object],
                    canary: str | None, system: str | None, secrets: list[str],
                    base: BaseInputs | None) -> tuple[list[Finding], usertests.UserTestRun | None]:
        if not opts.tests or (ctx.shard is not None and ctx.shard.index != 1):
            return [], None
        scratch = tempfile.mkdtemp(prefix="secure-ai-gates-base-tests-")
        Path(scratch).chmod(0o755)  # committed test files: an unprivileged test user may read them, not change them
        try:
            plan = plan_tests(ctx.workspace, opts.tests, base, Path(scratch) / "tests")
            if plan.missing:
                if not opts.tests_explicit and opts.tests == (DEFAULT_TESTS,):
                    ctx.log(f"model-security: no {DEFAULT_TESTS}; only the probe suite runs")
                    return [], None
                raise ConfigError(f"security tests not found in the workspace: {', '.join(plan.missing)}",
                                  key=f"{KEY}.tests")
            env = usertests.endpoint_environment(endpoint, canary, system)
            key_env = ctx.endpoint.api_key_env if ctx.endpoint is not None else None
            runs = [usertests.run_user_tests(spec.root, spec.targets, work_dir=ctx.work_dir, env=env,
                                             timeout=ctx.remaining(), python=opts.python, origin=spec.origin.value,
                                             pass_env=[key_env] if key_env else [],
                                             extra_args=(f"--rootdir={spec.root}", *_confined(spec), *opts.pytest_args))
                    for spec in plan.runs]
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        run = usertests.combine(runs)
        for part, spec in zip(runs, plan.runs, strict=True):
            ctx.log(f"model-security: security tests ({spec.origin.value}) ran as {part.ran_as}, without the token")
        findings = change_findings(plan.changed, self.tool) + user_test_findings(run.cases, secrets,
                                                                                 opts.test_severity, self.tool)
        for part, spec in zip(runs, plan.runs):
            if part.ran == 0:
                findings.append(no_tests_finding(list(spec.targets), part.output_tail, self.tool))
        return findings, run

    # -- reporting ----------------------------------------------------------------------

    @staticmethod
    def _summary(results: list[ProbeResult], run: usertests.UserTestRun | None, has_canary: bool) -> str:
        parts = []
        if results:
            failed = sum(1 for r in results if r.violations)
            skipped = sum(1 for r in results if r.error is not None)
            parts.append(f"{len(results)} probes: {failed} failed"
                         + (f", {skipped} not evaluated" if skipped else "") + ("" if has_canary else " (no canary)"))
        if run is not None:
            o = usertests.Outcome
            parts.append(f"{len(run.cases)} security tests{origin_note(run.cases)}: {run.count(o.FAILED)} failed, "
                         f"{run.count(o.ERROR)} errors, {run.count(o.SKIPPED)} skipped")
        return "; ".join(parts) or "nothing to check"

    @staticmethod
    def _details(results: list[ProbeResult], run: usertests.UserTestRun | None, secrets: list[str],
                 planted: str | None, opts: ModelSecurityOptions) -> str:
        blocks = []
        if planted:
            blocks.append("A random canary was planted in the system prompt; any reply revealing it fails.")
        elif opts.canary:
            blocks.append("The configured canary (the target's own secret) was watched in every reply.")
        else:
            blocks.append("No canary: the target takes no system message and none was configured "
                          "(set `canary-env`), so leaks were judged by refusals only.")
        if results:
            blocks.append("#### Probes\n\n" + results_table(results, secrets))
        if run is not None:
            blocks.append("#### Security tests\n\n" + tests_table(run.cases))
        return "\n\n".join(blocks)

    @staticmethod
    def _metrics(results: list[ProbeResult], run: usertests.UserTestRun | None, budget: ErrorBudget,
                 planted: bool) -> dict[str, object]:
        latencies = [r.latency_s for r in results if r.latency_s is not None]
        metrics: dict[str, object] = {
            "probes": len(results), "probes_failed": sum(1 for r in results if r.violations),
            "probes_not_evaluated": sum(1 for r in results if r.error is not None),
            "request_failures": budget.counts, "canary_planted": planted,
        }
        if latencies:
            metrics["latency_p50_s"] = round(statistics.median(latencies), 4)
            metrics["latency_max_s"] = round(max(latencies), 4)
        if run is not None:
            for outcome in usertests.Outcome:
                metrics[f"tests_{outcome.value}"] = run.count(outcome)
        return metrics


def _confined(spec: TestRunSpec) -> tuple[str, ...]:
    """The base run loads no conftest.py from above its own directory."""
    return (f"--confcutdir={spec.root}",) if spec.origin is Origin.BASE else ()
