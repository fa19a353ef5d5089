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

REPORT_JSON = "report.json"
SARIF_FILE = "results.sarif"
SUMMARY_FILE = "summary.md"
REPORT_FILES = (REPORT_JSON, SARIF_FILE, SUMMARY_FILE)  # the contract's files, in the report dir


@dataclass(frozen=True)
class ReportEnv:
    """Where and how to report.

    ``repo_prefix`` is the workspace's path inside the repository (``""`` at the root, else
    e.g. ``examples/demo-project/``): findings carry workspace-relative paths, and GitHub wants
    repository-relative ones in annotations, SARIF and the check run.
    """

    report_dir: Path
    github: GitHubEnv
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    check_name: str = "secure-ai-gates"
    upload_note: str = ""
    repo_prefix: str = ""
    only: frozenset[str] | None = None  # reporter names chosen by the user; None: every default one
    api_write_interval_s: float = 1.0  # GitHub: at least one second between writes (secondary limits)
    left_out: list[str] = field(default_factory=list)  # what an earlier reporter had to leave out, for the summary

    @property
    def report_path(self) -> Path:
        """``report.json`` in the report directory."""
        return self.report_dir / REPORT_JSON

    @property
    def sarif_path(self) -> Path:
        """``results.sarif`` in the report directory."""
        return self.report_dir / SARIF_FILE

    @property
    def summary_path(self) -> Path:
        """``summary.md`` in the report directory."""
        return self.report_dir / SUMMARY_FILE

    def repo_path(self, path: str) -> str:
        """A workspace-relative POSIX path made repository-relative."""
        return self.repo_prefix + path if self.repo_prefix else path


class Reporter(abc.ABC):
    """One output format: one module in this package and one line in :mod:`gates.reporters.registry`.

    ``files`` names what it writes in the report directory (others only print or call an API).
    """

    name: ClassVar[str]
    files: ClassVar[tuple[str, ...]] = ()

    def active(self, env: ReportEnv) -> bool:
        """Whether this reporter writes anything in ``env`` (default: always)."""
        return True

    @abc.abstractmethod
    def write(self, run: RunResult, env: ReportEnv) -> None:
        """Produce the output; raise a typed error when it cannot."""


def default_reporters() -> list[Reporter]:
    """Every registered reporter, in the order they run: files first, then what points at them."""
    from gates.reporters.registry import REPORTERS

    return [cls() for cls in REPORTERS]


def publish(run: RunResult, env: ReportEnv, reporters: list[Reporter] | None = None) -> None:
    """Run every active reporter (those in ``env.only`` when set); any failure ends in error (exit 3).

    Every reporter is tried even when an earlier one failed or has a bug, so one broken output
    never hides the others; a reporter bug is reported with its type, like a gate's.
    """
    from gates.errors import GatesError, ToolError

    failures = []
    for reporter in reporters if reporters is not None else default_reporters():
        if env.only is not None and reporter.name not in env.only:
            continue
        try:
            if not reporter.active(env):
                continue
            reporter.write(run, env)
        except (OSError, GatesError) as exc:
            failures.append(f"{reporter.name} report: {exc}")
        except Exception as exc:  # noqa: BLE001 - a reporter bug must not silence the reporters after it
            failures.append(f"{reporter.name} report: internal error {type(exc).__name__}: {exc}")
    if failures:
        raise ToolError("; ".join(failures))


def repo_prefix(workspace: Path, github_workspace: str | None = None) -> str:
    """The workspace's POSIX path inside its repository, with a trailing ``/`` ("" at the root).

    The repository root is the nearest directory at or above the workspace holding ``.git``
    (git never commits a ``.git`` entry, so a pull request cannot plant one); without one,
    ``$GITHUB_WORKSPACE`` when the workspace is inside it.
    """
    ws = workspace.resolve()
    roots = [d for d in (ws, *ws.parents) if (d / ".git").exists()]
    root = roots[0] if roots else (Path(github_workspace).resolve() if github_workspace else None)
    if root is None or root == ws or not ws.is_relative_to(root):
        return ""
    return ws.relative_to(root).as_posix() + "/"
