"""The deploy state file: what ran before, what was deployed, where the deploy stands.

Written before anything is touched (so a rollback is possible, also from a later job) and
after every phase change; JSON, replaced atomically (temporary file + ``os.replace``). A
state file left by an unfinished deploy is never overwritten silently: it is kept beside the
new one as ``<name>.unfinished-<timestamp>.json`` and a warning names the version it recorded.
"""

from __future__ import annotations

import enum
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gates.errors import ConfigError, UsageError

SCHEMA = 1


class Phase(str, enum.Enum):
    """Where a deploy stands; the last four are final."""

    RECORDED = "recorded"
    DEPLOYING = "deploying"
    MONITORING = "monitoring"
    ROLLING_BACK = "rolling-back"
    HEALTHY = "healthy"
    ROLLED_BACK = "rolled-back"
    ROLLBACK_FAILED = "rollback-failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """True once nothing is in flight any more (a cancelled deploy is left as it stood)."""
        return self in (Phase.HEALTHY, Phase.ROLLED_BACK, Phase.ROLLBACK_FAILED)


@dataclass(frozen=True)
class DeployState:
    """The content of the state file."""

    previous_version: str
    deployed_version: str
    phase: Phase
    started_at: str
    updated_at: str
    reason: str = ""
    run_id: str = ""
    schema: int = SCHEMA

    def to_json(self) -> str:
        """Pretty JSON with the phase as its string value."""
        data = asdict(self)
        data["phase"] = self.phase.value
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


def now_iso() -> str:
    """UTC time in ISO 8601 with seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load(path: Path) -> DeployState | None:
    """The state in ``path``; None when it does not exist; ConfigError when it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the state file: {exc}", source=str(path)) from None
    try:
        data: Any = json.loads(text)
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema {data.get('schema')!r}, expected {SCHEMA}")
        return DeployState(previous_version=str(data["previous_version"]),
                           deployed_version=str(data["deployed_version"]), phase=Phase(data["phase"]),
                           started_at=str(data["started_at"]), updated_at=str(data["updated_at"]),
                           reason=str(data.get("reason", "")), run_id=str(data.get("run_id", "")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"not a deploy state file ({exc}); move it away or pass another --state-file",
                          source=str(path)) from None


def write(path: Path, state: DeployState) -> None:
    """Replace ``path`` with ``state`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(state.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write the state file {path}: {exc}") from None


class StateFile:
    """The state of this deploy, written on every change."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        self.path = path
        self.warn = warn
        self.state: DeployState | None = None

    def begin(self, previous_version: str, deployed_version: str, run_id: str = "") -> DeployState:
        """Record the version in service before anything changes; keep an unfinished old state."""
        old = load(self.path)
        if old is not None and not old.phase.finished:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            kept = self.path.with_name(f"{self.path.stem}.unfinished-{stamp}.json")
            write(kept, old)
            self.warn(f"{self.path} belonged to an unfinished deploy (phase {old.phase.value}, previous version "
                      f"{old.previous_version}, deployed version {old.deployed_version}); it is kept as {kept} and "
                      f"replaced by this deploy's state")
        moment = now_iso()
        self.state = DeployState(previous_version, deployed_version, Phase.RECORDED, moment, moment, run_id=run_id)
        write(self.path, self.state)
        return self.state

    def resume(self, state: DeployState) -> None:
        """Continue an existing state (rollback-only mode)."""
        self.state = state

    def update(self, phase: Phase, *, reason: str | None = None, deployed_version: str | None = None) -> None:
        """Move to ``phase`` and write the file."""
        if self.state is None:
            raise RuntimeError("StateFile.update before begin")
        changes: dict[str, Any] = {"phase": phase, "updated_at": now_iso()}
        if reason is not None:
            changes["reason"] = reason
        if deployed_version is not None:
            changes["deployed_version"] = deployed_version
        self.state = replace(self.state, **changes)
        write(self.path, self.state)
