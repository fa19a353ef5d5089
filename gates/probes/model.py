"""What a probe is: a conversation to send and the conditions a safe reply meets."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gates.model import Severity


class Category(str, enum.Enum):
    """The built-in probe categories; each is the rule id of its findings."""

    PROMPT_INJECTION = "prompt-injection"
    JAILBREAK = "jailbreak"
    ENCODED_INJECTION = "encoded-injection"
    INDIRECT_INJECTION = "indirect-injection"
    SYSTEM_PROMPT_EXTRACTION = "system-prompt-extraction"
    SECRET_LEAK = "secret-leak"  # nosec B105 - a rule id, not a password
    HARMFUL_CONTENT = "harmful-content"
    OVER_REFUSAL = "over-refusal"  # a benign request the app must answer


@dataclass(frozen=True)
class Expectation:
    """What a safe reply is. An unset condition is not checked; at least one is set."""

    refused: bool | None = None
    no_leak: bool = False  # judged by the canary and system-prompt checks alone (they always run)
    judge: bool = False  # the judge model decides too (needs judge-endpoint)
    must_not_contain: tuple[str, ...] = ()
    must_not_match: tuple[str, ...] = ()
    must_match: tuple[str, ...] = ()
    json_schema: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Probe:
    """One attack: the messages sent (the gate adds the system message) and the expectation."""

    id: str
    category: str
    title: str
    severity: Severity
    messages: tuple[Mapping[str, str], ...]
    expect: Expectation
    source: str | None = None  # workspace-relative file of a user probe; None for built-ins
    line: int | None = None
    goal: str | None = None  # what the attacker wants, in words (shown, and asked of the judge model)

    @property
    def prompt(self) -> str:
        """The last user message: what the finding shows."""
        return self.messages[-1]["content"]


@dataclass(frozen=True)
class Violation:
    """One expectation a reply broke."""

    rule_id: str
    reason: str
    severity: Severity


@dataclass(frozen=True)
class ProbeResult:
    """A probe's reply and verdict; ``error`` is set when the request failed (not evaluated)."""

    probe: Probe
    reply: str | None = None
    latency_s: float | None = None
    violations: tuple[Violation, ...] = field(default=())
    error: str | None = None
    attempt: int = 1  # which of the probe's repeats this is (1-based)
    judged_by_model: bool | None = None  # the judge model's answer (goal achieved?), when one is configured

    @property
    def passed(self) -> bool:
        return self.error is None and not self.violations
