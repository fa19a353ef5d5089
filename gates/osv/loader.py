"""Load a directory of OSV advisories (PyPA advisory database layout) into an index.

Accepted layouts: ``DIR/vulns/<package>/<ID>.yaml`` (a checkout of pypa/advisory-database)
or any tree of ``*.yaml`` / ``*.yml`` / ``*.json`` advisories under ``DIR``; hidden
directories are skipped. Every file must be a valid advisory (a mapping with ``id`` and
``affected``): a corrupt file is an error naming it, never silently dropped (a dropped
advisory would hide a vulnerability).

YAML is read with libyaml when available and without implicit number/date typing, so an
unquoted version such as ``1.10`` stays the string ``"1.10"`` and dates stay RFC 3339 text.
The long ``versions:`` lists (half of all scalars in the PyPA database) are read by a plain
line scan and put back in place of a placeholder; whenever a list holds anything but simple
version strings, or the placeholder does not come back where expected, the file is parsed by
YAML alone. Both paths give identical documents (checked over the whole PyPA snapshot).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gates.errors import GateError
from gates.osv.index import Advisory, AdvisoryIndex
from gates.osv.snapshot import SnapshotInfo, identify

_SUFFIXES = (".yaml", ".yml", ".json")
_KEEP_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StringLoader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML loader that resolves only booleans and nulls implicitly (no ints, floats, dates)."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in _KEEP_TAGS]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


_VERSIONS_BLOCK = re.compile(rb"^( *)versions:\n((?:\1- [^\n]*\n)+)", re.M)
_SIMPLE_BLOCK = re.compile(rb"(?: *- (?:[A-Za-z0-9._+!-]+|'[^'\n]*'|\"[^\"\\\n]*\") *\n)+")
_NOT_STRINGS = re.compile(rb"^ *- (?i:null|~|true|false|yes|no|on|off|y|n) *$", re.M)
_PLACEHOLDER = "__osv_versions_"


class _NotSimple(Exception):
    """A versions list the line scan must not handle: parse the whole file with YAML."""


def _yaml_with_fast_versions(data: bytes) -> Any:
    """Parse advisory YAML, reading ``versions:`` lists by line scan (see the module docstring)."""
    blocks: list[list[str]] = []

    def cut(match: re.Match[bytes]) -> bytes:
        indent, block = match.group(1), match.group(2)
        if not _SIMPLE_BLOCK.fullmatch(block) or _NOT_STRINGS.search(block):
            raise _NotSimple
        values = [line.split(b"- ", 1)[1].strip() for line in block.splitlines()]
        blocks.append([(v[1:-1] if v[:1] in (b"'", b'"') else v).decode("utf-8") for v in values])
        return indent + b"versions:\n" + indent + f"- {_PLACEHOLDER}{len(blocks) - 1}__\n".encode()

    doc = _safe_load(_VERSIONS_BLOCK.sub(cut, data))
    restored = 0
    for affected in (
        (doc.get("affected") or []) if isinstance(doc, dict) and isinstance(doc.get("affected"), list) else []
    ):
        versions = affected.get("versions") if isinstance(affected, dict) else None
        if isinstance(versions, list) and len(versions) == 1 and str(versions[0]).startswith(_PLACEHOLDER):
            affected["versions"] = blocks[int(str(versions[0])[len(_PLACEHOLDER):-2])]
            restored += 1
    if restored != len(blocks):
        raise _NotSimple
    return doc


def _parse_yaml(data: bytes) -> Any:
    try:
        return _yaml_with_fast_versions(data)
    except (_NotSimple, yaml.YAMLError, UnicodeDecodeError, ValueError):
        return _safe_load(data)


def _safe_load(data: bytes) -> Any:
    """Parse with :class:`_StringLoader` (a SafeLoader subclass) without the generic ``yaml.load``."""
    loader = _StringLoader(data)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class AdvisoryDbError(GateError):
    """The advisory database is missing, empty or holds a file that is not an advisory."""


@dataclass(frozen=True)
class LoadedDatabase:
    """An index plus what identifies the snapshot and how long loading took."""

    index: AdvisoryIndex
    snapshot: SnapshotInfo
    load_seconds: float


def advisory_files(db_dir: Path) -> list[Path]:
    """The advisory files under ``db_dir`` (its ``vulns/`` folder when there is one), sorted."""
    root = db_dir / "vulns" if (db_dir / "vulns").is_dir() else db_dir
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files += [Path(folder, n) for n in names if n.endswith(_SUFFIXES) and not n.startswith(".")]
    return sorted(files)


def read_advisory(path: Path) -> dict[str, Any]:
    """Parse one advisory file; raise :class:`AdvisoryDbError` naming the file when it is not one."""
    try:
        data = path.read_bytes()
        doc = json.loads(data) if path.suffix == ".json" else _parse_yaml(data)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise AdvisoryDbError(f"advisory file {path} cannot be read: {exc}") from None
    if not isinstance(doc, dict) or not doc.get("id") or not isinstance(doc.get("affected", []), list):
        raise AdvisoryDbError(f"{path} is not an OSV advisory (needs a mapping with 'id' and an 'affected' list); "
                              "remove it or fix the database snapshot")
    return doc


def load_database(db_dir: str | Path) -> LoadedDatabase:
    """Load every advisory under ``db_dir``; raise :class:`AdvisoryDbError` when there is none."""
    root = Path(db_dir)
    if not root.is_dir():
        raise AdvisoryDbError(f"advisory database {root} not found (expected a directory of OSV advisories, "
                              "e.g. a checkout of github.com/pypa/advisory-database)")
    started = time.perf_counter()
    index = AdvisoryIndex()
    for path in advisory_files(root):
        index.add(Advisory.from_raw(read_advisory(path), str(path)))
    if len(index) == 0:
        raise AdvisoryDbError(f"advisory database {root} holds no advisories (*.yaml, *.yml or *.json files)")
    elapsed = time.perf_counter() - started
    return LoadedDatabase(index, identify(root, index), elapsed)
