"""The result model shared by every gate and reporter.

Everything here is a frozen dataclass or a ``str`` enum: gates produce these values, the
runner decides statuses from them, and reporters only read them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


class Severity(str, enum.Enum):
    """How bad a finding is; ordered from worst to mildest."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info: higher is worse."""
        return _SEVERITY_RANK[self]

    def at_least(self, threshold: Severity) -> bool:
        """True when this severity is as bad as ``threshold`` or worse."""
        return self.rank >= threshold.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity name case-insensitively; raise ``ValueError`` with the choices."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose one of {choices})") from None


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Status(str, enum.Enum):
    """The verdict of one gate, or of a whole run."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def blocks(self) -> bool:
        """Failed and error both block a deployment: the pipeline fails closed."""
        return self in (Status.FAILED, Status.ERROR)


class SuppressionKind(str, enum.Enum):
    """Why a finding does not block."""

    WAIVER = "waiver"
    BASELINE = "baseline"


@dataclass(frozen=True)
class Suppression:
    """A reason a finding is shown but does not block (a waiver or a baseline entry)."""

    kind: SuppressionKind
    reason: str
    owner: str | None = None
    expires: str | None = None  # ISO date, for waivers


@dataclass(frozen=True)
class Finding:
    """One problem a gate found.

    ``fingerprint`` identifies the finding across commits: it is built from the rule, the
    path and a normalised context (never the line number), plus an occurrence index so that
    duplicates are counted (see :mod:`gates.fingerprint`).
    """

    rule_id: str
    severity: Severity
    message: str
    fingerprint: str
    path: str | None = None  # POSIX path relative to the workspace
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    help_uri: str | None = None
    cwe: tuple[int, ...] = ()
    tool: str | None = None  # SARIF run this finding belongs to; defaults to the gate's tool
    title: str | None = None  # short rule name for annotations and SARIF rules
    package: str | None = None  # waiver scope: dependency name
    probe: str | None = None  # waiver scope: probe / test id
    aliases: tuple[str, ...] = ()  # other ids for the same problem (CVE, GHSA, ...)
    suppression: Suppression | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def suppressed(self) -> bool:
        """True when a waiver or baseline entry covers this finding."""
        return self.suppression is not None

    def ids(self) -> tuple[str, ...]:
        """The rule id followed by every alias: what a waiver may name."""
        return (self.rule_id, *self.aliases)

    def with_suppression(self, suppression: Suppression | None) -> Finding:
        """A copy with ``suppression`` set (or cleared)."""
        return replace(self, suppression=suppression)


# ---------------------------------------------------------------------------------------
# What a gate returns: exactly one of three outcome types.


@dataclass(frozen=True)
class Checked:
    """The gate ran its engine; ``checked`` counts what it looked at (files, tests, probes).

    A ``checked`` of zero never passes: the runner turns it into a failure.
    """

    findings: tuple[Finding, ...]
    checked: int
    summary: str
    details: str = ""  # Markdown shown in the gate's collapsible section
    metrics: Mapping[str, Any] = field(default_factory=dict)
    tool_versions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """The gate had nothing to check here (no endpoint, not a pull request, ...)."""

    reason: str


@dataclass(frozen=True)
class Errored:
    """The gate could not decide (tool missing or crashed, endpoint down, bad input)."""

    reason: str
    details: str = ""
    findings: tuple[Finding, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)


Outcome = Checked | Skipped | Errored


@dataclass(frozen=True)
class GateResult:
    """The final, decided result of one gate, as every reporter sees it."""

    name: str
    title: str
    status: Status
    summary: str
    duration_s: float
    findings: tuple[Finding, ...] = ()
    details: str = ""
    metrics: Mapping[str, Any] = field(default_factory=dict)
    tool: str = ""
    tool_versions: Mapping[str, str] = field(default_factory=dict)
    fail_on: Severity = Severity.LOW
    notes: tuple[str, ...] = ()  # e.g. expired or unused waivers, explicit-request failures

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Unsuppressed findings at or above this gate's threshold."""
        return tuple(f for f in self.findings if not f.suppressed and f.severity.at_least(self.fail_on))


@dataclass(frozen=True)
class RunResult:
    """All gate results of one run and the overall verdict."""

    gates: tuple[GateResult, ...]
    duration_s: float
    workspace: str
    config_source: str
    shard: str | None = None  # "i/n" when this run is one shard of a matrix

    @property
    def status(self) -> Status:
        """Failed if any gate failed, else error if any errored, else passed."""
        statuses = {g.status for g in self.gates}
        if Status.FAILED in statuses:
            return Status.FAILED
        if Status.ERROR in statuses:
            return Status.ERROR
        return Status.PASSED

    def gates_with(self, *statuses: Status) -> tuple[GateResult, ...]:
        """The gates whose status is one of ``statuses``, in run order."""
        return tuple(g for g in self.gates if g.status in statuses)
