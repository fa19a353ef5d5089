"""GitHub outputs at scale: 70,000 findings through the check run, the job summary and SARIF.

The check run goes to the local GitHub API stand-in (``tests/support/github_api``, every
request validated against GitHub's OpenAPI description) with the real pacing of one second
between writes. The peer is the previous behaviour (and what a naive reporter does): every
annotation in batches of 50, each request resending the full summary — 1,400 requests for
70,000 findings, past a token's 1,000 requests per hour.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import tempfile
import time
from pathlib import Path

from bench.common import Row
from gates.config.settings import GitHubEnv
from gates.fingerprint import fingerprint
from gates.model import Finding, GateResult, RunResult, Severity, Status
from gates.reporters.base import ReportEnv
from gates.reporters.check_run import BATCH, CheckRunReporter
from gates.reporters.markdown import STEP_SUMMARY_LIMIT, render_summary
from gates.reporters.sarif import sarif_log

SEVERITIES = (Severity.LOW, Severity.MEDIUM, Severity.LOW, Severity.HIGH, Severity.INFO)


def big_run(n: int) -> RunResult:
    """``n`` code findings across 2,000 files plus 8 dependency and 20 probe findings."""
    code = tuple(Finding(rule_id=f"B{i % 60:03d}", severity=SEVERITIES[i % 5],
                         fingerprint=fingerprint(f"B{i % 60:03d}", f"src/pkg{i % 40}/mod {i % 2000}.py", str(i)),
                         message=f"issue {i} in a generated file", path=f"src/pkg{i % 40}/mod {i % 2000}.py",
                         line=i % 700 + 1, tool="bandit") for i in range(n))
    deps = tuple(Finding(rule_id=f"PYSEC-2026-{i}", severity=Severity.HIGH, fingerprint=fingerprint("d", None, str(i)),
                         message=f"pkg{i} 1.0 has a known vulnerability", path="requirements.txt", line=i + 1,
                         package=f"pkg{i}", tool="pip-audit") for i in range(8))
    probes = tuple(Finding(rule_id="prompt-injection", severity=Severity.HIGH,
                           fingerprint=fingerprint("p", None, str(i)),
                           message=f"probe {i}: the reply is not a refusal", probe=f"p{i}") for i in range(20))
    gates = (GateResult(name="code-security", title="Code security", status=Status.FAILED, summary=f"{n} findings",
                        duration_s=1, findings=code, tool="bandit", fail_on=Severity.HIGH),
             GateResult(name="dependencies", title="Dependencies", status=Status.FAILED, summary="8 vulnerabilities",
                        duration_s=1, findings=deps, tool="pip-audit"),
             GateResult(name="model-security", title="Model security", status=Status.FAILED, summary="20 probes failed",
                        duration_s=1, findings=probes, tool="probes"))
    return RunResult(gates=gates, duration_s=3, workspace=".", config_source="built-in defaults")


def _check_run(run: RunResult, interval_s: float) -> tuple[int, int, float]:
    """(requests, bytes of summaries sent, seconds) for one check run against the stand-in."""
    stand_in = importlib.import_module("tests.support.github_api")  # the local API, validated by GitHub's OpenAPI
    with stand_in.GitHubAPI() as api, tempfile.TemporaryDirectory() as tmp:
        api.add_token(stand_in.TOKEN, stand_in.FULL_ACCESS)
        repo = {"full_name": "o/r"}
        pr = {"head": {"sha": "b" * 40, "repo": repo}, "base": {"sha": "c" * 40, "repo": repo}}
        github = GitHubEnv(actions=True, event_name="pull_request", event={"pull_request": pr}, repository="o/r",
                           sha="a" * 40, api_url=api.url, token=stand_in.TOKEN, run_id="1")
        env = ReportEnv(report_dir=Path(tmp), github=github, stream=io.StringIO(), api_write_interval_s=interval_s)
        started = time.perf_counter()
        CheckRunReporter().write(run, env)
        elapsed = time.perf_counter() - started
        api.assert_no_violations()
        calls = api.calls_to("checks/create") + api.calls_to("checks/update")
        sent = sum(len(c.body["output"]["summary"].encode()) for c in calls)
        return len(calls), int(sent), float(elapsed)


def rows(quick: bool) -> list[Row]:
    """Requests and seconds of the check run, summary bytes, SARIF shape, at 70,000 findings."""
    n = 7_000 if quick else 70_000
    run = big_run(n)
    with_file = sum(1 for g in run.gates for f in g.findings if f.path)
    requests, sent, seconds = _check_run(run, 0.0 if quick else 1.0)
    naive = math.ceil(with_file / BATCH)
    started = time.perf_counter()
    summary = render_summary(run, limit=STEP_SUMMARY_LIMIT)
    summary_s = time.perf_counter() - started
    started = time.perf_counter()
    doc, left_out = sarif_log(run)
    sarif_s = time.perf_counter() - started
    sarif_mb = len(json.dumps(doc, separators=(",", ":")).encode()) / 1e6
    return [
        Row(f"check run, {n:,} findings: API requests", requests, "requests", "every annotation, 50 a request",
            naive, note=f"{sent / 1e3:.0f} KB of summary sent in all; paced 1 write/s" if not quick else "unpaced"),
        Row(f"check run, {n:,} findings: wall time", seconds, "s", note="includes the 1 s pacing between writes"),
        Row(f"job summary, {n:,} findings: size", len(summary.encode()) / 1e6, "MB", "GitHub's limit", 1.048576,
            note=f"rendered in {summary_s:.1f} s"),
        Row(f"SARIF, {n:,} findings: runs / left out", len(doc["runs"]), "runs", note=f"{left_out} left out, "
            f"{sarif_mb:.1f} MB, built in {sarif_s:.1f} s"),
    ]
