"""Typed settings: the endpoint under test, the GitHub environment, shards.

Every value reaches the code through one of these frozen dataclasses, built once from the
validated configuration, the action inputs and the command-line flags.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gates.errors import ConfigError
from gates.urls import URL_HINT, url_problem


@dataclass(frozen=True)
class EndpointSettings:
    """The model or LLM application under test, reached over HTTP.

    ``kind`` is ``openai`` (chat completions) or ``rest`` (``request_template`` with a
    ``$INPUT`` placeholder, reply text at ``response_path``).
    """

    url: str
    kind: str = "openai"
    model: str | None = None
    request_template: str | None = None
    response_path: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    api_key_env: str | None = None
    api_key_header: str = "Authorization"
    api_key_prefix: str = "Bearer "
    timeout_s: float = 30.0
    retries: int = 2
    concurrency: int = 4
    verify_tls: bool = True
    ca_bundle: str | None = None
    system_prompt: bool = True  # whether the target accepts a system message (canary planting)
    error_budget: float = 0.1  # fraction of requests allowed to fail before the gate errors

    @property
    def api_key(self) -> str | None:
        """The API key read from ``api_key_env`` (never stored in reports)."""
        if not self.api_key_env:
            return None
        return os.environ.get(self.api_key_env) or None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> EndpointSettings:
        """Build from the validated ``endpoint`` section (kebab-case keys)."""
        kwargs: dict[str, Any] = {}
        for key, value in options.items():
            attr = _ENDPOINT_KEYS.get(key)
            if attr is not None:
                kwargs[attr] = value
        if "url" not in kwargs:
            raise ConfigError("an endpoint needs a url", key="endpoint.url")
        problem = url_problem(str(kwargs["url"]))
        if problem:
            raise ConfigError(problem, key="endpoint.url", hint=URL_HINT)
        if kwargs.get("kind", "openai") == "rest" and not kwargs.get("request_template"):
            raise ConfigError("a rest endpoint needs a request-template containing $INPUT",
                              key="endpoint.request-template")
        if "headers" in kwargs:
            kwargs["headers"] = dict(kwargs["headers"])
        if "timeout_s" in kwargs:
            from gates.config.durations import parse_duration

            try:
                kwargs["timeout_s"] = parse_duration(kwargs["timeout_s"])
            except ValueError as exc:
                raise ConfigError(str(exc), key="endpoint.timeout") from None
        return cls(**kwargs)


_ENDPOINT_KEYS = {
    "url": "url", "kind": "kind", "model": "model", "request-template": "request_template",
    "response-path": "response_path", "headers": "headers", "api-key-env": "api_key_env",
    "api-key-header": "api_key_header", "api-key-prefix": "api_key_prefix", "timeout": "timeout_s",
    "retries": "retries", "concurrency": "concurrency", "verify-tls": "verify_tls",
    "ca-bundle": "ca_bundle", "system-prompt": "system_prompt", "error-budget": "error_budget",
}


@dataclass(frozen=True)
class Shard:
    """This job's part ``index`` of ``count`` (1-based) of the expensive work."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Parse ``i/n`` with 1 <= i <= n."""
        try:
            left, right = text.split("/")
            index, count = int(left), int(right)
        except ValueError:
            raise ConfigError(f"shard must look like i/n, got {text!r}", key="shard") from None
        if not 1 <= index <= count:
            raise ConfigError(f"shard {text!r}: i must be between 1 and n", key="shard")
        return cls(index, count)

    def owns(self, key: str) -> bool:
        """Whether this shard handles the item named ``key`` (stable across machines)."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class GitHubEnv:
    """Facts about the workflow run, read from ``GITHUB_*`` variables and the event payload."""

    actions: bool = False
    event_name: str | None = None
    event: Mapping[str, Any] = field(default_factory=dict)
    repository: str | None = None  # owner/name
    sha: str | None = None
    ref: str | None = None
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    token: str | None = None
    run_id: str | None = None
    step_summary: Path | None = None
    output_file: Path | None = None

    @property
    def pull_request(self) -> Mapping[str, Any] | None:
        """The pull request object of a ``pull_request*`` event, else None."""
        pr = self.event.get("pull_request")
        return pr if isinstance(pr, Mapping) else None

    @property
    def is_pull_request(self) -> bool:
        """True on pull_request, pull_request_target and pull_request_review events."""
        return self.pull_request is not None

    @property
    def head_sha(self) -> str | None:
        """The commit under test: the PR head on pull requests, else ``GITHUB_SHA``."""
        pr = self.pull_request
        if pr is not None:
            return str(pr.get("head", {}).get("sha") or "") or self.sha
        return self.sha

    @property
    def base_sha(self) -> str | None:
        """The PR's base commit (for baselines and trusted manifests), else None."""
        pr = self.pull_request
        if pr is None:
            return None
        return str(pr.get("base", {}).get("sha") or "") or None

    @property
    def is_fork(self) -> bool:
        """True for a pull request from another repository (its token is read-only)."""
        pr = self.pull_request
        if pr is None:
            return False
        head_repo = (pr.get("head") or {}).get("repo") or {}
        base_repo = (pr.get("base") or {}).get("repo") or {}
        return bool(head_repo.get("full_name")) and head_repo.get("full_name") != base_repo.get("full_name")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], token: str | None = None) -> GitHubEnv:
        """Read the runner's environment; a missing or unreadable event file is a config error."""
        event: Mapping[str, Any] = {}
        event_path = environ.get("GITHUB_EVENT_PATH")
        if event_path:
            try:
                loaded = json.loads(Path(event_path).read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ConfigError(f"GITHUB_EVENT_PATH points to a missing file: {event_path}") from None
            except (OSError, ValueError) as exc:
                raise ConfigError(f"cannot read the event payload {event_path}: {exc}") from None
            if isinstance(loaded, Mapping):
                event = loaded
        summary = environ.get("GITHUB_STEP_SUMMARY")
        output = environ.get("GITHUB_OUTPUT")
        return cls(
            actions=environ.get("GITHUB_ACTIONS") == "true",
            event_name=environ.get("GITHUB_EVENT_NAME"),
            event=event,
            repository=environ.get("GITHUB_REPOSITORY"),
            sha=environ.get("GITHUB_SHA"),
            ref=environ.get("GITHUB_REF"),
            api_url=environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
            server_url=environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
            token=token,
            run_id=environ.get("GITHUB_RUN_ID"),
            step_summary=Path(summary) if summary else None,
            output_file=Path(output) if output else None,
        )
