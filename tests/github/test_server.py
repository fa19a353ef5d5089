"""The local GitHub API validates requests and responses, so its checks can never be a no-op."""

from __future__ import annotations

import http.client

import requests

from tests.support.github_api import FORK_READ_ONLY, TOKEN, GitHubAPI, Reply, objects

REPO = "octo-org/ml-service"
SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
GOOD = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "test", "Authorization": f"Bearer {TOKEN}"}


def _send(
    gh: GitHubAPI, method: str, path: str, headers: dict[str, str | None] | None = None, **kwargs
) -> requests.Response:
    return requests.request(method, gh.url + path, headers=headers if headers is not None else GOOD,
                            timeout=10, **kwargs)


def test_rejects_every_kind_of_spec_violation(github_api: GitHubAPI) -> None:
    github_api.state.add_pull(REPO, {"number": 1})
    cases = [
        ("POST", "/repos/octo-org/ml-service/check-runs", {"json": {"name": "x"}}, "'head_sha' is a required property"),
        (
            "POST",
            "/repos/octo-org/ml-service/check-runs",
            {"json": {"name": "x", "head_sha": SHA, "status": "done"}},
            "'done' is not one of",
        ),
        (
            "POST",
            "/repos/octo-org/ml-service/check-runs",
            {"json": {"name": "x", "head_sha": SHA, "started_at": "yesterday"}},
            "is not a 'date-time'",
        ),
        (
            "GET",
            "/repos/octo-org/ml-service/pulls/abc/reviews",
            {},
            "path parameter pull_number: 'abc' is not of type integer",
        ),
        ("GET", "/repos/octo-org/ml-service/pulls/1/reviews?sort=asc", {}, "query parameter sort: not defined"),
        ("GET", "/repos/octo-org/ml-service/pulls/1/reviews?per_page=500", {}, "per_page: 500 outside 1..100"),
        (
            "GET",
            "/repos/octo-org/ml-service/pulls/1",
            {"data": "{}", "headers": {**GOOD, "Content-Type": "application/json"}},
            "takes no request body",
        ),
        ("POST", "/repos/octo-org/ml-service/statuses/" + SHA, {"json": {"state": "green"}}, "'green' is not one of"),
        (
            "POST",
            "/repos/octo-org/ml-service/code-scanning/sarifs",
            {"json": {"commit_sha": SHA, "ref": "main", "sarif": "H4sI"}},
            "does not match '^refs/",
        ),
    ]
    for method, path, kwargs, expected in cases:
        response = _send(github_api, method, path, **kwargs)
        assert response.status_code == 422, (path, response.text)
        violations = github_api.take_violations()
        assert any(expected in v for v in violations), (expected, violations)


def test_rejects_missing_headers_and_unknown_routes(github_api: GitHubAPI) -> None:
    host, port = github_api.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)  # sends no User-Agent/Accept of its own
    conn.request("GET", "/repos/octo-org/ml-service/pulls/1", headers={"Authorization": f"Bearer {TOKEN}"})
    assert conn.getresponse().status == 422
    conn.close()
    found = github_api.take_violations()
    assert any("User-Agent: missing" in v for v in found) and any("X-GitHub-Api-Version: missing" in v for v in found)
    assert any("Accept" in v for v in found)
    assert _send(github_api, "GET", "/repos/octo-org/ml-service/pull/1").status_code == 404
    assert _send(github_api, "DELETE", "/repos/octo-org/ml-service/pulls/1").status_code == 404
    assert github_api.take_violations() == [
        "GET /repos/octo-org/ml-service/pull/1: no such path in the description",
        "DELETE /repos/octo-org/ml-service/pulls/1: method not defined for this path"]


def test_a_wrong_fixture_fails_loudly(github_api: GitHubAPI) -> None:
    github_api.state.add_pull(REPO, {"number": 1, "title": "not a full pull request object"})
    response = _send(github_api, "GET", "/repos/octo-org/ml-service/pulls/1")
    assert response.status_code == 500
    assert any("response: '_links' is a required property" in v for v in github_api.take_violations())


def test_more_than_fifty_annotations_are_rejected(github_api: GitHubAPI) -> None:
    note = {"path": "a.py", "start_line": 1, "end_line": 1, "annotation_level": "failure", "message": "m"}
    body = {"name": "secure-ai-gates", "head_sha": SHA, "output": {"title": "t", "summary": "s",
                                                                   "annotations": [note] * 51}}
    assert _send(github_api, "POST", "/repos/octo-org/ml-service/check-runs", json=body).status_code == 422
    assert any("51 annotations" in v for v in github_api.take_violations())


