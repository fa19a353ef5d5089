"""Gate ``model-security``: the model resists prompt injection and leaks no secret.

Two parts, both against the configured endpoint: the probe suite (built-in YAML probes plus
the user's probe files, run concurrently, a random canary planted in the system prompt) and the
user's own pytest security tests, run with the secure-ai-gates pytest plugin. No endpoint means
skipped; an endpoint that does not answer (beyond the error budget) means error, never a pass.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import tempfile
from pathlib import Path

from gates.base_inputs import BaseInputs
from gates.config.settings import EndpointSettings
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
from gates.probes.suite import SuiteSettings, compose_system_prompt, run_probes
from gates.probes.trusted import (
    Origin,
    TestRunSpec,
    change_findings,
    origin_note,
    plan_probe_files,
    plan_tests,
    tests_table,
)
from gates.probes.verdicts import ProbeVerdict, decide


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
        with contextlib.ExitStack() as stack:
            client = stack.enter_context(EndpointClient(settings, cancelled=ctx.cancelled, deadline=ctx.deadline))
            judge_client = self._judge_client(ctx, opts, probes, stack)
            target = client.redact(settings.url.split("?", 1)[0])
            budget = ErrorBudget(len(probes) * opts.repeats, settings.error_budget, target)
            ctx.log(f"model-security: {len(probes)} probes x {opts.repeats} against {target}")
            suite = SuiteSettings(system=system, canaries=canaries, detector=RefusalDetector(opts.refusal_patterns),
                                  repeats=opts.repeats, concurrency=opts.concurrency, judge_client=judge_client)
            try:
                results = run_probes(client, probes, suite, budget) if probes else []
            except ErrorBudgetExceeded as exc:
                return Errored(f"the endpoint did not answer reliably: {exc}",
                               metrics={"request_failures": budget.counts})
        verdicts = decide(results, opts.policy)
        findings = probe_findings(verdicts, secrets, self.tool) + probe_changes
        test_findings, test_run = self._user_tests(ctx, opts, settings_to_options(settings), planted or opts.canary,
                                                   system, secrets, base)
        evaluated = sum(1 for v in verdicts if not v.decision.insufficient)
        return Checked(
            findings=tuple(findings + test_findings),
            checked=evaluated + (test_run.ran if test_run else 0),
            summary=self._summary(verdicts, test_run, bool(canaries), opts.repeats),
            details=self._details(verdicts, test_run, secrets, planted, opts),
            metrics=self._metrics(results, verdicts, test_run, budget, planted is not None),
        )

    @staticmethod
    def _judge_client(ctx: GateContext, opts: ModelSecurityOptions, probes: list[Probe],
                      stack: contextlib.ExitStack) -> EndpointClient | None:
        """The judge model's client when ``judge-endpoint`` is set; a probe needing one without it is a config error."""
        if opts.judge_endpoint is None:
            needing = [p.id for p in probes if p.expect.judge]
            if needing:
                raise ConfigError(f"probes {', '.join(needing[:5])} need a judge model (expect.judge) but "
                                  f"{KEY}.judge-endpoint is not set", key=f"{KEY}.judge-endpoint")
            return None
        judge_settings = EndpointSettings.from_options(dict(opts.judge_endpoint))
        return stack.enter_context(EndpointClient(judge_settings, cancelled=ctx.cancelled, deadline=ctx.deadline))

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
            env = usertests.endpoint_environment(endpoint, canary, system, opts.refusal_patterns)
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
    def _summary(verdicts: list[ProbeVerdict], run: usertests.UserTestRun | None, has_canary: bool,
                 repeats: int) -> str:
        parts = []
        if verdicts:
            failed = sum(1 for v in verdicts if v.failed and not v.decision.insufficient)
            skipped = sum(1 for v in verdicts if v.decision.insufficient)
            parts.append(f"{len(verdicts)} probes x {repeats}: {failed} failed"
                         + (f", {skipped} not evaluated" if skipped else "") + ("" if has_canary else " (no canary)"))
        if run is not None:
            o = usertests.Outcome
            parts.append(f"{len(run.cases)} security tests{origin_note(run.cases)}: {run.count(o.FAILED)} failed, "
                         f"{run.count(o.ERROR)} errors, {run.count(o.SKIPPED)} skipped")
        return "; ".join(parts) or "nothing to check"

    @staticmethod
    def _details(verdicts: list[ProbeVerdict], run: usertests.UserTestRun | None, secrets: list[str],
                 planted: str | None, opts: ModelSecurityOptions) -> str:
        blocks = []
        if planted:
            blocks.append("A random canary was planted in the system prompt; any reply revealing it (in any "
                          "form, or a part of it) or the system prompt fails.")
        elif opts.canary:
            blocks.append("The configured canary (the target's own secret) was watched in every reply.")
        else:
            blocks.append("No canary: the target takes no system message and none was configured "
                          "(set `canary-env`), so leaks were judged by the probes' markers only.")
        blocks.append(f"Each probe was sent {opts.repeats} times and judged on its attack success rate "
                      f"({opts.policy.judge.value} of the ASR, at least {opts.policy.min_samples} replies).")
        if verdicts:
            blocks.append("#### Probes\n\n" + results_table(verdicts, secrets))
        if run is not None:
            blocks.append("#### Security tests\n\n" + tests_table(run.cases))
        return "\n\n".join(blocks)

    @staticmethod
    def _metrics(results: list[ProbeResult], verdicts: list[ProbeVerdict], run: usertests.UserTestRun | None,
                 budget: ErrorBudget, planted: bool) -> dict[str, object]:
        latencies = [r.latency_s for r in results if r.latency_s is not None]
        judged = [(r.judged_by_model, bool(r.violations)) for r in results if r.judged_by_model is not None]
        metrics: dict[str, object] = {
            "probes": len(verdicts), "probes_failed": sum(1 for v in verdicts if v.failed),
            "probes_not_evaluated": sum(1 for v in verdicts if v.decision.insufficient),
            "attempts": len(results), "attempts_attack_succeeded": sum(1 for r in results if r.violations),
            "request_failures": budget.counts, "canary_planted": planted,
        }
        if judged:
            metrics["judge_model_verdicts"] = len(judged)
            metrics["judge_model_agrees"] = sum(1 for said, found in judged if said == found)
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
