"""The ``manifest`` subcommand: ``create`` and ``verify`` hash manifests.

    secure-ai-gates manifest create PATH... --output MANIFEST [--root DIR]
                                    [--format sha256sum|json] [--algorithm sha256|blake3]
    secure-ai-gates manifest verify MANIFEST [--root DIR] [--paths PATH...]

Exit status of ``verify``: 0 everything matches, 1 a file is modified, missing or
unexpected (or a symlink leaves the root), 2 the manifest is malformed or a flag is wrong,
3 a file could not be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gates.errors import UsageError
from gates.manifest import (
    Algorithm,
    ManifestError,
    ManifestFormat,
    UnreadableError,
    build_manifest,
    dumps_problems,
    parse,
    verify_tree,
    write_manifest,
)
from gates.manifest.walk import relative_scope


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``manifest`` parser with its ``create`` and ``verify`` actions."""
    parser = sub.add_parser("manifest", help="create or verify a SHA-256 / BLAKE3 hash manifest",
                            description="Create or verify a hash manifest of data or model files.")
    actions = parser.add_subparsers(dest="manifest_action", metavar="ACTION")
    actions.required = True
    create = actions.add_parser("create", help="hash every file under PATH... into a manifest")
    create.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="files or directories to hash")
    create.add_argument("--output", "-o", required=True, type=Path, metavar="MANIFEST",
                        help="manifest file to write (replaced atomically; must lie outside PATH...)")
    create.add_argument("--root", type=Path, default=None, metavar="DIR",
                        help="directory the recorded paths are relative to (default: current directory)")
    create.add_argument("--format", choices=[f.value for f in ManifestFormat], default=None,
                        help="sha256sum text (default; readable by `sha256sum -c`) or json (with sizes); "
                             "default json when MANIFEST ends in .json")
    create.add_argument("--algorithm", choices=[Algorithm.SHA256.value, Algorithm.BLAKE3.value],
                        default=Algorithm.SHA256.value, help="digest algorithm (blake3 needs --format json)")
    create.add_argument("--workers", type=int, default=None, help="hashing threads (default: cores + 2)")
    create.set_defaults(func=run)
    verify = actions.add_parser("verify", help="check files against a manifest")
    verify.add_argument("manifest", type=Path, metavar="MANIFEST", help="manifest to check against")
    verify.add_argument("--root", type=Path, default=None, metavar="DIR",
                        help="directory the manifest paths are relative to (default: current directory)")
    verify.add_argument("--paths", nargs="+", type=Path, default=None, metavar="PATH",
                        help="where to look for unexpected files (default: the paths the manifest records, "
                             "else the deepest directory holding every entry)")
    verify.add_argument("--workers", type=int, default=None, help="hashing threads (default: cores + 2)")
    verify.set_defaults(func=run)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to create or verify; typed errors carry exit codes 2 and 3."""
    if args.manifest_action == "create":
        return _create(args)
    if args.manifest_action == "verify":
        return _verify(args)
    raise UsageError("manifest: choose an action, create or verify")


def _root(args: argparse.Namespace) -> Path:
    root = args.root if args.root is not None else Path.cwd()
    if not root.is_dir():
        raise UsageError(f"--root {root} is not a directory")
    return root


def _create(args: argparse.Namespace) -> int:
    root = _root(args)
    fmt = ManifestFormat(args.format) if args.format else (
        ManifestFormat.JSON if args.output.suffix.lower() == ".json" else ManifestFormat.SHA256SUM)
    algorithm = Algorithm(args.algorithm)
    if fmt is ManifestFormat.SHA256SUM and algorithm is not Algorithm.SHA256:
        raise UsageError(f"--algorithm {algorithm.value} needs --format json (sha256sum lines record only SHA-256)")
    from gates.manifest.create import check_output

    check_output(args.output, root, relative_scope(args.paths, root))
    manifest = build_manifest(args.paths, root, algorithm, workers=args.workers)
    write_manifest(manifest, args.output, fmt, root)
    total = sum(e.size or 0 for e in manifest.entries)
    print(f"wrote {args.output}: {len(manifest.entries)} files, {total} bytes, {algorithm.value}, {fmt.value}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    root = _root(args)
    try:
        data = args.manifest.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"manifest {args.manifest} does not exist") from None
    except OSError as exc:
        raise UnreadableError(f"cannot read manifest {args.manifest}: {exc.strerror or exc}",
                              path=str(args.manifest)) from None
    manifest = parse(data)
    if manifest.problems:
        raise ManifestError(f"manifest {args.manifest} is not valid:\n" + dumps_problems(manifest, str(args.manifest)))
    scope = relative_scope(args.paths, root) if args.paths else None
    report = verify_tree(manifest, root, scope=scope, workers=args.workers,
                         exclude=_self_exclusion(args.manifest, root))
    for mismatch in report.modified:
        detail = (f"size {mismatch.expected_size} -> {mismatch.actual_size}" if mismatch.reason == "size"
                  else f"{report.algorithm.value} {mismatch.expected[:16]}... -> {mismatch.actual[:16]}...")
        print(f"MODIFIED    {mismatch.path} ({detail})")
    for path in report.missing:
        print(f"MISSING     {path}")
    for path in report.unexpected:
        print(f"UNEXPECTED  {path}")
    unreadable = [p for p in report.problems if p.kind == "unreadable"]
    others = [p for p in report.problems if p.kind != "unreadable"]
    for problem in others:
        print(f"UNSAFE      {problem.message}")
    for problem in unreadable:
        print(f"UNREADABLE  {problem.message}", file=sys.stderr)
    print(f"{len(report.matched)} ok, {len(report.modified)} modified, {len(report.missing)} missing, "
          f"{len(report.unexpected)} unexpected, {len(report.problems)} problems ({report.algorithm.value})")
    if report.modified or report.missing or report.unexpected or others:
        return 1
    if unreadable:
        raise UnreadableError(f"{len(unreadable)} file(s) could not be read; fix permissions and retry",
                              path=unreadable[0].path or "")
    return 0


def _self_exclusion(manifest_path: Path, root: Path) -> tuple[str, ...]:
    """The manifest file itself, when it lies inside the root, is never 'unexpected'."""
    try:
        return relative_scope([manifest_path], root)
    except ManifestError:
        return ()
