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
