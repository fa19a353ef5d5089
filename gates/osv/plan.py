"""The dependencies gate's options turned into a plan: which sources, which service, which limits.

Defaults (applied here; the config loader fills none):

* ``requirements``: ``["requirements*.txt"]`` (globs relative to the workspace; includes followed);
* ``lock-files``: ``pylock.toml``, ``pylock.*.toml`` (audited with ``pip-audit --locked``),
  ``uv.lock``, ``poetry.lock``, ``Pipfile.lock`` (read by the gate, audited as exact pins),
  each searched at the top of the workspace; a name of another kind is a config error;
* ``conda-environment``: ``["environment.yml", "environment.yaml"]`` (the ``pip:`` section is
  resolved and audited; conda-only packages are listed as not audited);
* ``pyproject``: ``auto`` = audit ``pyproject.toml`` only when no requirements or lock file was
  found and it declares ``[project] dependencies`` (pip-audit must resolve it with a package index);
  a lock file next to it always wins (the lock is audited, the manifest is not);
* ``environment``: false (true = the interpreter running the gates, or a path to a Python);
* ``vulnerability-service``: ``osv``; ``advisory-db`` or ``osv-url`` select an offline mirror;
* ``request-timeout``: 15 s; ``retries``: 2; ``default-severity``: ``high``; ``safety``: false.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.config.durations import parse_duration
from gates.errors import ConfigError
from gates.model import Severity
from gates.osv.lock_sources import ENVIRONMENT_NAMES, LOCK_NAMES, conda_source, lockfile_source
from gates.osv.sources import AuditSource, SourceKind, lock_source, pyproject_source, relative, requirements_sources

DEFAULT_REQUIREMENTS = ("requirements*.txt",)
DEFAULT_LOCK_FILES = ("pylock.toml", "pylock.*.toml", *LOCK_NAMES)
DEFAULT_ENVIRONMENTS = ENVIRONMENT_NAMES
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
_WILDCARDS = set("*?[")


@dataclass(frozen=True)
class AuditPlan:
    """Everything the gate needs to know before it runs pip-audit."""

    sources: tuple[AuditSource, ...]
    service: str
    osv_url: str | None
    advisory_db: Path | None
    index_url: str | None
    request_timeout: int
    retries: int
    default_severity: Severity
    safety: bool
    safety_db: Path | None
    safety_key_env: str
    notes: tuple[str, ...] = ()  # what discovery decided, e.g. a lock file winning over its manifest

    @property
    def osv_base(self) -> str | None:
        """The OSV API root of ``osv_url`` (for ``GET /v1/vulns/{id}``), when it ends in ``/v1/query``."""
        if self.osv_url and self.osv_url.rstrip("/").endswith("/v1/query"):
            return self.osv_url.rstrip("/")[: -len("/v1/query")]
        return None


def _globs(options: Mapping[str, Any], key: str, default: tuple[str, ...], workspace: Path) -> list[Path]:
    patterns = options.get(key, list(default))
    found: list[Path] = []
    for pattern in patterns:
        if key in options and not set(pattern) & _WILDCARDS:  # a path the user named must exist
            path = workspace / pattern
            if not path.is_file():
                raise ConfigError(f"{pattern!r} does not exist in the workspace", key=f"dependencies.{key}",
                                  hint="fix the path or remove it from the list")
            found.append(path)
        else:
            found += sorted(p for p in workspace.glob(pattern) if p.is_file())
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def _path_option(options: Mapping[str, Any], key: str, workspace: Path) -> Path | None:
    value = options.get(key)
    if value is None:
        return None
    path = Path(value)
    return path if path.is_absolute() else workspace / path


def _lock_sources(options: Mapping[str, Any], workspace: Path) -> list[AuditSource]:
    """Sources for the lock files: pylock files grouped by directory, the others one each."""
    by_dir: dict[Path, list[Path]] = {}
    out: list[AuditSource] = []
    for lock in _globs(options, "lock-files", DEFAULT_LOCK_FILES, workspace):
        if lock.name in LOCK_NAMES:
            out.append(lockfile_source(lock, workspace))
        elif lock.name.startswith("pylock.") and lock.name.endswith(".toml"):
            by_dir.setdefault(lock.parent, []).append(lock)
        else:
            raise ConfigError(f"{relative(lock, workspace)!r} is not a lock file the gate reads "
                              f"(pylock*.toml, {', '.join(LOCK_NAMES)})", key="dependencies.lock-files")
    return [lock_source(directory, locks, workspace) for directory, locks in by_dir.items()] + out


def discover(options: Mapping[str, Any], workspace: Path) -> tuple[tuple[AuditSource, ...], tuple[str, ...]]:
    """The sources to audit in ``workspace`` according to ``options``, and notes on what was left out."""
    sources: list[AuditSource] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for path in _globs(options, "requirements", DEFAULT_REQUIREMENTS, workspace):
        sources += requirements_sources(path, workspace, seen)
    sources += _lock_sources(options, workspace)
    environments = _globs(options, "conda-environment", DEFAULT_ENVIRONMENTS, workspace)
    sources += [conda_source(p, workspace) for p in environments]
    pyproject = options.get("pyproject", "auto")
    candidate = workspace / "pyproject.toml"
    beside = [s for s in sources if s.kind in (SourceKind.LOCK, SourceKind.LOCKFILE) and s.path is not None
              and (s.path if s.path.is_dir() else s.path.parent).resolve() == workspace.resolve()]
    if pyproject is True and candidate.is_file() and beside:
        notes.append(f"pyproject.toml not resolved: the lock file beside it ({beside[0].label}) is audited instead")
    elif (pyproject is True or (pyproject == "auto" and not sources)) and candidate.is_file():
        found = pyproject_source(candidate, workspace)
        if found is not None:
            sources.append(found)
    elif pyproject is True:
        raise ConfigError("pyproject.toml is not in the workspace", key="dependencies.pyproject")
    environment = options.get("environment", False)
    if environment:
        python = sys.executable if environment is True else str(_path_option(options, "environment", workspace))
        sources.append(AuditSource(SourceKind.ENVIRONMENT, f"environment ({python})", python=python))
    return tuple(sources), tuple(notes)


def plan(options: Mapping[str, Any], workspace: Path) -> AuditPlan:
    """Validate the option combinations and build the plan (raise :class:`ConfigError` on conflicts)."""
    advisory_db = _path_option(options, "advisory-db", workspace)
    osv_url = options.get("osv-url")
    service = options.get("vulnerability-service", "osv")
    if advisory_db is not None and osv_url:
        raise ConfigError("give either advisory-db (a local mirror the gate starts) or osv-url, not both",
                          key="dependencies.osv-url")
    if (advisory_db is not None or osv_url) and service != "osv":
        raise ConfigError(
            "advisory-db and osv-url need vulnerability-service: osv", key="dependencies.vulnerability-service"
        )
    if service == "osv" and advisory_db is None and not osv_url:
        osv_url = DEFAULT_OSV_URL
    try:
        timeout = parse_duration(options.get("request-timeout", "15s"))
    except ValueError as exc:
        raise ConfigError(str(exc), key="dependencies.request-timeout") from None
    sources, notes = discover(options, workspace)
    return AuditPlan(
        sources=sources, notes=notes, service=service, osv_url=osv_url, advisory_db=advisory_db,
        index_url=options.get("index-url"), request_timeout=max(1, round(timeout)),
        retries=int(options.get("retries", 2)),
        default_severity=Severity.parse(options.get("default-severity", "high")),
        safety=bool(options.get("safety", False)), safety_db=_path_option(options, "safety-db", workspace),
        safety_key_env=options.get("safety-api-key-env", "SAFETY_API_KEY"))
