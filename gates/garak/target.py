"""garak's generator configuration, built from our endpoint settings.

We use garak's generic REST generator (``rest.RestGenerator``) for both endpoint kinds:

- for ``openai`` endpoints it posts a chat-completions body and reads
  ``$.choices[0].message.content``; unlike ``openai.OpenAICompatible`` it does not retry a
  refused connection or an unparsable body forever (that generator backs off without a limit),
  so an endpoint that goes away ends the run instead of hanging until the gate timeout;
- for ``rest`` endpoints it uses the user's request template and response path as they are.

The API key never enters a file: the header holds garak's ``$KEY`` placeholder and garak
reads the key from the variable named by ``api-key-env``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from gates.config.settings import EndpointSettings
from gates.endpoint.paths import parse_path
from gates.endpoint.targets import openai_chat_url
from gates.errors import ConfigError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
GENERATOR_FILE = "garak-generator.json"


def json_path(path: str) -> str:
    """garak's JSONPath for our ``response-path`` (``choices.0.message.content`` or ``$...``)."""
    try:
        steps = parse_path(path)
    except ValueError as exc:
        raise ConfigError(str(exc), key="endpoint.response-path") from None
    out = "$"
    for step in steps:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if _IDENTIFIER.match(step) else f".'{step}'"
    return out


def _headers(settings: EndpointSettings) -> dict[str, str]:
    headers = {"Content-Type": "application/json", **dict(settings.headers)}
    if settings.api_key_env:
        headers[settings.api_key_header] = f"{settings.api_key_prefix}$KEY"
    return headers


def target_name(settings: EndpointSettings, configured: str | None = None) -> str:
    """The model's name inside garak's prompts: configured, else the endpoint's model, never its URL."""
    return configured or settings.model or "the assistant"


def generator_options(settings: EndpointSettings, system_prompt: str | None = None,
                      name: str | None = None) -> dict[str, Any]:
    """The ``--generator_option_file`` content for ``rest.RestGenerator``.

    ``name`` is what garak calls the model (DAN prompts say "act as {name}"); without it garak
    would use the endpoint URL.
    """
    options: dict[str, Any] = {
        "name": target_name(settings, name),
        "method": "post",
        "headers": _headers(settings),
        "request_timeout": settings.timeout_s,
        "verify_ssl": settings.ca_bundle if settings.ca_bundle else settings.verify_tls,
    }
    if settings.api_key_env:
        options["key_env_var"] = settings.api_key_env
    if settings.kind == "openai":
        messages: list[dict[str, str]] = []
        if system_prompt and settings.system_prompt:
            messages.append({"role": "system", "content": system_prompt})
        messages.append({"role": "user", "content": "$INPUT"})
        options["uri"] = openai_chat_url(settings.url)
        body: dict[str, Any] = {"model": settings.model} if settings.model else {}
        options["req_template_json_object"] = {**body, "messages": messages}
        options["response_json"] = True
        options["response_json_field"] = "$.choices[0].message.content"
    elif settings.kind == "rest":
        if not settings.request_template or "$INPUT" not in settings.request_template:
            raise ConfigError("a rest endpoint needs a request-template containing $INPUT",
                              key="endpoint.request-template")
        options["uri"] = settings.url
        options["req_template"] = settings.request_template.replace(
            "$SYSTEM", json.dumps(system_prompt or "")[1:-1]).replace(
            "$MESSAGES", '[{"role": "user", "content": "$INPUT"}]')
        options["response_json"] = bool(settings.response_path)
        if settings.response_path:
            options["response_json_field"] = json_path(settings.response_path)
    else:
        raise ConfigError(f"unknown endpoint kind {settings.kind!r} (use openai or rest)", key="endpoint.kind")
    return {"rest": {"RestGenerator": options}}


def write_generator_file(settings: EndpointSettings, directory: Path, system_prompt: str | None = None,
                         name: str | None = None) -> Path:
    """Write the generator options as JSON into ``directory`` and return its path."""
    path = directory / GENERATOR_FILE
    path.write_text(json.dumps(generator_options(settings, system_prompt, name), indent=2), encoding="utf-8")
    return path
