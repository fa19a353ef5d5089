"""A small client for the model server's OpenAI-compatible chat-completions endpoint."""

from __future__ import annotations

from typing import Any

import requests

from demo_app.config import Settings


class ModelError(RuntimeError):
    """The model server could not be reached or answered with something unusable."""


class ModelClient:
    """Sends chat requests with a timeout, TLS verification on, and checks the reply's shape."""

    def __init__(self, settings: Settings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.session = session or requests.Session()

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply text for ``messages``."""
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        body = {"model": self.settings.model, "messages": messages, "temperature": 0}
        try:
            response = self.session.post(f"{self.settings.base_url}/v1/chat/completions", json=body,
                                         headers=headers, timeout=self.settings.timeout_s)
        except requests.RequestException as exc:
            raise ModelError(f"model server at {self.settings.base_url} unreachable: {exc}") from exc
        if response.status_code != 200:
            raise ModelError(f"model server answered HTTP {response.status_code}")
        try:
            return _reply_text(response.json())
        except ValueError as exc:
            raise ModelError(f"model server sent an unusable reply: {exc}") from exc


def _reply_text(payload: Any) -> str:
    """``choices[0].message.content`` of a chat-completions reply, checked."""
    try:
        text = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError("no choices[0].message.content") from exc
    if not isinstance(text, str):
        raise ValueError("the reply content is not text")
    return text.strip()
