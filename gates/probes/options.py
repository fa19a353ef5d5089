"""The model-security gate's options, read once from its validated config section."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gates.errors import ConfigError
from gates.garak.policy import Policy, Rule
from gates.model import Severity
from gates.probes.model import Probe

DEFAULT_TESTS = "tests/security_tests.py"
DEFAULT_REPEATS = 5
DEFAULT_MIN_SAMPLES = 3
KEY = "gates.model-security"


def resolve_canary(options: Mapping[str, Any], key: str) -> str | None:
    """The ``canary`` option, or the value of the variable named by ``canary-env`` (must be set)."""
    canary = options.get("canary")
    env_name = options.get("canary-env")
    if env_name:
        canary = os.environ.get(env_name) or None
        if canary is None:
            raise ConfigError(f"the environment variable {env_name} named by canary-env is not set",
                              key=f"{key}.canary-env")
    return canary


@dataclass(frozen=True)
class ModelSecurityOptions:
    """Typed options; see ``gates/config/schema/gates/model-security.json``."""

    builtin_probes: bool = True
    probe_files: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    system_prompt: str | None = None
    canary: str | None = None
    refusal_patterns: tuple[str, ...] = ()
    tests: tuple[str, ...] = (DEFAULT_TESTS,)
    tests_explicit: bool = False
    pytest_args: tuple[str, ...] = ()
    python: str | None = None
    test_severity: Severity = Severity.HIGH
    concurrency: int | None = None
    repeats: int = DEFAULT_REPEATS
    policy: Policy = Policy((Rule(),), min_samples=DEFAULT_MIN_SAMPLES)
    judge_endpoint: Mapping[str, Any] | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ModelSecurityOptions:
        """Build from the gate's section; fill defaults; resolve ``canary-env``."""
        canary = resolve_canary(options, KEY)
        tests = options.get("tests", DEFAULT_TESTS)
        repeats = int(options.get("repeats", DEFAULT_REPEATS))
        min_samples = int(options.get("min-samples", min(DEFAULT_MIN_SAMPLES, repeats)))
        if min_samples > repeats:
            raise ConfigError(f"min-samples ({min_samples}) is larger than repeats ({repeats}): no probe could pass",
                              key=f"{KEY}.min-samples")
        return cls(
            builtin_probes=bool(options.get("builtin-probes", True)),
            probe_files=tuple(options.get("probe-files", ())),
            include=tuple(options.get("include", ())),
            exclude=tuple(options.get("exclude", ())),
            system_prompt=options.get("system-prompt"),
            canary=canary,
            refusal_patterns=tuple(options.get("refusal-patterns", ())),
            tests=(tests,) if isinstance(tests, str) else tuple(tests),
            tests_explicit="tests" in options,
            pytest_args=tuple(options.get("pytest-args", ())),
            python=options.get("python"),
            test_severity=Severity(options.get("test-severity", "high")),
            concurrency=options.get("concurrency"),
            repeats=repeats,
            policy=Policy.from_options(float(options.get("max-asr", 0.0)), options.get("policy", []) or [],
                                       str(options.get("judge", "upper-bound")), float(options.get("confidence", 0.95)),
                                       min_samples),
            judge_endpoint=options.get("judge-endpoint"),
        )

    def selects(self, probe: Probe) -> bool:
        """Whether ``probe`` passes the include / exclude globs (matched on id and category)."""
        names = (probe.id, probe.category)

        def hit(patterns: Sequence[str]) -> bool:
            return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns for name in names)

        return (not self.include or hit(self.include)) and not hit(self.exclude)
