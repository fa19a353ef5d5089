"""The deploy state file: the last verified version, what was deployed, where the deploy stands.

Written before anything is touched (so a rollback is possible, also from a later job) and
after every phase change; JSON, replaced atomically (temporary file + ``os.replace``).

The rollback target (``previous_version``) is the **last known good** version: the last one a
deploy or a rollback verified healthy, carried over from the state file a run leaves behind. A
run that was killed mid-deploy leaves an unverified version in service; the next deploy reads
that version (``in_service_version``) but still rolls back to the verified one, never to it.

Only the first write may fail the run (nothing has changed yet). Every later write is
bookkeeping: a failure (disk full, read-only file) is warned about and remembered in
:attr:`StateFile.unsaved`, and never stops the rollback. A state file left by an unfinished
deploy is kept beside the new one as ``<name>.unfinished-<timestamp>.json``.
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

SCHEMA = 2
_READABLE = (1, 2)


class Phase(str, enum.Enum):
    """Where a deploy stands; the last five are final."""

    RECORDED = "recorded"
    DEPLOYING = "deploying"
    MONITORING = "monitoring"
    ROLLING_BACK = "rolling-back"
    HEALTHY = "healthy"
    ROLLED_BACK = "rolled-back"
    ROLLBACK_FAILED = "rollback-failed"
    INCONCLUSIVE = "inconclusive"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """True once nothing is in flight any more (a cancelled deploy is left as it stood)."""
        return self in (Phase.HEALTHY, Phase.ROLLED_BACK, Phase.ROLLBACK_FAILED, Phase.INCONCLUSIVE)


@dataclass(frozen=True)
class DeployState:
    """The content of the state file."""

    previous_version: str  # the rollback target: the last known good version
    deployed_version: str
    phase: Phase
    started_at: str
    updated_at: str
    reason: str = ""
    run_id: str = ""
    last_good_version: str = ""  # the last version verified healthy (after this run: maybe deployed_version)
    in_service_version: str = ""  # what the version command read before this deploy
    command_pid: int = 0  # a deploy command in flight: its process (group) id, 0 when none
    command_started: str = ""  # that process's start time (clock ticks after boot), to recognise it
    schema: int = SCHEMA

    def to_json(self) -> str:
        """Pretty JSON with the phase as its string value."""
        data = asdict(self)
        data["phase"] = self.phase.value
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    def known_good(self) -> str:
        """The version a later deploy must fall back to (schema 1 files lack the field)."""
        if self.last_good_version:
            return self.last_good_version
        return self.deployed_version if self.phase is Phase.HEALTHY else self.previous_version


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
        if data.get("schema") not in _READABLE:
            raise ValueError(f"schema {data.get('schema')!r}, expected one of {_READABLE}")
        return DeployState(previous_version=str(data["previous_version"]),
                           deployed_version=str(data["deployed_version"]), phase=Phase(data["phase"]),
                           started_at=str(data["started_at"]), updated_at=str(data["updated_at"]),
                           reason=str(data.get("reason", "")), run_id=str(data.get("run_id", "")),
                           last_good_version=str(data.get("last_good_version", "")),
                           in_service_version=str(data.get("in_service_version", "")),
                           command_pid=int(data.get("command_pid", 0)),
                           command_started=str(data.get("command_started", "")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"not a deploy state file ({exc}); move it away or pass another --state-file",
                          source=str(path)) from None


def write(path: Path, state: DeployState) -> None:
    """Replace ``path`` with ``state`` atomically; UsageError when it cannot be written."""
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(state.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write the state file {path}: {exc}") from None


class StateFile:
    """The state of this deploy, written on every change."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        self.path = path
        self.warn = warn
        self.state: DeployState | None = None
        #: why the file on disk is behind :attr:`state` (empty when it is current)
        self.unsaved = ""

    def begin(self, in_service: str, deployed_version: str, run_id: str = "") -> DeployState:
        """Record the rollback target before anything changes (raises when it cannot be written)."""
        old = load(self.path)
        known_good = old.known_good() if old is not None else in_service
        if old is not None and not old.phase.finished:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            kept = self.path.with_name(f"{self.path.stem}.unfinished-{stamp}.json")
            write(kept, old)
            self.warn(f"{self.path} belonged to an unfinished deploy (phase {old.phase.value}, previous version "
                      f"{old.previous_version}, deployed version {old.deployed_version}); it is kept as {kept} and "
                      f"replaced by this deploy's state")
        if known_good != in_service:
            self.warn(f"the version in service, {in_service}, was never verified healthy by a deploy using "
                      f"{self.path}; a rollback restores the last known good version, {known_good}")
        moment = now_iso()
        self.state = DeployState(known_good, deployed_version, Phase.RECORDED, moment, moment, run_id=run_id,
                                 last_good_version=known_good, in_service_version=in_service)
        write(self.path, self.state)
        return self.state

    def resume(self, state: DeployState) -> None:
        """Continue an existing state (rollback-only mode)."""
        self.state = state

    def update(self, phase: Phase | None = None, **changes: Any) -> None:
        """Change the state and write it; a failed write is warned about, never raised."""
        if self.state is None:
            raise RuntimeError("StateFile.update before begin")
        if phase is not None:
            changes["phase"] = phase
        if phase is Phase.HEALTHY:  # verified: the new version is the one to fall back to from now on
            changes.setdefault("last_good_version", changes.get("deployed_version", self.state.deployed_version))
        self.state = replace(self.state, updated_at=now_iso(), **changes)
        try:
            write(self.path, self.state)
        except UsageError as exc:
            if not self.unsaved:
                self.warn(f"{exc}; the deploy goes on (a rollback is never skipped for bookkeeping) and the "
                          f"state is written again at the next change")
            self.unsaved = str(exc)
        else:
            self.unsaved = ""
