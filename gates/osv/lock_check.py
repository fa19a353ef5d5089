"""A lock file that no longer matches its manifest, a lock file or a pip entry a pull request takes out of the audit.

A lock next to a manifest wins: the lock's packages are audited and the manifest is not
resolved. That is only sound while the lock says what the manifest asks for. Three findings
keep it so (all high, so they block at any ``fail-on``):

* ``lock-out-of-date``: a requirement of the manifest beside a lock (``[project]
  dependencies`` of ``pyproject.toml`` for ``uv.lock``, ``poetry.lock`` and ``pylock.toml``,
  and Poetry's own ``[tool.poetry.*dependencies]`` tables read by
  :mod:`gates.osv.poetry_constraints`; ``[packages]`` / ``[dev-packages]`` of a ``Pipfile``
  for ``Pipfile.lock``) that the lock does not satisfy: the package is missing (and nothing
  such as an environment marker or ``optional`` could leave it out), or its locked version is
  outside the requirement's specifier. Editing ``uv.lock`` so
  that ``jinja2 2.10`` disappears while ``pyproject.toml`` still asks for ``jinja2==2.10``
  is caught here; the lock's tool would re-lock (or refuse to install) such a tree.
* ``lock-file-removed`` (pull requests): a lock the base commit has and the base policy
  audits is gone from the change while its manifest still declares dependencies and no other
  lock stands beside it. Without it the manifest is no longer audited (with ``pyproject:
  auto`` it is resolved only when nothing else is found), so the change must bring a lock.
* ``moved-out-of-audit`` (pull requests): a package the base commit's conda environment file
  lists in its audited ``pip:`` section that the change moves to the conda packages, which are
  not audited (``jinja2==2.10`` under ``pip:`` becoming ``- jinja2=2.10``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import tomllib
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gates.base_inputs import BaseInputs
from gates.errors import ConfigError
from gates.fingerprint import fingerprints
from gates.model import Finding, Severity
from gates.osv.conda import conda_name, parse_environment
from gates.osv.poetry_constraints import poetry_requirements
from gates.osv.sources import AuditSource, SourceKind, relative

STALE = "lock-out-of-date"
MOVED = "moved-out-of-audit"
REMOVED = "lock-file-removed"
MANIFEST_OF = {"uv.lock": "pyproject.toml", "poetry.lock": "pyproject.toml", "pylock.toml": "pyproject.toml",
               "Pipfile.lock": "Pipfile"}
TOOL = "pip-audit"


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # an unreadable manifest is reported by what reads it to audit it, not here


def _line(text: str, needle: str) -> int | None:
    return next((n for n, line in enumerate(text.splitlines(), start=1) if needle in line), None)


def manifest_requirements(path: Path) -> list[tuple[Requirement, int | None, bool]]:
    """``(requirement, line, may be absent)`` for what ``path`` (a ``pyproject.toml`` or ``Pipfile``) declares."""
    if not path.is_file():
        return []
    data, text = _toml(path), path.read_text(encoding="utf-8", errors="replace")
    out: list[tuple[Requirement, int | None, bool]] = []
    if path.name == "Pipfile":
        for section in ("packages", "dev-packages"):
            for name, spec in (data.get(section) or {}).items():
                spec = spec.get("version", "*") if isinstance(spec, dict) else spec
                if isinstance(spec, str):
                    text_req = name if spec.strip() in ("", "*") else f"{name}{spec}"
                    out += [(req, _key_line(text, name), req.marker is not None) for req in _parse([text_req])]
        return out
    deps = (data.get("project") or {}).get("dependencies") or []
    out = [(req, _line(text, str(raw)), req.marker is not None) for raw, req in zip(deps, _parse(deps))]
    declared = {canonicalize_name(req.name) for req, _, _ in out}
    out += [(req, _key_line(text, req.name), limited or req.marker is not None)
            for req, limited in poetry_requirements(data) if canonicalize_name(req.name) not in declared]
    return out


def _key_line(text: str, name: str) -> int | None:
    """The first line of a TOML file whose key is ``name`` (``name = ...`` or ``"name" = ...``)."""
    key = re.compile(rf'^\s*["\']?{re.escape(name)}["\']?\s*=', re.IGNORECASE)
    return next((n for n, line in enumerate(text.splitlines(), start=1) if key.match(line)), None)


def _parse(items: Iterable[object]) -> list[Requirement]:
    out = []
    for item in items:
        try:
            out.append(Requirement(str(item)))
        except InvalidRequirement:
            continue  # an invalid requirement is the manifest reader's error to report
    return out


def locked_versions(source: AuditSource, workspace: Path) -> dict[str, str]:
    """Normalised name -> version of what a lock source pins."""
    if source.kind is SourceKind.LOCKFILE:
        return {canonicalize_name(n): v for n, _, v in (r.partition("==") for r in source.requirements)}
    out: dict[str, str] = {}
    for label in sorted({loc.path for loc in source.locations.values()}):
        for package in _toml(workspace / label).get("packages") or []:
            if isinstance(package, dict) and isinstance(package.get("name"), str):
                out[canonicalize_name(package["name"])] = str(package.get("version", ""))
    return out


def _satisfied(req: Requirement, version: str) -> bool:
    try:
        return req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def stale_findings(sources: Sequence[AuditSource], workspace: Path) -> list[Finding]:
    """A ``lock-out-of-date`` finding for each manifest requirement its lock does not satisfy."""
    items: list[tuple[AuditSource, Requirement, int | None, str | None, str]] = []
    for source in sources:
        if source.kind not in (SourceKind.LOCKFILE, SourceKind.LOCK) or source.path is None:
            continue
        directory = source.path if source.path.is_dir() else source.path.parent
        manifest_path = directory / MANIFEST_OF.get(source.path.name, "pyproject.toml")
        pinned = locked_versions(source, workspace)
        for req, line, optional in manifest_requirements(manifest_path):
            version = pinned.get(canonicalize_name(req.name))
            if (version is None and not optional) or (version is not None and not _satisfied(req, version)):
                items.append((source, req, line, version, relative(manifest_path, workspace)))
    prints = fingerprints((STALE, s.label, f"{r.name} {v}") for s, r, _, v, _ in items)
    out = []
    for (source, req, line, version, manifest), fp in zip(items, prints):
        locked = f"pins {req.name} {version}" if version else f"has no {req.name}"
        out.append(Finding(
            STALE, Severity.HIGH, f"{source.label} {locked}, but {manifest} asks for {req}: the lock is out of "
            "date, so what was audited is not what the manifest installs; regenerate the lock with its tool",
            fp, path=manifest, line=line, tool=TOOL, title="lock file out of date", package=req.name))
    return out


def removed_findings(base: BaseInputs, options: Mapping[str, Any], default_locks: Sequence[str],
                     workspace: Path) -> list[Finding]:
    """A ``lock-file-removed`` finding for each audited top-level lock the change deletes, manifest kept."""
    patterns = options.get("lock-files", list(default_locks))
    items = []
    for name, manifest in MANIFEST_OF.items():
        audited = any(fnmatch.fnmatchcase(name, p) for p in patterns)
        if not audited or (workspace / name).exists() or not base.exists(name):
            continue
        beside = [lock for lock, m in MANIFEST_OF.items() if m == manifest and (workspace / lock).is_file()]
        if beside or not _declares(workspace / manifest):
            continue
        items.append((name, manifest))
    prints = fingerprints((REMOVED, name, "") for name, _ in items)
    return [Finding(REMOVED, Severity.HIGH, f"this change deletes {name}, which the base commit's policy audits, "
                    f"while {manifest} still declares dependencies: they are no longer audited as locked. Commit "
                    "the regenerated lock (or change the policy on the base branch)", fp, path=manifest, tool=TOOL,
                    title="lock file removed") for (name, manifest), fp in zip(items, prints)]


def _declares(manifest: Path) -> bool:
    if manifest_requirements(manifest):
        return True
    poetry = ((_toml(manifest).get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
    return manifest.is_file() and any(name != "python" for name in poetry)


def moved_to_conda_findings(base: BaseInputs, sources: Iterable[AuditSource], workspace: Path) -> list[Finding]:
    """A ``moved-out-of-audit`` finding for each package the base's ``pip:`` section had and the change made a
    conda package (not audited) in the same environment file."""
    items = []
    for source in sources:
        if source.kind is not SourceKind.CONDA or source.path is None:
            continue
        rel = relative(source.path, workspace)
        data = base.read(rel)
        try:
            before = parse_environment(data.decode("utf-8"), rel) if data is not None else None
        except (ConfigError, UnicodeDecodeError):
            before = None  # the base's file is no environment: nothing was audited from it
        if before is None:
            continue
        audited = {canonicalize_name(Requirement(text).name) for text, _ in before.pip if _requirement_ok(text)}
        items += [(rel, name) for name, _ in source.not_audited if canonicalize_name(conda_name(name)) in audited]
    prints = fingerprints((MOVED, rel, canonicalize_name(conda_name(name))) for rel, name in items)
    return [Finding(MOVED, Severity.HIGH, f"{name} is in the audited pip section of {rel} on the base commit; this "
                    "change makes it a conda package, which is not audited (the PyPI advisories do not cover "
                    "conda packages). Keep it under pip: or change the policy on the base branch", fp, path=rel,
                    tool=TOOL, title="package moved out of the audit", package=conda_name(name))
            for (rel, name), fp in zip(items, prints)]


def _requirement_ok(text: str) -> bool:
    try:
        Requirement(text)
    except InvalidRequirement:
        return False
    return True
