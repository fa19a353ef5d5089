"""The typed run configuration: file values, then action inputs, then flags.

Precedence (lowest first): built-in defaults, ``.github/secure-ai-gates.yml``, ``INPUT_*``
variables of the action, command-line flags. :func:`load_config` reads and validates the
file; :func:`plan_gates` decides which gates run and which were asked for by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gates.config.durations import parse_duration
from gates.config.settings import EndpointSettings, Shard
from gates.config.waivers import Waiver, parse_waivers
from gates.errors import ConfigError, UsageError
from gates.model import Severity

DEFAULT_CONFIG = Path(".github/secure-ai-gates.yml")
DEFAULT_REPORT_DIR = "secure-ai-gates-report"
BUILT_IN = "built-in defaults"


@dataclass(frozen=True)
class GateConfig:
    """One gate's section: switched on/off (or unset), threshold, time limit and options."""

    enabled: bool | None = None
    fail_on: Severity | None = None
    timeout_s: float | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """The validated configuration file (or the built-in defaults)."""

    source: str = BUILT_IN
    gates: Mapping[str, GateConfig] = field(default_factory=dict)
    endpoint: EndpointSettings | None = None
    waivers: tuple[Waiver, ...] = ()
    fail_on: Severity | None = None
    timeout_s: float | None = None  # default per-gate time limit; else each gate's own
    concurrency: int | None = None
    report_dir: str | None = None
    generated: tuple[str, ...] = ()  # globs of files earlier workflow steps write (exempt from the tree check)

    def gate(self, name: str) -> GateConfig:
        """The section of ``name`` (empty when the file does not mention it)."""
        return self.gates.get(name, GateConfig())


@dataclass(frozen=True)
class Overrides:
    """What flags and action inputs say; None means 'not given'."""

    gates: tuple[str, ...] | None = None
    endpoint_url: str | None = None
    fail_on: Severity | None = None
    report_dir: str | None = None
    shard: Shard | None = None
    update_baseline: bool = False


@dataclass(frozen=True)
class PlannedGate:
    """A gate in this run: whether it runs and whether the user asked for it by name."""

    name: str
    run: bool
    explicit: bool
    reason: str = ""  # why it does not run


def resolve_config_path(config: str | None, workspace: Path) -> Path | None:
    """The config file to read: the given one (must exist) or the default when present."""
    if config:
        path = Path(config)
        if not path.is_absolute():
            path = workspace / path if not path.exists() else path
        if not path.is_file():
            raise UsageError(f"config file not found: {config}")
        return path
    default = workspace / DEFAULT_CONFIG
    return default if default.is_file() else None


def load_config(path: Path | None) -> Config:
    """Read, validate and type the config file; ``None`` gives the built-in defaults."""
    if path is None:
        return Config()
    from gates.config.loader import load_yaml

    data, node = load_yaml(path)
    return config_from_data(data, node, str(path))


def config_from_data(data: Any, node: Any, source: str) -> Config:
    """Validate and type a parsed config document (``node`` gives line numbers; may be None)."""
    from gates.config.loader import line_of, validate

    if data is None:
        data = {}
    validate(data, node, source)
    gates: dict[str, GateConfig] = {}
    for name, section in (data.get("gates") or {}).items():
        gates[name] = _gate_config(section, source, name, lambda p: line_of(node, p))
    endpoint = None
    if data.get("endpoint") is not None:
        try:
            endpoint = EndpointSettings.from_options(data["endpoint"])
        except ConfigError as exc:
            raise ConfigError(str(exc).split(": ", 1)[-1], source=source, key=exc.key,
                              line=line_of(node, (exc.key or "endpoint").split("."))) from None
    waivers = parse_waivers(data.get("waivers") or [], source, lambda p: line_of(node, p))
    return Config(
        source=source,
        gates=gates,
        endpoint=endpoint,
        waivers=waivers,
        fail_on=Severity(data["fail-on"]) if "fail-on" in data else None,
        timeout_s=parse_duration(data["timeout"]) if "timeout" in data else None,
        concurrency=data.get("concurrency"),
        report_dir=data.get("report-dir"),
        generated=tuple(data.get("generated") or ()),
    )


def _gate_config(section: Any, source: str, name: str, line_for: Any) -> GateConfig:
    if isinstance(section, bool):
        return GateConfig(enabled=section)
    options = {k: v for k, v in section.items() if k not in ("enabled", "fail-on", "timeout")}
    timeout = None
    if "timeout" in section:
        try:
            timeout = parse_duration(section["timeout"])
        except ValueError as exc:
            raise ConfigError(str(exc), source=source, key=f"gates.{name}.timeout",
                              line=line_for(["gates", name, "timeout"])) from None
    return GateConfig(
        enabled=section.get("enabled"),
        fail_on=Severity(section["fail-on"]) if "fail-on" in section else None,
        timeout_s=timeout,
        options=options,
    )


def parse_gate_list(text: str, known: Sequence[str]) -> tuple[str, ...]:
    """``"code-security, dependencies"`` -> names; unknown or empty names are usage errors."""
    from gates.config.loader import suggest

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise UsageError("--gates/gates input is empty; name at least one gate")
    for name in names:
        if name not in known:
            hint = suggest(name, known)
            raise UsageError(f"unknown gate {name!r}" + (f" ({hint})" if hint else "")
                             + f"; gates are: {', '.join(known)}")
    return tuple(dict.fromkeys(names))


def plan_gates(config: Config, overrides: Overrides, known: Sequence[str]) -> list[PlannedGate]:
    """Which gates run. A ``--gates`` list wins; else config ``true``/``enabled`` requests
    a gate by name and ``false`` switches it off; everything else runs non-explicitly."""
    planned = []
    for name in known:
        section = config.gate(name)
        if overrides.gates is not None:
            if name in overrides.gates:
                planned.append(PlannedGate(name, run=True, explicit=True))
            else:
                planned.append(PlannedGate(name, run=False, explicit=False, reason="not selected by --gates"))
        elif section.enabled is False:
            planned.append(PlannedGate(name, run=False, explicit=False, reason=f"disabled in {config.source}"))
        else:
            planned.append(PlannedGate(name, run=True, explicit=section.enabled is True))
    return planned
