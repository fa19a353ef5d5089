"""One check run with a fixed name on the head commit: the required status check.

It carries the verdict as its conclusion, the summary (within the 65,535-character limit of
``output.summary``), the findings with no place in a file in ``output.text``, and the others as
annotations (a finding without a file of its own on its gate's config key, as in SARIF and the
workflow annotations: :class:`gates.locate.FindingPlaces`), at most :data:`ANNOTATION_CAP` of
them (blocking first, shared fairly across gates; the summary says when the cap cut some), 50
per request as the API demands.

Requests: one ``POST`` when everything fits in one batch; otherwise a ``POST`` (in progress,
short summary, first batch), ``PATCH`` es with further batches and a short summary, and a final
``PATCH`` that completes the run with the full summary, sent once. Writes are paced
(:class:`gates.github.ratelimit.Pacer`), rate limits waited out within a bound, and when the
token's remaining budget runs low the run is completed early. A run left in progress by a
failed batch is completed before giving up. A read-only token (fork pull requests) gets a 403:
the reporter then warns and the workflow-command annotations remain; the job's exit status
still blocks.
"""

from __future__ import annotations

import math
from typing import Any

from gates.ghactions import emit
from gates.locate import FindingPlaces
from gates.model import RunResult, Status
from gates.reporters.annotations import annotation_title
from gates.reporters.base import ReportEnv, Reporter
from gates.reporters.levels import ANNOTATION_LEVEL
from gates.reporters.ranking import Ranked, fair_share, ranked
from gates.textutil import md_code, md_text

BATCH = 50
ANNOTATION_CAP = 1_000  # 20 requests: far inside 80 writes/minute and the token's hourly budget
SUMMARY_LIMIT = 65_535
TEXT_LIMIT = 65_535
RESERVE_REQUESTS = 20  # stop adding batches when the token has fewer requests left than this
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
        from gates.github.ratelimit import Pacer
        from gates.reporters.markdown import render_summary

        gh = env.github
        owner, repo = str(gh.repository).split("/", 1)
        pacer = Pacer(min_write_interval_s=env.api_write_interval_s)
        client = GitHubClient(gh.api_url, gh.token, max_retries=3, max_wait_s=60, pacer=pacer)
        annotations = check_annotations(run, env.repo_prefix)
        batches = [annotations[i:i + BATCH] for i in range(0, len(annotations), BATCH)] or [[]]
        title = f"{run.status.value}: {len(run.gates_with(Status.FAILED, Status.ERROR))} gate(s) blocking"
        summary = render_summary(run, limit=SUMMARY_LIMIT, notes=[*env.left_out, *annotation_cap_note(run)],
                                 report_dir=env.report_dir.name)
        final = {"status": "completed", "conclusion": CONCLUSION[run.status]}
        short = f"Adding annotations ({len(annotations)} in {len(batches)} batches); the summary follows."
        created: dict[str, Any] | None = None
        sent = 0
        try:
            one = len(batches) == 1
            created = client.post(expand("/repos/{owner}/{repo}/check-runs", owner=owner, repo=repo), {
                "name": env.check_name, "head_sha": gh.head_sha, "external_id": gh.run_id or "",
                **(final if one else {"status": "in_progress"}),
                "output": _output(title, summary if one else short, _text(run, env) if one else "", batches[0]),
            }, permission="checks: write")
            sent = 1
            url = expand("/repos/{owner}/{repo}/check-runs/{check_run_id}", owner=owner, repo=repo,
                         check_run_id=created["id"])
            for index, batch in enumerate(batches[1:], start=1):
                last = index == len(batches) - 1 or pacer.remaining_below(RESERVE_REQUESTS)
                body: dict[str, Any] = {"output": _output(title, summary if last else short,
                                                          _text(run, env) if last else "", batch)}
                client.patch(url, {**body, **(final if last else {})}, permission="checks: write")
                sent = index + 1
                if last:
                    break
        except GitHubAuthError as exc:
            fork = " (a pull request from a fork gets a read-only token)" if gh.is_fork else ""
            emit("warning", f"no check run '{env.check_name}' was created{fork}: {exc}. The findings are in the "
                            "workflow annotations (10 per level), the job summary and the SARIF file; the job's "
                            "exit status still blocks.", {"title": "secure-ai-gates check run"}, stream=env.stream)
            return
        except GitHubError as exc:
            done = created is not None and _complete(client, owner, repo, created["id"], title, summary, final)
            completed = "; it was completed with its verdict" if done else ""
            emit("warning", f"the check run '{env.check_name}' could not be written in full ({sent} of "
                            f"{len(batches)} requests): {exc}{completed}",
                 {"title": "secure-ai-gates check run"}, stream=env.stream)
            return
        shown = min(len(annotations), sent * BATCH)
        print(f"secure-ai-gates: check run '{env.check_name}' ({CONCLUSION[run.status]}) with {shown} "
              f"annotation(s) in {sent} request(s)", file=env.stream, flush=True)


