"""A small GitHub REST API client on ``requests``: typed errors, bounded retries, pagination.

    client = GitHubClient(ctx.github.api_url, ctx.github.token)
    pr = client.get(expand("/repos/{owner}/{repo}/pulls/{pull_number}", owner=o, repo=r,
                           pull_number=7), permission="pull-requests: read")
    for review in client.paginate(expand("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", ...)):
        ...

Paths are GitHub's OpenAPI templates filled with :func:`expand`. Every request sends
``Accept: application/vnd.github+json`` and ``X-GitHub-Api-Version: 2022-11-28``. ``permission``
names what the token needs for that call; a 401/403 answer raises :class:`GitHubAuthError`
whose message says so. An optional :class:`~gates.github.ratelimit.Pacer` spaces writes and
tracks ``X-RateLimit-Remaining``. Rate limits are waited out when GitHub's ``Retry-After`` or
``X-RateLimit-Reset`` fits in ``max_wait_s`` (the total sleep allowed for one request); 5xx
answers and connection failures are retried ``max_retries`` times with exponential backoff.
The token is sent only to ``api_url``'s host and never appears in a message or log line.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from gates.github import ratelimit
from gates.github.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubRequestError,
    GitHubServerError,
)

API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
MAX_PER_PAGE = 100


def expand(template: str, **values: object) -> str:
    """Fill an OpenAPI path template, percent-encoding each value (``path`` keeps its slashes)."""
    out = template
    for name, value in values.items():
        safe = "/" if name == "path" else ""
        out = out.replace("{" + name + "}", urllib.parse.quote(str(value), safe=safe))
    if "{" in out:
        raise ValueError(f"unfilled parameter in {out!r}")
    return out


class GitHubClient:
    """Calls one GitHub API root (``https://api.github.com`` or a GHES ``/api/v3``) with a token."""

    def __init__(self, api_url: str, token: str | None, *, user_agent: str = "secure-ai-gates",
                 timeout: float = 30.0, max_retries: int = 3, max_wait_s: float = 60.0,
                 backoff_s: float = 1.0, log: Callable[[str], None] | None = None,
                 session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 pacer: ratelimit.Pacer | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self._origin = urllib.parse.urlsplit(self.api_url)[:2]
        self._token = token
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait_s = max_wait_s
        self.backoff_s = backoff_s
        self._log = log or (lambda _message: None)
        self._session = session or requests.Session()
        self._sleep = sleep
        self._pacer = pacer

    def __repr__(self) -> str:
        return f"GitHubClient({self.api_url!r}, token={'***' if self._token else None})"

    # -- verbs ---------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None, *,
            permission: str | None = None) -> Any:
        """GET ``path`` and return the parsed JSON body."""
        return _json(self.request("GET", path, params=params, permission=permission))

    def post(self, path: str, body: Any = None, *, permission: str | None = None) -> Any:
        """POST a JSON body; return the parsed JSON answer (None when empty)."""
        return _json(self.request("POST", path, body=body, permission=permission))

    def patch(self, path: str, body: Any = None, *, permission: str | None = None) -> Any:
        """PATCH a JSON body; return the parsed JSON answer."""
        return _json(self.request("PATCH", path, body=body, permission=permission))

    def put(self, path: str, body: Any = None, *, permission: str | None = None) -> Any:
        """PUT a JSON body; return the parsed JSON answer (None when empty)."""
        return _json(self.request("PUT", path, body=body, permission=permission))

    def delete(self, path: str, *, permission: str | None = None) -> Any:
        """DELETE ``path``; return the parsed JSON answer (None for 204)."""
        return _json(self.request("DELETE", path, permission=permission))

    def paginate(self, path: str, params: Mapping[str, Any] | None = None, *,
                 permission: str | None = None, items_key: str | None = None,
                 per_page: int = MAX_PER_PAGE, max_pages: int = 100) -> Iterator[Any]:
        """Yield every item of a list endpoint, following ``Link: rel="next"`` headers.

        ``items_key`` names the array inside an object answer (e.g. ``check_runs``).
        """
        query = dict(params or {})
        query["per_page"] = min(per_page, MAX_PER_PAGE)
        url: str | None = path
        pages = 0
        while url is not None:
            pages += 1
            if pages > max_pages:
                raise GitHubError(f"GitHub API GET {path}: more than {max_pages} pages; stopping",
                                  method="GET", path=path)
            response = self.request("GET", url, params=query, permission=permission)
            data = _json(response)
            items = data.get(items_key) if items_key and isinstance(data, dict) else data
            if not isinstance(items, list):
                raise GitHubError(f"GitHub API GET {path}: expected a list"
                                  f"{' under ' + repr(items_key) if items_key else ''}, got "
                                  f"{type(items).__name__}", method="GET", path=path)
            yield from items
            url = response.links.get("next", {}).get("url")
            query = {}  # the next link carries the query

    # -- the one request loop ----------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                body: Any = None, permission: str | None = None) -> requests.Response:
        """Send one request with bounded retries; return the 2xx/3xx response or raise."""
        url = self._url(path)
        shown = urllib.parse.urlsplit(url).path
        waited = 0.0
        attempt = 0
        while True:
            if self._pacer is not None:
                self._pacer.before(method)
            try:
                response = self._session.request(
                    method, url, params=params, json=body, headers=self._headers(),
                    timeout=self.timeout)  # redirects (renamed repositories) are followed; requests
                # drops the Authorization header when a redirect leaves the host
            except requests.RequestException as exc:
                problem = f"cannot reach the GitHub API ({type(exc).__name__})"
                delay = ratelimit.backoff_delay(attempt, self.backoff_s, {}, time.time())
                if attempt >= self.max_retries or waited + delay > self.max_wait_s:
                    raise GitHubServerError(f"GitHub API {method} {shown}: {problem} after "
                                            f"{attempt + 1} attempt(s)", method=method,
                                            path=shown) from None
            else:
                if self._pacer is not None:
                    self._pacer.observe(response.headers)
                if response.status_code < 400:
                    return response
                status = response.status_code
                message, doc_url = _error_message(response)
                if ratelimit.is_rate_limited(status, response.headers, message):
                    delay = ratelimit.rate_limit_wait(response.headers, time.time())
                    if attempt >= self.max_retries or waited + delay > self.max_wait_s:
                        raise GitHubRateLimited(
                            f"GitHub API {method} {shown}: rate limited ({status} {message}); GitHub "
                            f"asks to wait {delay:.0f}s, more than the {self.max_wait_s:.0f}s allowed "
                            f"after {waited:.0f}s of waiting; run again later or use a token with a "
                            f"higher rate limit", retry_after_s=delay, status=status, method=method,
                            path=shown, documentation_url=doc_url)
                    problem = f"rate limited ({status})"
                elif status in ratelimit.RETRYABLE_STATUSES:
                    delay = ratelimit.backoff_delay(attempt, self.backoff_s, response.headers,
                                                    time.time())
                    if attempt >= self.max_retries or waited + delay > self.max_wait_s:
                        raise GitHubServerError(
                            f"GitHub API {method} {shown}: {status} {message} on {attempt + 1} "
                            f"attempt(s); GitHub is failing, run again later", status=status,
                            method=method, path=shown, documentation_url=doc_url)
                    problem = f"{status} {message}"
                else:
                    raise _client_error(method, shown, status, message, doc_url, permission,
                                        response.headers)
            self._log(f"GitHub API {method} {shown}: {problem}; retrying in {delay:.1f}s "
                      f"({attempt + 1}/{self.max_retries})")
            self._sleep(delay)
            waited += delay
            attempt += 1

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            if urllib.parse.urlsplit(path)[:2] != self._origin:
                raise GitHubError(f"refusing to send the token to another host: {path}")
            return path
        if not path.startswith("/"):
            raise ValueError(f"API path must start with '/': {path!r}")
        return self.api_url + path

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": MEDIA_TYPE, "X-GitHub-Api-Version": API_VERSION,
                   "User-Agent": self.user_agent}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers


