"""Build a real GateContext for a gate test (no runner needed)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gates.config.settings import EndpointSettings, GitHubEnv, Shard
from gates.plugins.base import GateContext


def make_context(workspace: Path, tmp: Path, *, name: str, options: Mapping[str, Any] | None = None,
                 endpoint: EndpointSettings | None = None, shard: Shard | None = None,
                 budget_s: float = 300.0) -> GateContext:
    """A context with private report and work dirs under ``tmp`` and a deadline ``budget_s`` away."""
    report, work = tmp / "report", tmp / "work"
    report.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    return GateContext(name=name, workspace=workspace, options=dict(options or {}), report_dir=report,
                       work_dir=work, github=GitHubEnv(), endpoint=endpoint, shard=shard,
                       deadline=time.monotonic() + budget_s, log=lambda message: None)
