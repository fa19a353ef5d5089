"""GitHubClient against the local GitHub API server (real HTTP over loopback)."""

from __future__ import annotations

import socket
import time

import pytest

from gates.errors import RemoteError
from gates.github.client import GitHubClient, expand
from gates.github.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubRequestError,
    GitHubServerError,
)
from tests.support.github_api import FORK_READ_ONLY, TOKEN, GitHubAPI

REPO = "octo-org/ml-service"
SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


def _client(gh: GitHubAPI, token: str | None = TOKEN, **kwargs) -> GitHubClient:
    kwargs.setdefault("backoff_s", 0.05)
    return GitHubClient(gh.url, token, **kwargs)


def _reviews(gh: GitHubAPI, count: int) -> None:
    gh.state.pulls[(REPO, 7)] = {"number": 7}  # the list handlers only need the pull to exist
    for i in range(count):
        gh.state.add_review(REPO, 7, f"reviewer-{i}", "COMMENTED", SHA)


def test_get_sends_the_documented_headers(github_api: GitHubAPI) -> None:
    github_api.state.set_role(REPO, "rev-rita", "maintain")
    answer = _client(github_api, user_agent="secure-ai-gates/test").get(
        expand("/repos/{owner}/{repo}/collaborators/{username}/permission", owner="octo-org",
               repo="ml-service", username="rev-rita"))
    assert answer["role_name"] == "maintain" and answer["user"]["login"] == "rev-rita"
    (call,) = github_api.calls
    assert call.headers["Accept"] == "application/vnd.github+json"
    assert call.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert call.headers["User-Agent"] == "secure-ai-gates/test"
    assert call.headers["Authorization"] == "<redacted>"  # recorded redacted; it was sent (else 401)


def test_paginate_follows_link_headers(github_api: GitHubAPI) -> None:
    _reviews(github_api, 7)
    logins = [r["user"]["login"] for r in _client(github_api).paginate(
        "/repos/octo-org/ml-service/pulls/7/reviews", per_page=3)]
    assert logins == [f"reviewer-{i}" for i in range(7)]
    calls = github_api.calls_to("pulls/list-reviews")
    assert [c.query for c in calls] == ["per_page=3", "per_page=3&page=2", "per_page=3&page=3"]


def test_paginate_caps_per_page_at_the_api_maximum(github_api: GitHubAPI) -> None:
    _reviews(github_api, 2)
    assert len(list(_client(github_api).paginate("/repos/octo-org/ml-service/pulls/7/reviews", per_page=500))) == 2
    assert github_api.calls_to("pulls/list-reviews")[0].query == "per_page=100"


def test_bad_token_is_an_auth_error_without_the_token(github_api: GitHubAPI) -> None:
    secret = "ghs_thisTokenIsUnknownToTheServer000000"
    logs: list[str] = []
    client = _client(github_api, secret, log=logs.append)
    with pytest.raises(GitHubAuthError) as info:
        client.get("/repos/octo-org/ml-service/pulls/1", permission="pull-requests: read")
    assert info.value.status == 401 and "token was rejected" in str(info.value)
    assert isinstance(info.value, RemoteError)
    assert secret not in str(info.value) and secret not in repr(client) and not any(secret in m for m in logs)


def test_forbidden_names_the_missing_permission(github_api: GitHubAPI) -> None:
    github_api.add_token("ghs_forkReadOnly", FORK_READ_ONLY)
    with pytest.raises(GitHubAuthError) as info:
        _client(github_api, "ghs_forkReadOnly").post(
            "/repos/octo-org/ml-service/check-runs", {"name": "secure-ai-gates", "head_sha": SHA},
            permission="checks: write")
    message = str(info.value)
    assert info.value.status == 403 and "`checks: write`" in message and "checks=write" in message
    assert info.value.accepted_permissions == "checks=write"


def test_not_found(github_api: GitHubAPI) -> None:
    with pytest.raises(GitHubNotFound, match="404"):
        _client(github_api).get("/repos/octo-org/ml-service/pulls/404")


def test_retry_after_is_honoured(github_api: GitHubAPI) -> None:
    _reviews(github_api, 1)
    github_api.rate_limit("pulls/list-reviews", retry_after=1)
    started = time.monotonic()
    assert len(list(_client(github_api).paginate("/repos/octo-org/ml-service/pulls/7/reviews"))) == 1
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in github_api.calls_to("pulls/list-reviews")] == [403, 200]


def test_rate_limit_reset_is_honoured(github_api: GitHubAPI) -> None:
    _reviews(github_api, 1)
    github_api.rate_limit("pulls/list-reviews", reset_in=1, status=429)
    started = time.monotonic()
    assert len(list(_client(github_api).paginate("/repos/octo-org/ml-service/pulls/7/reviews"))) == 1
    first, second = github_api.calls_to("pulls/list-reviews")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0 and time.monotonic() - started < 5


