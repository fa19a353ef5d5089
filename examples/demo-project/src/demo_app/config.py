"""Settings of the demo app, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Where the model server is and how long to wait for it."""

    base_url: str = "http://127.0.0.1:8000"
    model: str = "demo-assistant-1"
    timeout_s: float = 10.0
    api_key: str | None = None
    max_question_chars: int = 500

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """``DEMO_MODEL_URL``, ``DEMO_MODEL``, ``DEMO_TIMEOUT_S`` and ``DEMO_API_KEY``."""
        env = os.environ if environ is None else environ
        timeout = float(env.get("DEMO_TIMEOUT_S", cls.timeout_s))
        if not 0 < timeout <= 120:
            raise ValueError(f"DEMO_TIMEOUT_S must be between 0 and 120 seconds, not {timeout}")
        return cls(
            base_url=env.get("DEMO_MODEL_URL", cls.base_url).rstrip("/"),
            model=env.get("DEMO_MODEL", cls.model),
            timeout_s=timeout,
            api_key=env.get("DEMO_API_KEY") or None,
        )
