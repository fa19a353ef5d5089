"""What the dependencies gate audits, and where each dependency is declared.

A source is a requirements file, a ``pyproject.toml``, the ``pylock*.toml`` lock files of a
directory, a ``uv.lock`` / ``poetry.lock`` / ``Pipfile.lock`` (read here, see
:mod:`gates.osv.lock_sources`), the ``pip:`` section of a conda ``environment.yml``, or an
installed environment. For each file source we also find the line that declares each package,
so a finding's annotation lands on that line.

Requirements files are read with ``pip_requirements_parser`` (the parser pip-audit itself
uses). ``-r other.txt`` includes become sources of their own (pip-audit does not follow them
when it audits without pip). A requirements file is a *complete lock* only when every
requirement is ``==X`` (or a URL) *and* carries ``--hash`` (pip's hash-checking mode refuses an
incomplete tree, so such a file lists every transitive dependency): only then is it audited
as it is. Any other file is resolved by pip (inside pip-audit) with its dependencies, which
needs a package index; ``requests==2.19.0`` alone brings urllib3, idna, chardet and certifi.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from gates.errors import ConfigError, EngineMissing, GateError
from gates.files import FileTooLargeError, UnsafeFileError, read_text_capped

READ_CAP = 64 * 1024 * 1024  # a dependency file larger than this is not a dependency file
_EXACT = re.compile(r"^===?\s*[^*\s,]+$")
_NAME_LINE = re.compile(r'^\s*name\s*=\s*["\']([^"\']+)["\']')


class SourceKind(str, enum.Enum):
    """The kinds of dependency sources pip-audit can audit."""

    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    LOCK = "lock"  # pylock.toml: pip-audit --locked
    LOCKFILE = "lockfile"  # uv.lock, poetry.lock, Pipfile.lock: read here, audited as exact pins
    CONDA = "conda"  # the pip section of environment.yml: resolved like a requirements file
    ENVIRONMENT = "environment"


@dataclass(frozen=True)
class Location:
    """Where a package is declared: a workspace-relative file and a 1-based line."""

    path: str
    line: int | None = None


@dataclass(frozen=True)
class AuditSource:
    """One thing to audit; ``locations`` maps normalised package names to their declaration."""

    kind: SourceKind
    label: str  # workspace-relative path, or "environment (python)"
    path: Path | None = None  # the file (requirements, pyproject) or directory (lock files)
    pinned: bool = False
    python: str | None = None  # ENVIRONMENT: the interpreter whose packages are audited
    locations: Mapping[str, Location] = field(default_factory=dict)
    requirements: tuple[str, ...] = ()  # LOCKFILE, CONDA: the requirement lines pip-audit reads
    not_audited: tuple[tuple[str, str], ...] = ()  # (package, reason): local or conda-only packages
    format: str = ""  # what the file is, for the summary (e.g. "uv.lock")

    @property
    def how(self) -> str:
        """How this source is audited, for the summary: exact pins, or resolved by pip."""
        if self.kind is SourceKind.ENVIRONMENT:
            return "installed distributions"
        if self.pinned:
            return f"{self.format or self.kind.value}: complete lock, audited as pinned"
        return f"{self.format or self.kind.value}: resolved with pip, transitive dependencies included"

    def location(self, package: str) -> Location | None:
        """Where ``package`` is declared in this source (the file itself when no line is known)."""
        if self.kind is SourceKind.ENVIRONMENT:
            return None
        return self.locations.get(canonicalize_name(package)) or Location(self.label)


def _parser() -> Any:
    try:
        from pip_requirements_parser import RequirementsFile
    except ImportError:
        raise EngineMissing("pip-audit", "deps") from None  # pip_requirements_parser comes with pip-audit
    return RequirementsFile


def _read_checked(path: Path, workspace: Path, label: str) -> str:
    """The text of a dependency file of the tree: a regular file inside it, at most :data:`READ_CAP` bytes."""
    try:
        return read_text_capped(path, cap=READ_CAP, root=workspace)
    except (UnsafeFileError, FileTooLargeError) as exc:
        raise GateError(f"{label} is {exc.strerror}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read it: {exc}", source=label) from None


def requirements_sources(path: Path, workspace: Path, seen: set[Path] | None = None) -> list[AuditSource]:
    """The source for requirements file ``path`` followed by those of the files it includes."""
    seen = set() if seen is None else seen
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    label = relative(path, workspace)
    _read_checked(path, workspace, label)  # the parser and pip-audit open it again: refuse FIFOs and links out first
    parsed = _parser().from_file(str(path))
    if parsed.invalid_lines:
        bad = parsed.invalid_lines[0]
        raise ConfigError(
            f"invalid requirement: {bad.error_message}",
            source=label,
            line=bad.requirement_line.line_number,
            hint="fix the line so pip can read it",
        )
    locations: dict[str, Location] = {}
    pinned = bool(parsed.requirements)
    for req in parsed.requirements:
        if req.name:
            locations.setdefault(canonicalize_name(req.name), Location(label, req.requirement_line.line_number))
        exact = (req.specifier is not None and bool(_EXACT.match(str(req.specifier)))) or bool(req.is_url)
        pinned = pinned and exact and bool(req.hash_options)  # what pip's hash-checking mode accepts
    out = [AuditSource(SourceKind.REQUIREMENTS, label, path, pinned, locations=locations,
                       format="requirements with hashes" if pinned else "requirements")]
    for option in parsed.options:
        for include in option.options.get("requirements", ()):
            included = (path.parent / include)
            if not included.is_file():
                raise ConfigError(f"includes {include!r}, which does not exist", source=label,
                                  line=option.requirement_line.line_number)
            out += requirements_sources(included, workspace, seen)
    return out


def pyproject_source(path: Path, workspace: Path) -> AuditSource | None:
    """The source for a ``pyproject.toml`` declaring ``[project] dependencies`` (None when it declares none)."""
    label = relative(path, workspace)
    try:
        text = _read_checked(path, workspace, label)
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read it: {exc}", source=label) from None
    deps = (data.get("project") or {}).get("dependencies")
    if not deps:
        return None
    names = set()
    for dep in deps:
        try:
            names.add(canonicalize_name(Requirement(dep).name))
        except InvalidRequirement as exc:
            raise ConfigError(f"invalid dependency {dep!r}: {exc}", source=label, key="project.dependencies") from None
    locations: dict[str, Location] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for quoted in re.findall(r'["\']([^"\']+)["\']', line):
            try:
                name = canonicalize_name(Requirement(quoted).name)
            except InvalidRequirement:
                continue
            if name in names:
                locations.setdefault(name, Location(label, number))
    return AuditSource(SourceKind.PYPROJECT, label, path, locations=locations, format="pyproject.toml")


def lock_source(directory: Path, lock_files: list[Path], workspace: Path) -> AuditSource:
    """The source for the ``pylock*.toml`` files of ``directory`` (pip-audit audits them together)."""
    locations: dict[str, Location] = {}
    for lock in lock_files:
        label = relative(lock, workspace)
        for number, line in enumerate(_read_checked(lock, workspace, label).splitlines(), start=1):
            match = _NAME_LINE.match(line)
            if match:
                locations.setdefault(canonicalize_name(match.group(1)), Location(label, number))
    label = relative(lock_files[0], workspace) if len(lock_files) == 1 else relative(directory, workspace)
    return AuditSource(SourceKind.LOCK, label, directory, pinned=True, locations=locations, format="pylock.toml")


def relative(path: Path, workspace: Path) -> str:
    try:
        return path.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
