"""``secure-ai-gates merge REPORTS``: one verdict from the report.json of every shard."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``merge`` parser."""
    parser = sub.add_parser("merge", help="combine shard reports into one verdict and one check",
                            description="Read every report.json under REPORTS (one per shard, as downloaded "
                                        "artifacts), check that shards 1..n are all there, and write one "
                                        "report, summary, SARIF and check run.")
    parser.add_argument("reports", metavar="REPORTS", help="directory holding the shard reports")
    parser.add_argument(
        "--report-dir", metavar="DIR", help="where the merged reports go (default secure-ai-gates-report/)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Merge; exit like ``run`` (0 passed, 1 failed, 3 error or a missing/corrupt shard)."""
    from gates.commands.run import exit_status
    from gates.config.inputs import ActionInputs
    from gates.config.run_config import DEFAULT_REPORT_DIR
    from gates.config.settings import GitHubEnv
    from gates.files import prepare_report_dir
    from gates.ghactions import mask
    from gates.merge import find_reports, load_shard, merge_runs
    from gates.reporters import ReportEnv
    from gates.reporters.base import publish, repo_prefix
    from gates.reporters.registry import parse_reporter_list

    given = ActionInputs.from_environ(os.environ).with_flags(args)  # flags win over INPUT_* values
    only = parse_reporter_list(given.reporters) if given.reporters else None
    paths = find_reports(Path(args.reports))
    merged = merge_runs([(path, load_shard(path)) for path in paths])
    token = given.github_token or os.environ.get("GITHUB_TOKEN") or None
    github = GitHubEnv.from_environ(os.environ, token=token)
    if github.actions and token:
        mask(token)
    report_dir = prepare_report_dir(Path(given.report_dir or DEFAULT_REPORT_DIR))
    print(f"secure-ai-gates: merged {len(paths)} shard report(s)", flush=True)
    workspace = Path(given.workspace or os.environ.get("GITHUB_WORKSPACE") or ".")
    publish(merged, ReportEnv(report_dir=report_dir, github=github, check_name=given.check_run_name, only=only,
                              repo_prefix=repo_prefix(workspace, os.environ.get("GITHUB_WORKSPACE"))))
    return exit_status(merged.status)