def test_check_run_lifecycle_and_annotation_pagination(github_api: GitHubAPI) -> None:
    note = {"path": "src/app.py", "start_line": 3, "end_line": 3, "annotation_level": "failure", "message": "B602"}
    created = _send(github_api, "POST", "/repos/octo-org/ml-service/check-runs",
                    json={"name": "secure-ai-gates", "head_sha": SHA, "status": "in_progress",
                          "output": {"title": "running", "summary": "...", "annotations": [note] * 50}})
    assert created.status_code == 201
    run_id = created.json()["id"]
    updated = _send(github_api, "PATCH", f"/repos/octo-org/ml-service/check-runs/{run_id}",
                    json={"conclusion": "failure", "completed_at": "2026-11-20T10:00:00Z",
                          "output": {"title": "1 gate failed", "summary": "s", "annotations": [note] * 10}})
    assert updated.status_code == 200
    assert updated.json()["status"] == "completed" and updated.json()["output"]["annotations_count"] == 60
    page = _send(github_api, "GET", f"/repos/octo-org/ml-service/check-runs/{run_id}/annotations?per_page=50&page=1")
    assert len(page.json()) == 50 and 'rel="next"' in page.headers["Link"] and "page=2" in page.links["next"]["url"]
    last = requests.get(page.links["next"]["url"], headers=GOOD, timeout=10)
    assert len(last.json()) == 10 and "next" not in last.links and "prev" in last.links
    for_ref = _send(
        github_api, "GET", f"/repos/octo-org/ml-service/commits/{SHA}/check-runs?check_name=secure-ai-gates"
    )
    assert for_ref.json()["total_count"] == 1 and for_ref.json()["check_runs"][0]["conclusion"] == "failure"


def test_deployments_statuses_and_sarif(github_api: GitHubAPI) -> None:
    dep = _send(github_api, "POST", "/repos/octo-org/ml-service/deployments",
                json={"ref": "main", "environment": "production", "auto_merge": False, "required_contexts": []})
    assert dep.status_code == 201
    status = _send(github_api, "POST", f"/repos/octo-org/ml-service/deployments/{dep.json()['id']}/statuses",
                   json={"state": "failure", "description": "rolled back: error rate 9% > 5%"})
    assert status.status_code == 201 and status.json()["state"] == "failure"
    listed = _send(github_api, "GET", f"/repos/octo-org/ml-service/deployments/{dep.json()['id']}/statuses")
    assert [s["state"] for s in listed.json()] == ["failure"]
    commit = _send(github_api, "POST", f"/repos/octo-org/ml-service/statuses/{SHA}",
                   json={"state": "success", "context": "secure-ai-gates"})
    assert commit.status_code == 201 and github_api.state.commit_statuses[0]["context"] == "secure-ai-gates"
    sarif = _send(github_api, "POST", "/repos/octo-org/ml-service/code-scanning/sarifs",
                  json={"commit_sha": SHA, "ref": "refs/heads/main", "sarif": "H4sIAAAAAAAA"})
    assert sarif.status_code == 202 and github_api.state.sarif_uploads[0]["ref"] == "refs/heads/main"


def test_fork_token_cannot_write(github_api: GitHubAPI) -> None:
    github_api.add_token("ghs_fork", FORK_READ_ONLY)
    response = _send(github_api, "POST", "/repos/octo-org/ml-service/check-runs",
                     headers={**GOOD, "Authorization": "Bearer ghs_fork"},
                     json={"name": "secure-ai-gates", "head_sha": SHA})
    assert response.status_code == 403
    assert response.headers["X-Accepted-GitHub-Permissions"] == "checks=write"
    assert github_api.state.check_runs == {}


def test_custom_routes_by_method_and_template(github_api: GitHubAPI) -> None:
    github_api.route(
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
        lambda req: Reply(200, [objects.pull_file(REPO, f"f{i}.py") for i in range(req.path_params["pull_number"])]),
    )
    response = _send(github_api, "GET", "/repos/octo-org/ml-service/pulls/35/files?per_page=30")
    assert len(response.json()) == 30 and "page=2" in response.links["next"]["url"]
    assert "page=2" in response.links["last"]["url"]
