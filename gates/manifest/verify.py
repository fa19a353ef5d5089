"""``manifest verify``: compare a tree with a manifest, sizes first, digests in parallel."""

from __future__ import annotations

import os
import posixpath
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from gates.manifest.hashing import hash_files
from gates.manifest.model import Manifest, Mismatch, Problem, VerifyReport
from gates.manifest.walk import collect, excluded, printable


def infer_scope(manifest: Manifest) -> tuple[str, ...]:
    """Where unexpected files are looked for when the manifest does not record its paths.

    The deepest directory holding every entry; when that is the root itself, each top-level
    directory or file the entries live in (so the rest of a repository is never "unexpected").
    """
    if manifest.scope:
        return manifest.scope
    if not manifest.entries:
        return ()
    parents = [posixpath.dirname(e.path) for e in manifest.entries]
    common = posixpath.commonpath(parents) if all(parents) else ""
    if common:
        return (common,)
    return tuple(sorted({e.path.split("/", 1)[0] for e in manifest.entries}))


def _covered(path: str, scope: Sequence[str]) -> bool:
    return any(not s or path == s or path.startswith(s + "/") for s in scope)


def verify_tree(manifest: Manifest, root: Path, *, scope: Sequence[str] | None = None,
                exclude: Sequence[str] = (), workers: int | None = None,
                cancel: threading.Event | None = None,
                owns: Callable[[str], bool] | None = None) -> VerifyReport:
    """Every matched, modified, missing and unexpected file, and every problem met on the way.

    ``owns`` (a shard's share, by root-relative path): only those paths are judged, so the
    shards of a matrix together judge every path exactly once.
    """
    effective = tuple(scope) if scope else infer_scope(manifest)
    expected = manifest.by_path()
    outside = tuple(p for p in expected if not _covered(p, effective))
    tree = collect(effective + outside, root, exclude=exclude)
    problems: list[Problem] = list(tree.problems)
    troubled = {p.path for p in problems}
    actual = {f.rel: f for f in tree.files}
    missing: list[str] = []
    modified: list[Mismatch] = []
    to_hash = []
    for path, entry in expected.items():
        if excluded(path, exclude) or (owns is not None and not owns(path)):
            continue
        found = actual.get(path)
        if found is None:
            if printable(path) not in troubled:
                missing.append(path)
            continue
        if entry.size is not None:
            try:
                size = os.stat(found.path).st_size
            except OSError as exc:
                problems.append(Problem("unreadable", f"{path}: cannot be read ({exc.strerror})", path))
                continue
            if size != entry.size:
                modified.append(Mismatch(path, entry.digest, "", "size", entry.size, size))
                continue
        to_hash.append((entry, found))
    matched: list[str] = []
    results = hash_files([f.path for _, f in to_hash], manifest.algorithm, workers=workers, cancel=cancel)
    for (entry, _found), result in zip(to_hash, results):
        if isinstance(result, OSError):
            problems.append(
                Problem("unreadable", f"{entry.path}: cannot be read ({result.strerror or result})", entry.path)
            )
        elif result.digest != entry.digest:
            modified.append(Mismatch(entry.path, entry.digest, result.digest, "digest", entry.size, result.size))
        else:
            matched.append(entry.path)
    unexpected = sorted(p for p in actual if p not in expected and (owns is None or owns(p)))
    return VerifyReport(manifest.algorithm, tuple(sorted(matched)), tuple(sorted(modified, key=lambda m: m.path)),
                        tuple(sorted(missing)), tuple(unexpected), tuple(problems),
                        {"scope": list(effective)})
