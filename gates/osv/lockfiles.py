"""Read the lock files ML projects commit: ``uv.lock``, ``poetry.lock``, ``Pipfile.lock``.

Each is a complete lock (every package of the resolved tree with its exact version), so its
packages are audited as they are, without resolving anything. Supported format versions:
``uv.lock`` ``version = 1`` (uv 0.3 and later), ``poetry.lock`` ``lock-version`` 1.1, 2.0 and
2.1, ``Pipfile.lock`` ``pipfile-spec`` 6. A file that cannot be parsed, a format version we do
not know, or a package entry without a name or version is a :class:`~gates.errors.ConfigError`
naming the file and line (exit 2): we never guess at a lock we cannot read.

The project itself and packages from a local directory or file (uv ``editable`` / ``virtual``
/ ``directory`` / ``path`` sources, poetry ``directory`` / ``file`` sources, Pipfile entries
without a version) have no released version an advisory could name: they are listed as
not audited, with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from gates.errors import ConfigError

UV_VERSIONS = (1,)
POETRY_VERSIONS = ("1.1", "2.0", "2.1")
PIPFILE_SPECS = (6,)
_LOCAL_UV = ("editable", "virtual", "directory", "path")
_LOCAL_POETRY = ("directory", "file")


@dataclass(frozen=True)
class LockedPackage:
    """One package of a lock: exact version (None when not audited) and the line declaring it."""

    name: str
    version: str | None
    line: int | None
    skip_reason: str | None = None


@dataclass(frozen=True)
class ParsedLock:
    """What a lock file pins, in file order."""

    format: str
    packages: tuple[LockedPackage, ...]
    notes: tuple[str, ...] = ()


def _lines_of(text: str, pattern: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if re.match(pattern, line)]


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _toml(path: Path, label: str) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"is not UTF-8 text ({exc.reason})", source=label) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror}", source=label) from None
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"is not valid TOML: {exc}", source=label, line=int(line.group(1)) if line else None,
                          hint="regenerate the lock file with its tool") from None


def _table_packages(text: str, data: Mapping[str, Any], label: str,
                    local: Callable[[Mapping[str, Any]], str | None]) -> tuple[LockedPackage, ...]:
    """The ``[[package]]`` tables of a TOML lock; each starts at the matching header line."""
    tables = data.get("package", [])
    headers = _lines_of(text, r"\s*\[\[package\]\]\s*$")
    names = _lines_of(text, r"name\s*=")  # top-level keys only (dependency lists are indented)
    starts = [next((n for n in names if n > h), h) for h in headers]  # each table's ``name =`` line
    if not isinstance(tables, list):
        raise ConfigError("'package' is not an array of tables", source=label, line=starts[0] if starts else None)
    out = []
    for number, table in enumerate(tables):
        line = starts[number] if number < len(starts) else None
        name, version = table.get("name"), table.get("version")
        reason = local(table)
        if not isinstance(name, str) or not name:
            raise ConfigError(f"package entry {number + 1} has no name", source=label, line=line)
        if reason is None and not isinstance(version, str):
            raise ConfigError(f"package {name!r} has no version", source=label, line=line,
                              hint="regenerate the lock file with its tool")
        out.append(LockedPackage(name, None if reason else version, line, reason))
    return tuple(out)


def read_uv_lock(path: Path, label: str) -> ParsedLock:
    """Packages of a ``uv.lock``."""
    text, data = _toml(path, label)
    version = data.get("version")
    if version not in UV_VERSIONS:
        raise ConfigError(f"unknown uv.lock version {version!r} (supported: {', '.join(map(str, UV_VERSIONS))})",
                          source=label, line=_line_of(text, "version"), key="version",
                          hint="upgrade secure-ai-gates or regenerate the lock with a supported uv")

    def local(table: Mapping[str, Any]) -> str | None:
        source = table.get("source") or {}
        kind = next((k for k in _LOCAL_UV if k in source), None)
        return f"a local package ({kind} = {source[kind]!r}), not a released version" if kind else None

    return ParsedLock("uv.lock", _table_packages(text, data, label, local))


def read_poetry_lock(path: Path, label: str) -> ParsedLock:
    """Packages of a ``poetry.lock``."""
    text, data = _toml(path, label)
    version = str((data.get("metadata") or {}).get("lock-version", ""))
    if version not in POETRY_VERSIONS:
        raise ConfigError(f"unknown poetry.lock lock-version {version!r} (supported: {', '.join(POETRY_VERSIONS)})",
                          source=label, line=_line_of(text, "lock-version"), key="metadata.lock-version",
                          hint="upgrade secure-ai-gates or regenerate the lock with a supported poetry")

    def local(table: Mapping[str, Any]) -> str | None:
        kind = (table.get("source") or {}).get("type")
        return f"a local package (source type {kind!r}), not a released version" if kind in _LOCAL_POETRY else None

    return ParsedLock("poetry.lock", _table_packages(text, data, label, local))


def read_pipfile_lock(path: Path, label: str) -> ParsedLock:
    """Packages of a ``Pipfile.lock`` (its ``default`` and ``develop`` sections)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be read: {exc}", source=label) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"is not valid JSON: {exc.msg}", source=label, line=exc.lineno,
                          hint="regenerate it with pipenv lock") from None
    spec = (data.get("_meta") or {}).get("pipfile-spec") if isinstance(data, dict) else None
    if spec not in PIPFILE_SPECS:
        supported = ", ".join(map(str, PIPFILE_SPECS))
        raise ConfigError(f"unknown Pipfile.lock pipfile-spec {spec!r} (supported: {supported})",
                          source=label, line=_line_of(text, '"pipfile-spec"'), key="_meta.pipfile-spec")
    out = []
    for section in ("default", "develop"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise ConfigError(f"'{section}' is not an object", source=label, line=_line_of(text, f'"{section}"'))
        for name, entry in entries.items():
            line = _line_of(text, f'"{name}": {{')
            pinned = entry.get("version") if isinstance(entry, dict) else None
            if isinstance(pinned, str) and pinned.startswith("=="):
                out.append(LockedPackage(name, pinned[2:], line))
            elif isinstance(entry, dict) and any(k in entry for k in ("path", "file", "git", "editable")):
                out.append(LockedPackage(name, None, line, "a local, VCS or file package, not a released version"))
            else:
                raise ConfigError(f"package {name!r} in '{section}' has no '==' version", source=label, line=line,
                                  hint="regenerate it with pipenv lock")
    return ParsedLock("Pipfile.lock", tuple(out))


READERS: Mapping[str, Callable[[Path, str], ParsedLock]] = {
    "uv.lock": read_uv_lock,
    "poetry.lock": read_poetry_lock,
    "Pipfile.lock": read_pipfile_lock,
}
