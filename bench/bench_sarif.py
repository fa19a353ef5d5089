"""Every result of a SARIF file past GitHub's 25,000 results per run, validated in full.

    nice -n 10 .venv/bin/python -m bench sarif [--quick]

The test suite validates such a file in full only for GitHub's upload limits and the SARIF
Multitool's GitHub rules; the schema and the Multitool's SARIF rules see a sample of 1,000
results per run there, because they take about a minute per 25,000 results on a 2-core
machine. This benchmark runs everything on every result (``tests/reporters/sarif_check.py``,
:func:`full_check`): GitHub's limits, the OASIS SARIF 2.1.0 schema and the Multitool's SARIF
and GitHub rules, each run as a log of its own (run unchanged) so the Multitool's two threads
share the work. It prints the problems found (0 is the goal) and the seconds each check took.
The full size is the issue's 70,000 findings (three ``bandit`` runs of at most 25,000); quick is
26,008 findings (two).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.bench_check_run import big_run
from bench.common import Row
from gates.config.settings import GitHubEnv
from gates.reporters.base import ReportEnv
from gates.reporters.sarif import SarifReporter
from tests.reporters.sarif_check import full_check


def rows(quick: bool) -> list[Row]:
    """Problems found and seconds taken by each check on the whole file."""
    n = 26_000 if quick else 70_000
    with tempfile.TemporaryDirectory() as tmp:
        env = ReportEnv(report_dir=Path(tmp), github=GitHubEnv())
        SarifReporter().write(big_run(n), env)
        size_mb = env.sarif_path.stat().st_size / 1e6
        check = full_check(env.sarif_path)
    for problem in (check.limit_problems + check.schema_errors + check.multitool_errors)[:20]:
        print(f"  SARIF problem: {problem}", flush=True)
    label = f"SARIF, {check.results:,} results ({size_mb:.1f} MB)"
    return [
        Row(f"{label}: GitHub limit problems", len(check.limit_problems), "problems"),
        Row(f"{label}: schema errors", len(check.schema_errors), "errors",
            note=f"jsonschema Draft 4, every result, {check.schema_s:.1f} s"),
        Row(f"{label}: Multitool errors", len(check.multitool_errors), "errors",
            note=f"rules Sarif;Gh, every result, {check.multitool_s:.1f} s"),
    ]
