"""``manifest create``: hash every file under some paths and write the manifest atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gates.manifest.errors import ManifestError, UnreadableError
from gates.manifest.formats import ManifestFormat, render
from gates.manifest.hashing import hash_files
from gates.manifest.model import Algorithm, Entry, Manifest
from gates.manifest.walk import collect, is_within, relative_scope


def build_manifest(paths: Sequence[Path], root: Path, algorithm: Algorithm = Algorithm.SHA256, *,
                   exclude: Sequence[str] = (), workers: int | None = None) -> Manifest:
    """Hash every file under ``paths`` (inside ``root``); any listing problem is an error.

    Raises :class:`ManifestError` for a missing path, a path outside the root, a symlink
    leaving the root or a name that cannot be recorded, and :class:`UnreadableError` for a
    file or directory that cannot be read.
    """
    for path in paths:
        if not os.path.lexists(path):
            raise ManifestError(f"{path} does not exist: pass existing files or directories to hash")
    scope = relative_scope(paths, root)
    tree = collect(scope, root, exclude=exclude)
    for problem in tree.problems:
        if problem.kind == "unreadable":
            raise UnreadableError(problem.message, path=problem.path or "")
    if tree.problems:
        listing = "\n  ".join(p.message for p in tree.problems)
        raise ManifestError(f"cannot build a manifest of {', '.join(scope) or '.'}:\n  {listing}")
    results = hash_files([f.path for f in tree.files], algorithm, workers=workers)
    entries = []
    for tree_file, result in zip(tree.files, results):
        if isinstance(result, OSError):
            raise UnreadableError(f"{tree_file.rel}: cannot be read ({result.strerror or result})", path=tree_file.rel)
        entries.append(Entry(tree_file.rel, result.digest, result.size))
    return Manifest(algorithm, tuple(entries), scope)


def check_output(output: Path, root: Path, scope: Sequence[str]) -> None:
    """Refuse an output file that would lie inside the hashed paths (it would hash itself)."""
    out_abs = os.path.realpath(output)
    for rel in scope:
        hashed = os.path.realpath(os.path.join(root, rel) if rel else root)
        if is_within(out_abs, hashed):
            raise ManifestError(f"--output {output} lies inside the hashed path {rel or '.'}: "
                                "write the manifest outside the paths it covers")


def write_manifest(manifest: Manifest, output: Path, fmt: ManifestFormat, root: Path) -> None:
    """Write ``manifest`` to ``output`` atomically (a temp file in the same directory, renamed)."""
    if fmt is ManifestFormat.SHA256SUM and manifest.algorithm is not Algorithm.SHA256:
        raise ManifestError(f"the sha256sum format records only SHA-256; use --format json with "
                            f"--algorithm {manifest.algorithm.value}")
    check_output(output, root, manifest.scope)
    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        raise ManifestError(f"cannot write {output}: directory {directory} does not exist")
    data = render(manifest, fmt)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ManifestError(f"cannot write {output}: {exc.strerror or exc}") from None
