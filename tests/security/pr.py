"""A pull request in a real git repository (base commit + head commit) and the runner's view of it.

The workspace is a checkout of the head commit; the event payload is the recorded
``pull_request`` event with the real base and head shas; inputs arrive as ``INPUT_*``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.commands.test_cli import EVENTS, simulated_runner
from tests.support.git_repo import commit_all, git

Content = str | bytes | None  # None: delete the file in the head commit

# Values that look like the real thing: none of them may reach a child process.
RUNNER_SECRETS = {
    "GITHUB_TOKEN": "ghs_envGithubTokenValue0000000000000000",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "eyJoidcRequestTokenValue.payload.sig",
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.actions.example/oidc?api-version=2",
    "ACTIONS_RUNTIME_TOKEN": "eyJruntimeTokenValue.payload.sig",
    "ACTIONS_RUNTIME_URL": "https://pipelines.actions.example/runtime/",
    "ACTIONS_CACHE_URL": "https://artifactcache.actions.example/cache/",
    "ACTIONS_RESULTS_URL": "https://results-receiver.actions.example/",
    "INPUT_SOMETHING_ELSE": "input-value-never-for-children",
}
TOKEN = "ghs_inputTokenValueForTheGates000000000000"


@dataclass(frozen=True)
class PullRequest:
    """The checked-out head, its commits and the environment of the action's step."""

    workspace: Path
    base: str
    head: str
    env: dict[str, str]


def write_files(root: Path, files: Mapping[str, Content]) -> None:
    """Create, overwrite or (None) delete files under ``root``."""
    for name, content in files.items():
        path = root / name
        if content is None:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def pull_request(tmp: Path, base: Mapping[str, Content], head: Mapping[str, Content], **inputs: str) -> PullRequest:
    """Commit ``base``, then ``head`` on top (the PR); return the workspace and the step's environment."""
    ws = tmp / "ws"
    ws.mkdir(parents=True)
    write_files(ws, base)
    base_sha = commit_all(ws, "base")
    git(ws, "checkout", "-q", "-b", "pr")
    write_files(ws, head)
    head_sha = commit_all(ws, "pull request")
    event = json.loads((EVENTS / "pull_request.json").read_text(encoding="utf-8"))
    event["pull_request"]["base"]["sha"] = base_sha
    event["pull_request"]["head"]["sha"] = head_sha
    event_path = tmp / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    env = simulated_runner(tmp, **{"check-name": "", **inputs})
    fc = Path(env["GITHUB_OUTPUT"]).parent
    env.update({"GITHUB_EVENT_PATH": str(event_path), "GITHUB_SHA": head_sha, "GITHUB_WORKSPACE": str(ws),
                "GITHUB_ENV": str(fc / "set_env"), "GITHUB_PATH": str(fc / "add_path"),
                "GITHUB_STATE": str(fc / "save_state"), "GITHUB_BASE_REF": "main", "GITHUB_HEAD_REF": "pr",
                "RUNNER_TEMP": str(tmp), "INPUT_GITHUB-TOKEN": TOKEN})
    for name in ("output", "step_summary", "set_env", "add_path", "save_state"):
        (fc / name).touch()
    os.chmod(fc, 0o755)
    return PullRequest(ws, base_sha, head_sha, env)
