"""A workspace in a subdirectory, through action.yml: annotations, SARIF and check run name
repository-relative paths.

The composite action's step runs as GitHub runs it: its ``env:`` block is taken from
``action.yml`` with ``${{ inputs.* }}`` filled from the inputs given here (``workspace:
apps/ml-app``) and the action's defaults, ``scripts/action-run.sh`` starts the image (podman
standing in for docker), and the check run goes to the local GitHub API stand-in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.reporters.hostile import command_properties, runner_commands
from tests.reporters.sarif_check import assert_valid_sarif
from tests.support.git_repo import commit_all
from tests.support.github_api import TOKEN, GitHubAPI, github_api  # noqa: F401
from tests.support.podman import IMAGE, REPO, Podman, action_image, docker_shim

pytestmark = pytest.mark.slow


def action_step_env(inputs: dict[str, str], github: dict[str, str]) -> dict[str, str]:
    """The step's ``env:`` from action.yml, each ``${{ inputs.x }}`` filled like the runner does."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    env = {}
    for key, value in action["runs"]["steps"][0]["env"].items():
        name = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", value).group(1)  # type: ignore[union-attr]
        given = inputs.get(name, defaults[name])
        env[key] = github.get("token", "") if given == "${{ github.token }}" else given
    return env


@pytest.fixture(scope="module")
def podman() -> Podman:
    return action_image()


def test_subdirectory_workspace_paths_are_repository_relative(podman: Podman, github_api: GitHubAPI,  # noqa: F811
                                                              tmp_path: Path) -> None:
    root = tmp_path / "repo"
    app = root / "apps" / "ml-app" / "src"
    app.mkdir(parents=True)
    (app / "app.py").write_text("import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n")
    sha = commit_all(root, "monorepo")
    runner_temp = tmp_path / "runner_temp"
    files = runner_temp / "_runner_file_commands"
    files.mkdir(parents=True)
    event = runner_temp / "event.json"
    event.write_text(json.dumps({"after": sha}))
    for d in (tmp_path, root, runner_temp, files):
        d.chmod(0o777)
    for path in root.rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o666)
    shim = docker_shim(tmp_path / "bin")
    env = {**podman.env, "PATH": f"{shim}:{os.environ['PATH']}", "GITHUB_ACTION_PATH": str(REPO),
           "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(root), "RUNNER_TEMP": str(runner_temp),
           "GITHUB_OUTPUT": str(files / "output"), "GITHUB_STEP_SUMMARY": str(files / "summary"),
           "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event), "GITHUB_SHA": sha,
           "GITHUB_REPOSITORY": "octo-org/ml-app", "GITHUB_API_URL": github_api.url, "GITHUB_RUN_ID": "7",
           **action_step_env({"workspace": "apps/ml-app", "gates": "code-security", "image": IMAGE},
                             {"token": TOKEN})}
    result = subprocess.run(["bash", str(REPO / "scripts" / "action-run.sh")], env=env, cwd=root,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]

    annotations = [command_properties(c) for c in runner_commands(result.stdout) if c.startswith("::error")]
    assert {a.get("file") for a in annotations} == {"apps/ml-app/src/app.py"}, result.stdout[-3000:]
    sarif = assert_valid_sarif(root / "apps" / "ml-app" / "secure-ai-gates-report" / "results.sarif")
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for run in sarif["runs"] for r in run["results"]
            for loc in r["locations"]}
    assert uris == {"apps/ml-app/src/app.py"}
    ((_, check),) = github_api.state.check_runs.items()
    assert check["head_sha"] == sha and check["conclusion"] == "failure"
    (checked,) = github_api.state.annotations.values()
    assert {a["path"] for a in checked} == {"apps/ml-app/src/app.py"}
