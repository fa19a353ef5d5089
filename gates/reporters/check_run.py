"""One check run with a fixed name on the head commit: the required status check.

It carries the verdict as its conclusion, the summary (within the 65,535-character limit of
``output.summary``) and every finding that has a file as an annotation, sent in batches of
50 (the API's limit per request), so nothing is lost beyond the 10-per-level cap of
workflow commands. A read-only token (fork pull requests) gets a 403: the reporter then says
so and the workflow-command annotations remain; the job's own exit status still blocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gates.ghactions import emit
from gates.model import Finding, GateResult, RunResult, Status
from gates.reporters.base import ReportEnv, Reporter
from gates.reporters.levels import ANNOTATION_LEVEL
from gates.reporters.markdown import render_summary

BATCH = 50
SUMMARY_LIMIT = 65_535
TEXT_LIMIT = 65_535
CONCLUSION = {Status.PASSED: "success", Status.FAILED: "failure", Status.ERROR: "failure",
              Status.SKIPPED: "neutral"}
_LEVEL = {"error": "failure", "warning": "warning", "notice": "notice"}


class CheckRunReporter(Reporter):
    """Creates (then updates, for more annotations) one check run per run."""

    name = "check-run"

    def active(self, env: ReportEnv) -> bool:  # noqa: D102
        gh = env.github
        return bool(env.check_name and gh.actions and gh.token and gh.repository and gh.head_sha)

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        from gates.github.client import GitHubClient, expand
        from gates.github.errors import GitHubAuthError, GitHubError

        gh = env.github
        owner, repo = str(gh.repository).split("/", 1)
        client = GitHubClient(gh.api_url, gh.token, max_retries=3, max_wait_s=60)
        annotations = list(check_annotations(run))
        batches = [annotations[i:i + BATCH] for i in range(0, len(annotations), BATCH)] or [[]]
        title = f"{run.status.value}: {len(run.gates_with(Status.FAILED, Status.ERROR))} gate(s) blocking"
        summary = render_summary(run, limit=SUMMARY_LIMIT)
        text = _text(run)
        try:
            created = client.post(expand("/repos/{owner}/{repo}/check-runs", owner=owner, repo=repo), {
                "name": env.check_name, "head_sha": gh.head_sha, "status": "completed",
                "conclusion": CONCLUSION[run.status], "external_id": gh.run_id or "",
                "output": _output(title, summary, text, batches[0]),
            }, permission="checks: write")
            for batch in batches[1:]:
                client.patch(expand("/repos/{owner}/{repo}/check-runs/{check_run_id}", owner=owner, repo=repo,
                                    check_run_id=created["id"]),
                             {"output": _output(title, summary, text, batch)}, permission="checks: write")
        except GitHubAuthError as exc:
            fork = " (a pull request from a fork gets a read-only token)" if gh.is_fork else ""
            emit("warning", f"no check run '{env.check_name}' was created{fork}: {exc}. The findings are in the "
                            "workflow annotations (10 per level), the job summary and report.json; the job's "
                            "exit status still blocks.", {"title": "secure-ai-gates check run"}, stream=env.stream)
            return
        except GitHubError as exc:
            emit("warning", f"the check run '{env.check_name}' could not be written: {exc}",
                 {"title": "secure-ai-gates check run"}, stream=env.stream)
            return
        print(f"secure-ai-gates: check run '{env.check_name}' ({CONCLUSION[run.status]}) with "
              f"{len(annotations)} annotation(s) in {len(batches)} request(s)", file=env.stream, flush=True)


def check_annotations(run: RunResult) -> Iterator[dict[str, Any]]:
    """Every finding with a file, as a check-run annotation, worst first."""
    ranked: list[tuple[tuple[int, int], GateResult, Finding]] = []
    for gate in run.gates:
        for f in gate.findings:
            if f.path:
                blocking = not f.suppressed and f.severity.at_least(gate.fail_on)
                ranked.append(((0 if blocking else 1, -f.severity.rank), gate, f))
    ranked.sort(key=lambda item: item[0])
    for (priority, _), gate, f in ranked:
        line = f.line or 1
        level = _LEVEL[ANNOTATION_LEVEL[f.severity]] if priority == 0 else "notice"
        annotation: dict[str, Any] = {
            "path": f.path, "start_line": line, "end_line": max(line, f.end_line or line),
            "annotation_level": level, "title": f"{gate.name}: {f.rule_id}"[:255],
            "message": (f"[{f.suppression.kind.value}] " if f.suppression else "") + f.message[:60000],
        }
        if f.help_uri:
            annotation["raw_details"] = f.help_uri
        yield annotation


def _output(title: str, summary: str, text: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    output: dict[str, Any] = {"title": title, "summary": summary, "annotations": annotations}
    if text:
        output["text"] = text
    return output


def _text(run: RunResult) -> str:
    """Findings without a file (dependencies by package, probes): listed here, not as annotations."""
    lines = []
    for gate in run.gates:
        for f in gate.findings:
            if not f.path:
                state = f" ({f.suppression.kind.value})" if f.suppression else ""
                lines.append(
                    f"- **{gate.name}** `{f.rule_id}` {f.severity.value}{state}: {' '.join(f.message.split())}"
                )
    if not lines:
        return ""
    text = "### Findings without a file location\n\n" + "\n".join(lines) + "\n"
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 40] + "\n… (more in report.json)\n"
