"""How each kind of target is spoken to: the request body and where the reply text is.

``openai``: ``POST {base}/v1/chat/completions`` with ``{"model", "messages"}``; the reply is
``choices[0].message.content``. ``rest``: ``POST url`` with ``request-template`` where
``$INPUT`` (and ``$SYSTEM``, when present) are replaced by the JSON-escaped texts and
``$MESSAGES`` by the conversation as a JSON array of ``{"role", "content"}`` (so multi-turn
probes keep their history; without it the earlier turns are folded into ``$INPUT`` as a
transcript); the reply is the value at ``response-path``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from typing import Any

from gates.config.settings import EndpointSettings
from gates.endpoint.errors import EndpointBadBody
from gates.endpoint.paths import parse_path, select
from gates.errors import ConfigError

_FALLBACK_KEYS = ("text", "output", "response", "generated_text", "answer", "content")


class TargetKind(str, enum.Enum):
    """The kinds of endpoint the client speaks to."""

    OPENAI = "openai"
    REST = "rest"


def target_kind(settings: EndpointSettings) -> TargetKind:
    """The settings' kind as an enum; a config error names the choices."""
    try:
        return TargetKind(settings.kind)
    except ValueError:
        raise ConfigError(f"unknown endpoint kind {settings.kind!r} (choose openai or rest)",
                          key="endpoint.kind") from None


def openai_base_url(url: str) -> str:
    """The ``.../v1`` base of an OpenAI-compatible URL given as host, ``/v1`` or full route."""
    base = url.rstrip("/")
    for suffix in ("/chat/completions", "/completions"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base if base.endswith("/v1") else base + "/v1"


def openai_chat_url(url: str) -> str:
    """The chat-completions URL for an OpenAI-compatible base or full URL."""
    return openai_base_url(url) + "/chat/completions"


def accepts_system_prompt(settings: EndpointSettings) -> bool:
    """Whether a system message reaches the target (openai, or a rest template with $SYSTEM)."""
    if not settings.system_prompt:
        return False
    if target_kind(settings) is TargetKind.REST:
        return "$SYSTEM" in (settings.request_template or "")
    return True


def build_request(settings: EndpointSettings, messages: Sequence[Mapping[str, str]]) -> tuple[str, bytes]:
    """The URL and JSON body for one conversation."""
    kind = target_kind(settings)
    if kind is TargetKind.OPENAI:
        body: dict[str, Any] = {"messages": [dict(m) for m in messages]}
        if settings.model:
            body["model"] = settings.model
        return openai_chat_url(settings.url), json.dumps(body).encode("utf-8")
    template = settings.request_template or ""
    if "$INPUT" not in template:
        raise ConfigError("the request-template has no $INPUT placeholder", key="endpoint.request-template")
    system = [m["content"] for m in messages if m.get("role") == "system"]
    turns = [dict(m) for m in messages if m.get("role") != "system"]
    text = template.replace("$SYSTEM", _escape(system[0] if system else ""))
    if "$MESSAGES" in text:
        text = text.replace("$MESSAGES", json.dumps(turns, ensure_ascii=False))
        prompt = next((m["content"] for m in reversed(turns) if m.get("role") == "user"), "")
    else:
        prompt = transcript(turns)
    return settings.url, text.replace("$INPUT", _escape(prompt)).encode("utf-8")


def transcript(turns: Sequence[Mapping[str, str]]) -> str:
    """The last user message, preceded by the earlier turns as a transcript when there are any.

    A ``rest`` template without ``$MESSAGES`` takes one text; folding the history into it keeps
    multi-turn probes multi-turn instead of silently sending only their last message.
    """
    if not turns:
        return ""
    if len(turns) == 1:
        return turns[0]["content"]
    names = {"user": "User", "assistant": "Assistant"}
    history = "\n".join(f"{names.get(t.get('role', ''), t.get('role', ''))}: {t['content']}" for t in turns[:-1])
    return f"Conversation so far:\n{history}\n\nUser: {turns[-1]['content']}"


def _escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def parse_reply(settings: EndpointSettings, body: bytes) -> tuple[str, Any]:
    """The reply text and the parsed body; :class:`EndpointBadBody` when it is not there."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise EndpointBadBody(f"the reply is not JSON: {_preview(body)}") from None
    if target_kind(settings) is TargetKind.OPENAI:
        steps: tuple[str | int, ...] = ("choices", 0, "message", "content")
    elif settings.response_path:
        try:
            steps = parse_path(settings.response_path)
        except ValueError as exc:
            raise ConfigError(str(exc), key="endpoint.response-path") from None
    else:
        return _fallback_text(document), document
    try:
        value = select(document, steps)
    except KeyError as exc:
        raise EndpointBadBody(f"the reply has no text at {'.'.join(map(str, steps))} ({exc.args[0]}): "
                              f"{_preview(body)}") from None
    if not isinstance(value, str):
        raise EndpointBadBody(f"the reply text at {'.'.join(map(str, steps))} is "
                              f"{type(value).__name__}, not a string: {_preview(body)}")
    return value, document


def _fallback_text(document: Any) -> str:
    if isinstance(document, str):
        return document
    if isinstance(document, dict):
        for key in _FALLBACK_KEYS:
            value = document.get(key)
            if isinstance(value, str):
                return value
    raise EndpointBadBody("cannot find the reply text: set endpoint.response-path "
                          f"(e.g. output.text) for this body: {_preview(json.dumps(document).encode())}")


def _preview(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", "replace").replace("\n", " ")
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def settings_to_options(settings: EndpointSettings) -> dict[str, Any]:
    """The ``endpoint:`` config section (kebab-case keys) that rebuilds ``settings``; no secret values."""
    out: dict[str, Any] = {}
    for name, value in vars(settings).items():
        if value is None:
            continue
        key = "timeout" if name == "timeout_s" else name.replace("_", "-")
        out[key] = dict(value) if isinstance(value, Mapping) else value
    return out
