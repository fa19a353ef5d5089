"""Action inputs (``INPUT_*`` variables) mapped once into a typed object.

GitHub passes an input ``fail-on`` as ``INPUT_FAIL-ON``; some runners and wrappers use
``INPUT_FAIL_ON``: both spellings are read. An empty value means "not given". Booleans are
parsed strictly (true/false), anything else is a configuration error naming the input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from gates.errors import ConfigError

INPUT_NAMES = ("config", "policy", "gates", "workspace", "endpoint", "fail-on", "report-dir", "github-token",
               "check-name", "upload-sarif", "runtime", "shard", "update-baseline", "reporters")


def read_input(environ: Mapping[str, str], name: str) -> str | None:
    """The value of input ``name`` in either spelling, or None when unset or empty."""
    upper = name.upper()
    for key in (f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"):
        value = environ.get(key)
        if value is not None and value.strip() != "":
            return value.strip()
    return None


def parse_bool(name: str, value: str | None, default: bool) -> bool:
    """Strict boolean: true/false (any case); None gives ``default``."""
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ConfigError(f"must be true or false, got {value!r}", source="action inputs", key=name)


@dataclass(frozen=True)
class ActionInputs:
    """Every input of action.yml that the entrypoint reads."""

    config: str | None = None
    policy: str | None = None  # a trusted policy file (see gates.config.trusted)
    gates: str | None = None
    workspace: str | None = None
    endpoint: str | None = None
    fail_on: str | None = None
    report_dir: str | None = None
    github_token: str | None = None
    check_name: str | None = None
    upload_sarif: bool = False
    runtime: str | None = None
    shard: str | None = None
    update_baseline: bool = False
    reporters: str | None = None  # comma list of reporter names; None: every default one
    check_name_given: bool = False  # the check-name variable exists (an empty value disables the check run)

    @property
    def check_run_name(self) -> str:
        """The check run's name; "" when the user set check-name to empty to disable it."""
        if self.check_name_given:
            return self.check_name or ""
        return "secure-ai-gates"

    def with_flags(self, flags: object) -> ActionInputs:
        """These inputs with every command-line flag that was given taking precedence.

        ``flags`` is the parsed command line (an ``argparse.Namespace``): an attribute named like a
        field (``report_dir`` for ``--report-dir``) that is set wins over the ``INPUT_*`` value.
        """
        given = {f.name: getattr(flags, f.name) for f in fields(self)
                 if f.name != "check_name_given" and getattr(flags, f.name, None) not in (None, "")}
        return replace(self, **given)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ActionInputs:
        """Read all inputs; strict booleans."""
        values = {name: read_input(environ, name) for name in INPUT_NAMES}
        runtime = values["runtime"]
        if runtime is not None and runtime not in ("docker", "host"):
            raise ConfigError(f"must be docker or host, got {runtime!r}", source="action inputs", key="runtime")
        return cls(
            config=values["config"], policy=values["policy"], gates=values["gates"], workspace=values["workspace"],
            endpoint=values["endpoint"], fail_on=values["fail-on"], report_dir=values["report-dir"],
            github_token=values["github-token"], check_name=values["check-name"],
            upload_sarif=parse_bool("upload-sarif", values["upload-sarif"], False), runtime=runtime,
            shard=values["shard"],
            update_baseline=parse_bool("update-baseline", values["update-baseline"], False),
            reporters=values["reporters"],
            check_name_given=any(k in environ for k in ("INPUT_CHECK-NAME", "INPUT_CHECK_NAME")),
        )