def _complete(client: Any, owner: str, repo: str, run_id: int, title: str, summary: str,
              final: dict[str, str]) -> bool:
    """Complete a check run left in progress (best effort: True when it worked)."""
    from gates.github.client import expand
    from gates.github.errors import GitHubError

    try:
        client.patch(expand("/repos/{owner}/{repo}/check-runs/{check_run_id}", owner=owner, repo=repo,
                            check_run_id=run_id), {**final, "output": {"title": title, "summary": summary}},
                     permission="checks: write")
    except GitHubError:
        return False
    return True


def _placed(run: RunResult, places: FindingPlaces, *, placed: bool = True) -> list[Ranked]:
    """The findings that have (``placed``) or lack a place in a file, ranked."""
    return [r for r in ranked(run) if (places(r.gate.name, r.finding) is not None) is placed]


def annotation_cap_note(run: RunResult) -> list[str]:
    """The sentence the summaries carry when the check run cannot annotate every finding."""
    total = len(_placed(run, FindingPlaces(run)))
    if total <= ANNOTATION_CAP:
        return []
    return [f"The check run annotates {ANNOTATION_CAP} of the {total} findings that have a place (blocking first, "
            f"shared across gates) in {math.ceil(ANNOTATION_CAP / BATCH)} API requests, to stay within GitHub's "
            f"rate limits; every finding is in the SARIF file and report.json."]


def check_annotations(run: RunResult, repo_prefix: str = "") -> list[dict[str, Any]]:
    """The findings with a place in a file as check-run annotations: capped, blocking first, fair across gates."""
    places = FindingPlaces(run)
    chosen = fair_share(_placed(run, places), ANNOTATION_CAP, lambda item: item.gate.name)
    out = []
    for item in chosen:
        f = item.finding
        place = places(item.gate.name, f)
        assert place is not None
        line = place[1] or 1
        end_line = max(line, f.end_line or line) if f.path else line
        level = _LEVEL[ANNOTATION_LEVEL[f.severity]] if item.blocking else "notice"
        annotation: dict[str, Any] = {
            "path": repo_prefix + place[0], "start_line": line, "end_line": end_line,
            "annotation_level": level, "title": annotation_title(item.gate.name, f.rule_id, f.title)[:255],
            "message": (f"[{f.suppression.kind.value}] " if f.suppression else "") + (f.message or f.rule_id)[:60000],
        }
        if f.help_uri:
            annotation["raw_details"] = f.help_uri[:60000]
        out.append(annotation)
    return out


def _output(title: str, summary: str, text: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    output: dict[str, Any] = {"title": title, "summary": summary, "annotations": annotations}
    if text:
        output["text"] = text
    return output


def _text(run: RunResult, env: ReportEnv) -> str:
    """Findings with no place in a file (no file of their own, no config file), escaped: listed here."""
    lines = []
    for item in _placed(run, FindingPlaces(run), placed=False):
        f = item.finding
        state = f" ({f.suppression.kind.value})" if f.suppression else ""
        lines.append(f"- **{f.severity.value}**{state} · {md_code(item.gate.name)} · {md_code(f.rule_id, 80)}"
                     f"{' · ' + md_code(f.package, 100) if f.package else ''} — {md_text(f.message, 500)}")
    if not lines:
        return ""
    out, size = ["### Findings without a file location", ""], 40
    for i, line in enumerate(lines):
        if size + len(line) + 1 > TEXT_LIMIT - 200:
            out.append(f"- … and {len(lines) - i} more, in the job summary and the SARIF file.")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) + "\n"
