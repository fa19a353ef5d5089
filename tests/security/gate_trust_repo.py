"""A pull request in a real git repository, judged by the real CLI in a simulated pull_request event.

``PullRequest.make`` commits the base tree, then applies the head's changes (``None`` deletes a
path, ``Symlink`` makes a link) and commits them, leaving the head checked out as
actions/checkout would. ``run`` starts ``entrypoint.py run`` with GITHUB_EVENT_PATH pointing
at a pull_request payload naming both commits, reports written outside the workspace.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.commands.test_cli import run_cli
from tests.support.git_repo import commit_all, git, pr_event


@dataclass(frozen=True)
class Symlink:
    """A symbolic link to ``target`` (as written, relative or absolute)."""

    target: str


Content = str | bytes | Symlink | None


def write_tree(root: Path, files: Mapping[str, Content]) -> None:
    """Write ``files`` below ``root``; None removes the path."""
    for name, content in files.items():
        path = root / name
        if content is None:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.is_file():
            path.unlink()
        if isinstance(content, Symlink):
            os.symlink(content.target, path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@dataclass(frozen=True)
class PullRequest:
    """A repository with a base commit and a checked-out head commit."""

    repo: Path
    base: str
    head: str

    @classmethod
    def make(cls, tmp: Path, base: Mapping[str, Content], head: Mapping[str, Content]) -> PullRequest:
        repo = tmp / "ws"
        repo.mkdir(parents=True)
        write_tree(repo, base)
        base_sha = commit_all(repo, "base")
        write_tree(repo, head)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", "pull request")
        return cls(repo, base_sha, git(repo, "rev-parse", "HEAD"))

    def run(self, tmp: Path, gates: str, *args: str, event: Mapping[str, Any] | None = None) -> Verdict:
        """Run the CLI on the head in a pull_request event; the report goes to ``tmp/report``."""
        tmp.mkdir(parents=True, exist_ok=True)
        event_file = tmp / "event.json"
        event_file.write_text(json.dumps(event or pr_event(self.base, self.head)), encoding="utf-8")
        files = tmp / "runner-files"
        files.mkdir(exist_ok=True)
        env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event_file),
               "GITHUB_REPOSITORY": "octo-org/ml-app", "GITHUB_SHA": self.head, "GITHUB_WORKSPACE": str(self.repo),
               "GITHUB_STEP_SUMMARY": str(files / "summary"), "GITHUB_OUTPUT": str(files / "output")}
        report = tmp / "report"
        done = run_cli(["run", "--gates", gates, "--report-dir", str(report), *args], env=env, cwd=self.repo)
        data = json.loads((report / "report.json").read_text()) if (report / "report.json").is_file() else {}
        return Verdict(done.returncode, done.stdout + done.stderr, data)


@dataclass(frozen=True)
class Verdict:
    """Exit status, console output and report.json of one run."""

    code: int
    output: str
    report: Mapping[str, Any]

    def gate(self, name: str) -> Mapping[str, Any]:
        (gate,) = [g for g in self.report["gates"] if g["name"] == name]
        return gate

    def rules(self, name: str, *, blocking: bool = True) -> list[str]:
        """Rule ids of the gate's findings (only unsuppressed ones by default)."""
        return [f["rule_id"] for f in self.gate(name)["findings"] if not (blocking and f.get("suppression"))]