def test_rate_limit_beyond_the_bound_fails_fast(github_api: GitHubAPI) -> None:
    _reviews(github_api, 1)
    github_api.rate_limit("pulls/list-reviews", retry_after=600)
    started = time.monotonic()
    with pytest.raises(GitHubRateLimited) as info:
        list(_client(github_api, max_wait_s=5).paginate("/repos/octo-org/ml-service/pulls/7/reviews"))
    assert time.monotonic() - started < 1 and info.value.retry_after_s == 600
    assert "600s" in str(info.value) and "5s allowed" in str(info.value)


def test_server_errors_are_retried_then_succeed(github_api: GitHubAPI) -> None:
    _reviews(github_api, 1)
    github_api.fail("pulls/list-reviews", 502, times=2)
    assert len(list(_client(github_api, max_retries=2).paginate("/repos/octo-org/ml-service/pulls/7/reviews"))) == 1
    assert [c.status for c in github_api.calls_to("pulls/list-reviews")] == [502, 502, 200]


def test_server_errors_beyond_the_retries_raise(github_api: GitHubAPI) -> None:
    _reviews(github_api, 1)
    github_api.fail("pulls/list-reviews", 503, times=5)
    with pytest.raises(GitHubServerError, match="503 Service Unavailable on 3 attempt"):
        list(_client(github_api, max_retries=2).paginate("/repos/octo-org/ml-service/pulls/7/reviews"))
    assert len(github_api.calls_to("pulls/list-reviews")) == 3


def test_unreachable_api_is_a_server_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = GitHubClient(f"http://127.0.0.1:{port}", TOKEN, max_retries=1, backoff_s=0.01)
    with pytest.raises(GitHubServerError, match="cannot reach the GitHub API .* after 2 attempt"):
        client.get("/repos/octo-org/ml-service/pulls/1")


def test_the_token_is_never_sent_to_another_host(github_api: GitHubAPI) -> None:
    with pytest.raises(GitHubError, match="another host"):
        _client(github_api).get("https://evil.example/repos/x")
    assert github_api.calls == []


def test_a_request_the_spec_rejects_is_a_request_error(github_api: GitHubAPI) -> None:
    with pytest.raises(GitHubRequestError, match="422"):
        _client(github_api).post("/repos/octo-org/ml-service/check-runs", {"name": "no head_sha"})
    assert any("'head_sha' is a required property" in v for v in github_api.take_violations())


def test_expand_encodes_each_value() -> None:
    assert expand("/repos/{owner}/{repo}/contents/{path}", owner="a b", repo="r", path="dir/x y.txt") \
        == "/repos/a%20b/r/contents/dir/x%20y.txt"
    assert expand("/orgs/{org}/teams/{team_slug}", org="o", team_slug="a/b") == "/orgs/o/teams/a%2Fb"
    with pytest.raises(ValueError):
        expand("/repos/{owner}/{repo}", owner="o")


def test_secondary_rate_limit_without_headers_waits_a_minute(github_api: GitHubAPI) -> None:
    github_api.rate_limit("pulls/get")  # 403 "secondary rate limit", no Retry-After / X-RateLimit-*
    with pytest.raises(GitHubRateLimited) as info:
        _client(github_api, max_wait_s=5).get("/repos/octo-org/ml-service/pulls/1")
    assert info.value.retry_after_s == 60.0 and "secondary rate limit" in str(info.value)


def test_retry_after_forms() -> None:
    from email.utils import formatdate

    from gates.github import ratelimit

    now = 1_800_000_000.0
    assert ratelimit.retry_after_seconds({"Retry-After": "7"}, now) == 7.0
    assert ratelimit.retry_after_seconds({"Retry-After": formatdate(now + 30, usegmt=True)}, now) == 30.0
    assert ratelimit.retry_after_seconds({"Retry-After": "soon"}, now) is None
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) + 10)}
    assert ratelimit.rate_limit_wait(reset, now) == 11.0
    assert ratelimit.is_rate_limited(403, reset, "API rate limit exceeded")
    assert not ratelimit.is_rate_limited(403, {}, "Resource not accessible by integration")
    assert ratelimit.backoff_delay(2, 0.5, {}, now) == 2.0


def test_redirect_of_a_renamed_repository_is_followed(github_api: GitHubAPI) -> None:
    import json
    from pathlib import Path

    from tests.support.github_api import ApiRequest, Reply

    events = Path(__file__).resolve().parents[1] / "assets" / "github" / "events"
    pull = json.loads((events / "pull_request.opened.json").read_text(encoding="utf-8"))["pull_request"]
    github_api.state.add_pull(REPO, pull)
    default = github_api.routes["pulls/get"]

    def moved(req: ApiRequest) -> Reply:
        if req.path_params["repo"] == "old-name":
            target = f"{github_api.url}/repos/octo-org/ml-service/pulls/{req.path_params['pull_number']}"
            return Reply(301, {"message": "Moved Permanently", "url": target}, headers={"Location": target})
        return default(req)

    github_api.route("pulls/get", moved)
    assert _client(github_api).get("/repos/octo-org/old-name/pulls/42")["number"] == 42
    assert [c.status for c in github_api.calls_to("pulls/get")] == [301, 200]
