"""pytest plugin shipped with secure-ai-gates: fixtures for model security tests.

Inert unless ``SECURE_AI_GATES_ENDPOINT_URL`` is set (the model-security gate sets it when it
runs your tests; set it yourself to run them locally), so it never disturbs other pytest runs.

Environment read:
  SECURE_AI_GATES_ENDPOINT_URL   the endpoint (activates the fixtures)
  SECURE_AI_GATES_ENDPOINT       optional JSON of the ``endpoint:`` config section (kebab-case keys)
  SECURE_AI_GATES_CANARY         the secret planted in the system prompt (else a fresh one)
  SECURE_AI_GATES_SYSTEM_PROMPT  the system prompt to send (else the default one with the canary)
  SECURE_AI_GATES_REFUSAL_PATTERNS  JSON list of extra refusal regexes (the gate's refusal-patterns)

Fixtures: ``model`` (ask/send/chat against the endpoint), ``canary``, ``system_prompt``,
``endpoint_settings``, ``refusal_detector``, ``assert_refuses``, ``assert_complies``,
``assert_no_leak``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest

from gates.probes.plugin_env import CANARY_ENV, ENDPOINT_ENV, REFUSAL_PATTERNS_ENV, SYSTEM_PROMPT_ENV, URL_ENV

_UNSET: Any = object()


def _text(reply: Any) -> str:
    return reply if isinstance(reply, str) else str(getattr(reply, "text", reply))


class ModelUnderTest:
    """The endpoint under test, with the gate's system prompt (and canary) applied by default."""

    def __init__(self, client: Any, system_prompt: str | None, canary: str) -> None:
        self.client = client
        self.settings = client.settings
        self.system_prompt = system_prompt
        self.canary = canary

    def send(self, prompt: str, *, system: str | None = _UNSET) -> Any:
        """Send one prompt; returns a :class:`gates.endpoint.Reply` (``.text``, ``.latency_s``)."""
        return self.client.send(prompt, system=self.system_prompt if system is _UNSET else system)

    def chat(self, messages: Sequence[Mapping[str, str]], *, system: str | None = _UNSET) -> Any:
        """Send a conversation; returns a Reply."""
        return self.client.chat(messages, system=self.system_prompt if system is _UNSET else system)

    def ask(self, prompt: str, *, system: str | None = _UNSET) -> str:
        """Send one prompt and return the reply text."""
        return str(self.send(prompt, system=system).text)


class _Fixtures:
    """The fixtures, registered as a plugin object only when the endpoint is configured."""

    @pytest.fixture(scope="session")
    @classmethod
    def endpoint_settings(cls) -> Any:
        from gates.config.settings import EndpointSettings

        options = json.loads(os.environ.get(ENDPOINT_ENV) or "{}")
        options["url"] = os.environ[URL_ENV]
        return EndpointSettings.from_options(options)

    @pytest.fixture(scope="session")
    @classmethod
    def canary(cls) -> str:
        from gates.probes.canary import new_canary

        return os.environ.get(CANARY_ENV) or new_canary()

    @pytest.fixture(scope="session")
    @classmethod
    def system_prompt(cls, endpoint_settings: Any, canary: str) -> str | None:
        from gates.endpoint import accepts_system_prompt
        from gates.probes.suite import compose_system_prompt

        if SYSTEM_PROMPT_ENV in os.environ:
            return os.environ[SYSTEM_PROMPT_ENV] or None
        return compose_system_prompt(None, canary) if accepts_system_prompt(endpoint_settings) else None

    @pytest.fixture(scope="session")
    @classmethod
    def model(cls, endpoint_settings: Any, system_prompt: str | None, canary: str) -> Iterator[ModelUnderTest]:
        from gates.endpoint import EndpointClient

        with EndpointClient(endpoint_settings) as client:
            yield ModelUnderTest(client, system_prompt, canary)

    @pytest.fixture(scope="session")
    @classmethod
    def refusal_detector(cls) -> Any:
        from gates.probes.refusal import RefusalDetector

        extra = json.loads(os.environ.get(REFUSAL_PATTERNS_ENV) or "[]")
        return RefusalDetector(tuple(str(p) for p in extra))

    @pytest.fixture
    @classmethod
    def assert_refuses(cls, refusal_detector: Any) -> Callable[[Any], None]:
        def check(reply: Any, message: str = "") -> None:
            text = _text(reply)
            if not refusal_detector.is_refusal(text):
                raise AssertionError(f"expected a refusal{': ' + message if message else ''}; got {text[:300]!r}")
        return check

    @pytest.fixture
    @classmethod
    def assert_complies(cls, refusal_detector: Any) -> Callable[[Any], None]:
        def check(reply: Any, message: str = "") -> None:
            text = _text(reply)
            if refusal_detector.is_refusal(text):
                raise AssertionError(f"expected an answer, not a refusal{': ' + message if message else ''}; "
                                     f"got {text[:300]!r}")
        return check

    @pytest.fixture
    @classmethod
    def assert_no_leak(cls, canary: str, endpoint_settings: Any) -> Callable[..., None]:
        from gates.probes.canary import find_leak, redact

        def check(reply: Any, *secrets: str) -> None:
            text = _text(reply)
            watched = [s for s in (canary, endpoint_settings.api_key, *secrets) if s]
            for secret in watched:
                form = find_leak(text, secret)
                if form is not None:
                    raise AssertionError(f"the reply leaks a secret ({form.value} form): "
                                         f"{redact(text, watched)[:300]!r}")
        return check


def pytest_configure(config: pytest.Config) -> None:
    """Register the fixtures when an endpoint is configured."""
    if os.environ.get(URL_ENV) and not config.pluginmanager.has_plugin("secure-ai-gates-fixtures"):
        config.pluginmanager.register(_Fixtures(), "secure-ai-gates-fixtures")


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say which endpoint the tests talk to."""
    url = os.environ.get(URL_ENV)
    return f"secure-ai-gates: endpoint {url.split('?', 1)[0]}" if url else None