def _json(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        path = urllib.parse.urlsplit(response.url).path
        raise GitHubError(f"GitHub API {path}: answer is not JSON "
                          f"({response.headers.get('Content-Type', 'no content type')})") from None


def _error_message(response: requests.Response) -> tuple[str, str | None]:
    try:
        data = response.json()
    except ValueError:
        return (response.reason or "error"), None
    if isinstance(data, dict):
        return str(data.get("message") or response.reason or "error"), data.get("documentation_url")
    return (response.reason or "error"), None


def _client_error(method: str, path: str, status: int, message: str, doc_url: str | None,
                  permission: str | None, headers: Mapping[str, str]) -> GitHubError:
    where = f"GitHub API {method} {path}: {status} {message}"
    common: dict[str, Any] = {"status": status, "method": method, "path": path, "documentation_url": doc_url}
    accepted = headers.get("X-Accepted-GitHub-Permissions")
    if status == 401:
        return GitHubAuthError(f"{where}: the token was rejected (missing, expired or revoked); "
                               f"pass a valid token (the `github-token` input)",
                               permission=permission, **common)
    if status == 403:
        need = f"the `{permission}` permission" if permission else "a permission for this call"
        hint = f" (GitHub accepts: {accepted})" if accepted else ""
        return GitHubAuthError(f"{where}: the token lacks {need}{hint}; grant it in the workflow's "
                               f"`permissions:` block or pass a token that has it",
                               permission=permission, accepted_permissions=accepted, **common)
    if status == 404:
        return GitHubNotFound(f"{where}: not found, or not visible to this token"
                              f"{f' (it may need `{permission}`)' if permission else ''}", **common)
    return GitHubRequestError(where, **common)
