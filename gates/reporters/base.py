"""The reporter interface and the environment reporters see.

A reporter decides itself whether it is active (the job summary switches on when
``GITHUB_STEP_SUMMARY`` is set, annotations inside Actions, ...) and only reads results.
"""

from __future__ import annotations

import abc
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TextIO

from gates.config.settings import GitHubEnv
from gates.model import RunResult


@dataclass(frozen=True)
class ReportEnv:
    """Where and how to report."""

    report_dir: Path
    github: GitHubEnv
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    check_name: str = "secure-ai-gates"
    upload_note: str = ""

    @property
    def report_path(self) -> Path:
        """``report.json`` in the report directory."""
        return self.report_dir / "report.json"

    @property
    def sarif_path(self) -> Path:
        """``results.sarif`` in the report directory."""
        return self.report_dir / "results.sarif"

    @property
    def summary_path(self) -> Path:
        """``summary.md`` in the report directory."""
        return self.report_dir / "summary.md"


class Reporter(abc.ABC):
    """One output format."""

    name: ClassVar[str]

    def active(self, env: ReportEnv) -> bool:
        """Whether this reporter writes anything in ``env`` (default: always)."""
        return True

    @abc.abstractmethod
    def write(self, run: RunResult, env: ReportEnv) -> None:
        """Produce the output; raise a typed error when it cannot."""


def default_reporters() -> list[Reporter]:
    """All reporters in the order they run: files first, then what points at them."""
    from gates.reporters.annotations import AnnotationsReporter
    from gates.reporters.check_run import CheckRunReporter
    from gates.reporters.console import ConsoleReporter
    from gates.reporters.json_report import JsonReporter
    from gates.reporters.markdown import MarkdownReporter
    from gates.reporters.outputs import OutputsReporter
    from gates.reporters.sarif import SarifReporter

    return [JsonReporter(), SarifReporter(), MarkdownReporter(), OutputsReporter(), AnnotationsReporter(),
            CheckRunReporter(), ConsoleReporter()]


def publish(run: RunResult, env: ReportEnv, reporters: list[Reporter] | None = None) -> None:
    """Run every active reporter; report-file failures end the command in error (exit 3).

    Every reporter is tried even when an earlier one failed, so one broken output never
    hides the others.
    """
    from gates.errors import GatesError, ToolError

    failures = []
    for reporter in reporters if reporters is not None else default_reporters():
        if not reporter.active(env):
            continue
        try:
            reporter.write(run, env)
        except (OSError, GatesError) as exc:
            failures.append(f"{reporter.name} report: {exc}")
    if failures:
        raise ToolError("; ".join(failures))
