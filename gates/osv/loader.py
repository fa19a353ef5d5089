"""Load a directory of OSV advisories (PyPA advisory database layout) into an index.

Accepted layouts: ``DIR/vulns/<package>/<ID>.yaml`` (a checkout of pypa/advisory-database)
or any tree of ``*.yaml`` / ``*.yml`` / ``*.json`` advisories under ``DIR``; hidden
directories are skipped. Every file must be a valid advisory (a mapping with ``id`` and
``affected``): a corrupt file is an error naming it, never silently dropped (a dropped
advisory would hide a vulnerability).

YAML is read with libyaml when available and without implicit number/date typing, so an
unquoted version such as ``1.10`` stays the string ``"1.10"`` and dates stay RFC 3339 text.
"""

from __future__ import annotations

import json
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


class _StringLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader that resolves only booleans and nulls implicitly (no ints, floats, dates)."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in _KEEP_TAGS]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


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
    files = [p for p in root.rglob("*") if p.suffix in _SUFFIXES and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return sorted(files)


def read_advisory(path: Path) -> dict[str, Any]:
    """Parse one advisory file; raise :class:`AdvisoryDbError` naming the file when it is not one."""
    try:
        data = path.read_bytes()
        doc = json.loads(data) if path.suffix == ".json" else yaml.load(data, Loader=_StringLoader)  # noqa: S506
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
