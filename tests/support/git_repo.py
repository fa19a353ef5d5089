"""Real git repositories for tests: a fixed identity, no user or system config."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gates import proc


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; return stdout."""
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return proc.run(["git", "-C", str(repo), *args], timeout=60, env=env).stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo`` (initialising it if needed); return the commit sha."""
    if not (repo / ".git").exists():
        git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def pr_event(base_sha: str, head_sha: str = "0" * 40) -> dict[str, Any]:
    """A minimal pull_request event payload on top of ``base_sha``."""
    return {"pull_request": {"base": {"sha": base_sha}, "head": {"sha": head_sha}}}


def as_pull_request(workspace: Path, env: dict[str, str], event_file: Path, keep_head: bool = False) -> dict[str, str]:
    """Make ``workspace`` (files as they are now) the head of a pull request on top of an empty base commit.

    Returns ``env`` with ``GITHUB_EVENT_PATH`` pointing at a copy of its event (written to
    ``event_file``) naming the real base and head, and ``GITHUB_SHA`` set to the head, as on a
    runner after actions/checkout with ``fetch-depth: 0``. ``keep_head`` keeps the event's head sha
    (for reviews recorded against it in the GitHub API stand-in); ``GITHUB_SHA`` is then the checkout.
    """
    import json

    if not (workspace / ".git").exists():
        git(workspace, "init", "-q", "-b", "main")
    git(workspace, "commit", "-q", "--allow-empty", "-m", "base")
    base = git(workspace, "rev-parse", "HEAD")
    head = commit_all(workspace, "pull request")
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    event["pull_request"]["base"]["sha"] = base
    if not keep_head:
        event["pull_request"]["head"]["sha"] = head
    event_file.write_text(json.dumps(event), encoding="utf-8")
    return {**env, "GITHUB_EVENT_PATH": str(event_file), "GITHUB_SHA": head}
