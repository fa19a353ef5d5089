"""The gate interface and the context a gate runs in.

A gate is a class with metadata as class attributes and one method, :meth:`Gate.run`, that
returns an :data:`~gates.model.Outcome`. The runner decides the final status (waivers,
thresholds, "checked nothing", explicit requests); reporters never see a gate object.
"""

from __future__ import annotations

import abc
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from gates.config.settings import EndpointSettings, GitHubEnv, Shard
from gates.model import Outcome, Severity

T = TypeVar("T")


@dataclass(frozen=True)
class GateContext:
    """Everything a gate may read: its options, the workspace, the endpoint, GitHub facts."""

    name: str
    workspace: Path
    options: Mapping[str, Any]  # the gate's section of the config, validated by its schema
    report_dir: Path
    work_dir: Path  # a private scratch directory for this gate
    github: GitHubEnv
    endpoint: EndpointSettings | None = None
    explicit: bool = False  # the user asked for this gate by name
    update_baseline: bool = False  # --update-baseline: write new baselines (default branch only)
    shard: Shard | None = None
    deadline: float = float("inf")  # time.monotonic() value after which the runner gives up
    cancelled: threading.Event = field(default_factory=threading.Event)
    log: Callable[[str], None] = print

    def option(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` in this gate's options, or ``default``."""
        return self.options.get(key, default)

    def remaining(self, cap: float | None = None) -> float:
        """Seconds left before the gate's deadline (at least 1), optionally capped."""
        left = max(1.0, self.deadline - time.monotonic())
        return min(left, cap) if cap is not None else left

    def path(self, relative: str) -> Path:
        """A workspace-relative path made absolute."""
        return (self.workspace / relative).resolve()

    def relative(self, path: Path | str) -> str:
        """``path`` as a POSIX path relative to the workspace (unchanged when outside it)."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.workspace.resolve()).as_posix()
        except ValueError:
            return p.as_posix()

    def select_shard(self, items: Sequence[T], key: Callable[[T], str] = str) -> list[T]:
        """The part of ``items`` this shard owns (all of them when not sharded)."""
        if self.shard is None:
            return list(items)
        return [item for item in items if self.shard.owns(key(item))]


class Gate(abc.ABC):
    """One gate of the pipeline. Subclasses set the class attributes and implement ``run``.

    The docstring of a subclass is its description in ``--help`` and the docs.
    """

    name: ClassVar[str]  # canonical gate name, e.g. "code-security"
    title: ClassVar[str]  # human title for reports
    tool: ClassVar[str]  # SARIF tool / run name for findings that do not name their own
    default_fail_on: ClassVar[Severity] = Severity.LOW
    default_timeout_s: ClassVar[float] = 900.0
    shardable: ClassVar[bool] = False  # True: splits its work with ctx.select_shard; else runs in shard 1 only

    @abc.abstractmethod
    def run(self, ctx: GateContext) -> Outcome:
        """Check what this gate proves and return Checked, Skipped or Errored.

        Raise :class:`gates.errors.GateError` (or any typed error) to end in ``error``; an
        unexpected exception also ends in ``error``, never in a pass.
        """
