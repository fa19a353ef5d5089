"""Audit sources for ``uv.lock``, ``poetry.lock``, ``Pipfile.lock`` and conda ``environment.yml``.

A lock file becomes exact ``name==version`` requirement lines that pip-audit audits without
resolving (``--no-deps --disable-pip``): the lock already holds the whole tree. The ``pip:``
section of an environment file becomes requirement lines pip resolves (it is no lock); its
conda-only packages are listed as not audited. Each package's annotation lands on its line in
the lock or environment file.
"""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from gates.errors import ConfigError
from gates.osv.conda import read_environment
from gates.osv.lockfiles import READERS
from gates.osv.sources import AuditSource, Location, SourceKind, relative

LOCK_NAMES = tuple(READERS)  # uv.lock, poetry.lock, Pipfile.lock
ENVIRONMENT_NAMES = ("environment.yml", "environment.yaml")
CONDA_REASON = "a conda package: pip-audit and the PyPI advisories cover PyPI packages only"


def lockfile_source(path: Path, workspace: Path) -> AuditSource:
    """The source for a ``uv.lock``, ``poetry.lock`` or ``Pipfile.lock`` (chosen by file name)."""
    label = relative(path, workspace)
    parsed = READERS[path.name](path, label)
    locations: dict[str, Location] = {}
    lines: list[str] = []
    skipped: list[tuple[str, str]] = []
    for package in parsed.packages:
        key = canonicalize_name(package.name)
        locations.setdefault(key, Location(label, package.line))
        if package.version is None:
            skipped.append((package.name, package.skip_reason or "no version"))
        else:
            lines.append(f"{key}=={package.version}")
    return AuditSource(SourceKind.LOCKFILE, label, path, pinned=True, locations=locations,
                       requirements=tuple(dict.fromkeys(lines)), not_audited=tuple(skipped), format=parsed.format)


def conda_source(path: Path, workspace: Path) -> AuditSource:
    """The source for the ``pip:`` section of a conda environment file."""
    label = relative(path, workspace)
    env = read_environment(path, label)
    locations: dict[str, Location] = {}
    for text, line in env.pip:
        if text.startswith("-"):
            raise ConfigError(f"pip option {text!r} in the pip section is not supported; list requirements only",
                              source=label, line=line)
        try:
            name = Requirement(text).name
        except InvalidRequirement as exc:
            raise ConfigError(f"invalid pip requirement {text!r}: {exc}", source=label, line=line) from None
        locations.setdefault(canonicalize_name(name), Location(label, line))
    return AuditSource(SourceKind.CONDA, label, path, pinned=False, locations=locations,
                       requirements=tuple(t for t, _ in env.pip),
                       not_audited=tuple((c, CONDA_REASON) for c in env.conda_only),
                       format="environment.yml pip section")
