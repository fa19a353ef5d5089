"""Where the run's policy comes from: the tree being judged, the PR's base commit, or a policy file.

- Outside pull requests (push, schedule, a laptop) the config file of the checked-out tree is
  the policy: that tree *is* the trusted branch (or the user's own machine).
- On a pull request the workspace is attacker input. The policy is the config file as it is
  on the PR's **base commit** (``git``), or a ``--policy`` file: a path outside the
  workspace is read from disk, a workspace-relative one from the base commit. The head's
  version of the same file is then compared with it (:mod:`gates.config.policy`): only
  tightenings apply before merge, every change is reported as a policy change.
- A base commit that is not in the clone (``fetch-depth: 1``) or a workspace that is not a
  git repository is an error naming ``fetch-depth: 0``: never a silent fall back to the head.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates import git
from gates.config.policy import PolicyChange, merge_policies
from gates.config.run_config import (
    DEFAULT_CONFIG,
    Config,
    config_from_data,
    load_config,
    resolve_config_path,
)
from gates.config.settings import GitHubEnv
from gates.errors import ConfigError, ToolError, UsageError

_MAX_CONFIG_BYTES = 4 << 20


@dataclass(frozen=True)
class TrustedPolicy:
    """The effective config of this run and, on pull requests, what the head changes."""

    config: Config
    origin: str  # one sentence: where the policy was read from
    changes: tuple[PolicyChange, ...] = ()
    head_source: str | None = None  # the head's file the changes are in (workspace-relative)
    head_lines: tuple[int | None, ...] = ()  # line of each change in the head file
    base_sha: str | None = None
    repo: git.Repo | None = None


def _inside(path: Path, workspace: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(workspace))


def resolve_policy(workspace: Path, config: str | None, policy: str | None, github: GitHubEnv,
                   report_dir: str | None = None) -> TrustedPolicy:
    """The trusted policy for this run (see the module docstring); on a pull request the working
    tree is first verified to be the commit under test (:mod:`gates.config.worktree`)."""
    if not github.is_pull_request:
        path = resolve_config_path(policy or config, workspace)
        origin = (f"policy file {policy}" if policy else f"{_shown(path, workspace)} of the checked-out tree"
                  if path else "built-in defaults (no config file)")
        return TrustedPolicy(load_config(path), origin)
    base_sha = github.base_sha
    if not base_sha:
        raise ConfigError("the pull_request event names no base commit (pull_request.base.sha)",
                          source="GITHUB_EVENT_PATH")
    try:
        repo = git.Repo.at(workspace)
        base_sha = repo.require_commit(base_sha, "pull request's base commit")
    except git.GitUnavailable as exc:
        raise git.GitUnavailable(f"on a pull request the policy is read from the base commit, but {exc}"
                                 + ("" if git.FETCH_HINT in str(exc) else f"; {git.FETCH_HINT}")) from None
    chosen = policy or config
    if chosen and Path(chosen).is_absolute() and not _inside(Path(chosen), workspace):
        path = resolve_config_path(chosen, workspace)  # outside the workspace: the PR cannot write it
        trusted = load_config(path)
        _verify(repo, github, trusted, workspace, report_dir)
        return TrustedPolicy(trusted, f"policy file `{chosen}` (outside the workspace)", base_sha=base_sha, repo=repo)
    relative = _relative(chosen, workspace) if chosen else DEFAULT_CONFIG.as_posix()
    short = base_sha[:12]
    base_data, base_node, base_source = _read_at(repo, base_sha, relative, "base commit")
    base_config = config_from_data(base_data, base_node, base_source or "built-in defaults")
    head_sha = _verify(repo, github, base_config, workspace, report_dir)
    head_data, head_node, head_source = _read_at(repo, head_sha, relative, "commit under test")
    if chosen and base_source is None and head_source is None:
        raise UsageError(f"config file not found: {chosen} (neither at the base commit {short} "
                         "nor in the pull request)")
    config_from_data(head_data, head_node, head_source or relative)  # a broken head config is a usage error
    from gates.config.loader import line_of
    from gates.plugins.registry import gate_class

    effective, changes = merge_policies(base_data or {}, head_data or {}, lambda n: gate_class(n).default_fail_on)
    in_force = base_config
    if any(c.applied for c in changes):
        in_force = config_from_data(effective, base_node, base_source or "built-in defaults")
    origin = (f"`{relative}` at the base commit {short}" if base_source
              else f"built-in defaults (`{relative}` does not exist at the base commit {short})")
    return TrustedPolicy(in_force, origin, tuple(changes), relative,
                         tuple(line_of(head_node, c.path) if head_node is not None else None for c in changes),
                         base_sha, repo)


def _verify(repo: git.Repo, github: GitHubEnv, trusted: Config, workspace: Path, report_dir: str | None) -> str:
    """Check the working tree against the commit under test; return that commit."""
    from gates.config.run_config import DEFAULT_REPORT_DIR
    from gates.config.worktree import verify_worktree

    exempt = list(trusted.generated)
    report = Path(report_dir or trusted.report_dir or DEFAULT_REPORT_DIR)
    report = report if report.is_absolute() else workspace / report
    if _inside(report, workspace):
        exempt.append(Path(os.path.relpath(os.path.realpath(report), os.path.realpath(workspace))).as_posix())
    metrics = trusted.gate("performance").options.get("metrics-file")
    if isinstance(metrics, str):
        exempt.append(metrics)
    return verify_worktree(repo, [github.sha or "", github.head_sha or ""], exempt)


def _relative(chosen: str, workspace: Path) -> str:
    path = Path(chosen)
    absolute = path if path.is_absolute() else workspace / path
    rel = os.path.relpath(os.path.abspath(absolute), os.path.abspath(workspace))
    if rel.startswith(".."):
        raise UsageError(f"config file {chosen} is outside the workspace: on a pull request name it as an "
                         "absolute path outside the workspace (a trusted policy file) or relative to the workspace")
    return Path(rel).as_posix()


def _shown(path: Path | None, workspace: Path) -> str:
    if path is None:
        return "built-in defaults"
    return f"`{_relative(str(path), workspace)}`" if _inside(path, workspace) else f"`{path}`"


def _read_at(repo: git.Repo, sha: str, relative: str, what: str) -> tuple[Any, Any, str | None]:
    """The config document on commit ``sha``; ``(None, None, None)`` when the file is not there."""
    from gates.config.loader import load_yaml_bytes

    try:
        data = repo.read(sha, relative, _MAX_CONFIG_BYTES)
    except ToolError as exc:
        raise ConfigError(f"cannot read it at the {what} {sha[:12]}: {exc}", source=relative) from None
    if data is None:
        return None, None, None
    source = f"{relative}@{sha[:12]}"
    return (*load_yaml_bytes(data, source), source)
