"""Deployment statuses posted to the local, OpenAPI-validating GitHub API."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.github.client import GitHubClient
from tests.deploy.conftest import Service
from tests.deploy.helpers import run_deploy
from tests.support.github_api import TOKEN, GitHubAPI, github_api  # noqa: F401 - the fixture

REPO_NAME = "octo-org/ml-service"


def _deployment(gh: GitHubAPI) -> str:
    client = GitHubClient(gh.url, TOKEN)
    created = client.post(f"/repos/{REPO_NAME}/deployments", {"ref": "main", "environment": "production"})
    return str(created["id"])


def test_statuses_follow_the_result(service: Service, tmp_path: Path, github_api: GitHubAPI,  # noqa: F811
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"GITHUB_API_URL": github_api.url, "GITHUB_REPOSITORY": REPO_NAME, "GITHUB_RUN_ID": "99",
                        "GITHUB_SERVER_URL": "https://github.com"}.items():
        monkeypatch.setenv(name, value)
    results = {}
    for version, expected in (("v2", 0), ("v2-errors", 1)):
        deployment_id = _deployment(github_api)
        work = tmp_path / version
        work.mkdir()
        run = run_deploy(service, work, version, "--health-url", f"{service.url}/health", "--duration", "600ms",
                         "--github-token", TOKEN, "--deployment-id", deployment_id)
        assert run.returncode == expected, run.stdout + run.stderr
        statuses = GitHubClient(github_api.url, TOKEN).get(f"/repos/{REPO_NAME}/deployments/{deployment_id}/statuses")
        results[version] = [s["state"] for s in statuses]
        assert statuses[0]["log_url"] == f"https://github.com/{REPO_NAME}/actions/runs/99"
    assert results == {"v2": ["success", "in_progress"], "v2-errors": ["failure", "in_progress"]}


def test_an_unusable_token_only_warns(service: Service, tmp_path: Path, github_api: GitHubAPI,  # noqa: F811
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", github_api.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO_NAME)
    run = run_deploy(service, tmp_path, "v2", "--health-url", f"{service.url}/health", "--duration", "600ms",
                     "--github-token", "ghs_wrong", "--deployment-id", _deployment(github_api))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "::warning title=Deployment status::could not post the deployment status" in run.stdout
