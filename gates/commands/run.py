"""``secure-ai-gates run``: resolve settings, run the gates, write every report, exit.

Precedence: built-in defaults < config file < action inputs (``INPUT_*``) < flags.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.errors import ExitCode, UsageError
from gates.urls import URL_HINT, url_problem

if TYPE_CHECKING:
    from gates.model import RunResult
    from gates.runner import RunRequest


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``run`` parser."""
    parser = sub.add_parser("run", help="run the gates and write the reports",
                            description="Run the selected gates and write report.json, results.sarif, summary.md.")
    parser.add_argument("--config", metavar="FILE", help="config file (default .github/secure-ai-gates.yml if present)")
    parser.add_argument("--policy", metavar="FILE",
                        help="trusted policy file: outside the workspace, or workspace-relative and then read from "
                             "the pull request's base commit (default: the config file at the base commit)")
    parser.add_argument("--workspace", metavar="DIR", help="repository root (default $GITHUB_WORKSPACE or .)")
    parser.add_argument("--gates", metavar="NAME,NAME", help="run exactly these gates; each one must then run")
    parser.add_argument("--report-dir", metavar="DIR", help="where reports go (default secure-ai-gates-report/)")
    parser.add_argument("--endpoint", metavar="URL", help="URL of the model endpoint under test")
    parser.add_argument("--fail-on", metavar="SEVERITY", help="lowest severity that fails a gate, for all gates")
    parser.add_argument("--shard", metavar="I/N", help="run part I of N of the expensive work (see merge)")
    parser.add_argument("--reporters", metavar="NAME,NAME",
                        help="write only these outputs (default: every one that applies; "
                             "an unknown name lists the choices)")
    parser.add_argument("--update-baseline", action="store_true", default=None,
                        help="write new baselines (performance) on the default branch")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the gates; 0 passed, 1 a gate failed, 3 a gate could not decide."""
    from gates import proc
    from gates.config.inputs import ActionInputs
    from gates.config.policy_report import policy_result
    from gates.config.run_config import DEFAULT_REPORT_DIR, Overrides, parse_gate_list, plan_gates
    from gates.config.settings import EndpointSettings, GitHubEnv, Shard
    from gates.config.trusted import resolve_policy
    from gates.files import prepare_report_dir
    from gates.ghactions import mask
    from gates.model import Severity
    from gates.plugins.registry import gate_names
    from gates.reporters import ReportEnv
    from gates.reporters.base import publish, repo_prefix
    from gates.reporters.registry import parse_reporter_list
    from gates.runner import RunRequest, run_gates

    environ = os.environ
    given = ActionInputs.from_environ(environ).with_flags(args)  # flags win over INPUT_* values
    only = parse_reporter_list(given.reporters) if given.reporters else None
    workspace = Path(given.workspace or environ.get("GITHUB_WORKSPACE") or ".").resolve()
    if not workspace.is_dir():
        raise UsageError(f"workspace {workspace} is not a directory")
    token = given.github_token or environ.get("GITHUB_TOKEN") or None
    github = GitHubEnv.from_environ(environ, token=token)
    trusted = resolve_policy(workspace, given.config, given.policy, github, report_dir=given.report_dir)
    config = trusted.config
    if Path(config.source).is_absolute() and Path(config.source).is_relative_to(workspace):
        config = dataclasses.replace(config, source=Path(config.source).relative_to(workspace).as_posix())

    try:
        fail_on = Severity.parse(given.fail_on) if given.fail_on else None
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    overrides = Overrides(
        gates=parse_gate_list(given.gates, gate_names()) if given.gates else None,
        endpoint_url=given.endpoint,
        fail_on=fail_on,
        report_dir=given.report_dir,
        shard=Shard.parse(given.shard) if given.shard else None,
        update_baseline=given.update_baseline,
    )
    endpoint = config.endpoint
    if overrides.endpoint_url:
        problem = url_problem(overrides.endpoint_url)
        if problem:
            raise UsageError(f"{'--endpoint' if args.endpoint else 'input endpoint'}: {problem} ({URL_HINT})")
        endpoint = (dataclasses.replace(endpoint, url=overrides.endpoint_url) if endpoint
                    else EndpointSettings(url=overrides.endpoint_url))
    proc.withhold(*secret_variables(config, endpoint))
    if github.actions:
        for secret in (token, endpoint.api_key if endpoint else None):
            if secret:
                mask(secret)
    report_dir = Path(overrides.report_dir or config.report_dir or DEFAULT_REPORT_DIR)
    report_dir = prepare_report_dir(report_dir if report_dir.is_absolute() else workspace / report_dir)

    request = RunRequest(workspace=workspace, report_dir=report_dir, config=config,
                         plan=plan_gates(config, overrides, gate_names()), github=github, endpoint=endpoint,
                         fail_on=overrides.fail_on, shard=overrides.shard,
                         update_baseline=overrides.update_baseline, flags_tighten_only=github.is_pull_request,
                         heartbeat_s=float(environ.get("SECURE_AI_GATES_HEARTBEAT", "30")))
    printer = _GatePrinter(github.actions)
    printer.progress(f"policy: {trusted.origin}")
    printer.start(request)
    result = run_gates(request, on_done=printer.done, on_progress=printer.progress)
    policy = policy_result(trusted, result, github.repository)
    if policy is not None:
        result = dataclasses.replace(result, gates=(policy, *result.gates))
        printer.done(policy, [f"- {c.describe()}" for c in trusted.changes])

    publish(result, ReportEnv(report_dir=report_dir, github=github, check_name=given.check_run_name, only=only,
                              repo_prefix=repo_prefix(workspace, environ.get("GITHUB_WORKSPACE"))))
    _install_hint(result)
    return exit_status(result.status, result.gates)


def _install_hint(result: RunResult) -> None:
    """Say once how to install every engine when any gate lacked its engine."""
    from gates.errors import INSTALL_EVERYTHING

    extras = sorted({str(g.metrics["missing-extra"]) for g in result.gates if g.metrics.get("missing-extra")})
    if extras:
        print(f"secure-ai-gates: engines missing for the extras {', '.join(extras)}; to install every engine "
              f"at once: {INSTALL_EVERYTHING}", flush=True)


# Gate options that name a variable holding a secret; the endpoint's api-key-env is the other one.
SECRET_OPTIONS = ("canary-env", "safety-api-key-env")


def secret_variables(config: object, endpoint: object) -> list[str]:
    """Every variable the configuration names as holding a secret: no child sees it unless passed by name."""
    from gates.config.run_config import Config

    assert isinstance(config, Config)
    names = [str(getattr(endpoint, "api_key_env", None) or "")]
    names += [str(section.options.get(option) or "") for section in config.gates.values() for option in SECRET_OPTIONS]
    return [n for n in names if n] + ["SAFETY_API_KEY"]


def exit_status(status: object, gates: Sequence[Any] = ()) -> int:
    """0 passed, 1 failed (also when some gates errored too), 2 when every error was bad input, else 3."""
    from gates.model import Status

    if status is Status.PASSED:
        return int(ExitCode.OK)
    if status is Status.FAILED:
        return int(ExitCode.FAILED)
    errored = [g for g in gates if g.status is Status.ERROR]
    if errored and all(g.metrics.get("error_kind") == "usage" for g in errored):
        return int(ExitCode.USAGE)
    return int(ExitCode.UNDECIDED)


class _GatePrinter:
    """Console progress: a line when gates start, a (foldable in Actions) group per finished gate.

    Tool output and progress lines may quote the workspace: inside Actions they are printed with
    :func:`gates.ghactions.print_untrusted`, so no line of theirs can start a workflow command.
    """

    def __init__(self, actions: bool) -> None:
        self.actions = actions

    def start(self, request: RunRequest) -> None:
        from gates.ghactions import print_untrusted

        plan = request.plan
        names = [p.name for p in plan if p.run]
        print_untrusted(f"secure-ai-gates: running {len(names)} gate(s): {', '.join(names) or 'none'}",
                        actions=self.actions)

    def progress(self, line: str) -> None:
        from gates.ghactions import print_untrusted

        print_untrusted(f"secure-ai-gates: {line}", actions=self.actions)

    def done(self, result: object, logs: list[str]) -> None:
        from gates.ghactions import command, print_untrusted
        from gates.model import GateResult

        assert isinstance(result, GateResult)
        head = f"{result.name}: {result.status.value} in {result.duration_s:.1f}s: {result.summary}"
        if self.actions:
            print(command("group", head), flush=True)
            print_untrusted(logs, actions=True)
            print(command("endgroup"), flush=True)
        else:
            print(f"--- {head}", flush=True)
            if result.status.blocks:
                for line in logs[-20:]:
                    print(f"    {line}", flush=True)
        sys.stdout.flush()
