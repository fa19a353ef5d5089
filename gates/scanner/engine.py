"""Scan files and directory trees: the public entry points :func:`scan_file` and :func:`scan_paths`.

Files are memory-mapped read-only, so only the bytes a checker touches are read (a PyTorch
checkpoint's tensor storages never are). Directories are walked without following symbolic
links to directories; every regular file is scanned by content, whatever its name.

Files whose name promises a pickle-loaded model (``.pt``, ``.pkl``, ``.bin`` ...) but whose
content is no known format give ``MODEL-UNRECOGNISED-FORMAT`` (info, never blocking: raw
weight files such as ONNX external data are legitimately opaque): no pickle loader can
execute them (``bad_pytorch.pt`` is a PNG, ``not_a_pickle.bin`` fails UTF-8 decoding of its
first ``GLOBAL`` before any import), but the file is probably not what was meant to ship.
Files named for another loader (``.gguf``, ``.pb``, ``.tflite``, ``.onnx``, ``.h5``,
``.pte`` ...) whose content we cannot read give ``MODEL-NOT-SCANNED`` at the policy's
``not_scanned_severity`` (high by default: the gate blocks): that loader may parse what we
do not. A file
that cannot be opened gives ``MODEL-UNREADABLE`` (high) and ``FileReport.error``; so does one
that is not read on purpose: a FIFO, device or socket, or a symlink leaving the scan root.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from gates.errors import UsageError
from gates.files import UnsafeFileError, open_regular
from gates.fingerprint import fingerprints
from gates.model import Finding, Severity
from gates.scanner.context import RawIssue, ScanContext
from gates.scanner.dispatch import scan_blob
from gates.scanner.policy import ScanPolicy
from gates.scanner.report import FileReport, Format, ScanReport
from gates.scanner.rules import TOOL, rule

MODEL_SUFFIXES = frozenset({
    ".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", ".jbl", ".npy", ".npz", ".h5",
    ".hdf5", ".keras", ".onnx", ".safetensors", ".sav", ".dill", ".gguf", ".ggml", ".pb", ".tflite",
    ".lite", ".mar", ".pte", ".pt2", ".mlmodel", ".nemo", ".cloudpkl", ".skops",
    ".torchscript", ".ptl", ".pdparams", ".pdmodel", ".llamafile",
})
# loaded by pickle-based or self-validating loaders: unknown content is inert there (info)
_PICKLE_LOADED = frozenset({
    ".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", ".jbl", ".npy", ".npz", ".safetensors",
    ".sav", ".dill", ".cloudpkl", ".pdparams",
})


def _relative(absolute: str, root: str) -> str:
    relative = os.path.relpath(absolute, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        relative = absolute
    return relative.replace(os.sep, "/")


def _scan_one(path: str, policy: ScanPolicy, root: str) -> tuple[FileReport, list[RawIssue]]:
    """Scan one file given by its absolute path (``root`` absolute too)."""
    label = _relative(path, root)
    ctx = ScanContext(policy=policy, model_dir=Path(os.path.dirname(path)), root=Path(root), scan_blob=scan_blob)
    try:
        # never blocks on a FIFO, never follows a link out of the tree (e.g. to /dev/zero)
        with os.fdopen(open_regular(path, root), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                found = Format.EMPTY
            else:
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                    if hasattr(mmap, "MADV_RANDOM"):  # no read-ahead around the few pages we touch
                        buf.madvise(mmap.MADV_RANDOM)
                    found = scan_blob(ctx, buf, 0, size, None)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fix = "Replace it with the real file" if isinstance(exc, UnsafeFileError) else "Fix its permissions"
        issue = RawIssue("MODEL-UNREADABLE", Severity.HIGH, None,
                         f"cannot read the file ({reason}); it was not checked. {fix}", "unreadable")
        return FileReport(label, Format.UNKNOWN, 0, error=reason), [issue]
    suffix = os.path.splitext(path)[1].lower()
    if found is Format.UNKNOWN and suffix in _PICKLE_LOADED:
        ctx.add("MODEL-UNRECOGNISED-FORMAT", Severity.INFO, None,
                f"named like a model file ({suffix}) but its content matches no model format; "
                "no pickle loader can run it. Check it is the file you meant to ship", suffix)
    elif found is Format.UNKNOWN and suffix in MODEL_SUFFIXES:
        ctx.add("MODEL-NOT-SCANNED", policy.not_scanned_severity, None,
                f"named like a {suffix} model but its content is no format this scanner reads; its loader "
                "may still run it, so it was not judged. Scan it with a tool for that format, or remove it", suffix)
    report = FileReport(label, found, size, ctx.pickles, tuple(sorted(ctx.globals)), tuple(ctx.members))
    return report, ctx.issues


def _to_findings(items: list[tuple[str, RawIssue]]) -> tuple[Finding, ...]:
    prints = fingerprints((issue.rule_id, path, issue.context) for path, issue in items)
    findings = []
    for (path, issue), fp in zip(items, prints):
        meta = rule(issue.rule_id)
        props = {"member": issue.member} if issue.member else {}
        if issue.global_name:
            props["global"] = issue.global_name
        findings.append(Finding(
            rule_id=issue.rule_id, severity=issue.severity, message=issue.message, fingerprint=fp,
            path=path, help_uri=meta.help_uri, cwe=meta.cwe, tool=TOOL, title=meta.title,
            package=issue.global_name, properties=props,
        ))
    return tuple(findings)


def _files(path: str) -> Iterator[str]:
    """Absolute paths of the files under ``path`` (symlinked directories not followed)."""
    if os.path.isdir(path) and not os.path.islink(path):
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for name in sorted(filenames):
                yield os.path.join(dirpath, name)  # special files too: each gets a finding, none is read
    else:
        yield path


def scan_paths(paths: Sequence[Path], *, root: Path, policy: ScanPolicy | None = None) -> ScanReport:
    """Scan every file under ``paths``; raise :class:`UsageError` when a path does not exist."""
    policy = policy or ScanPolicy()
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)} (check the model path)")
    root_abs = os.path.abspath(root)
    reports: list[FileReport] = []
    items: list[tuple[str, RawIssue]] = []
    seen: set[str] = set()
    for path in paths:
        for file in _files(os.path.abspath(path)):
            if file in seen:
                continue
            seen.add(file)
            report, issues = _scan_one(file, policy, root_abs)
            reports.append(report)
            items.extend((report.path, issue) for issue in issues)
    return ScanReport(_to_findings(items), tuple(reports))


def scan_file(path: Path, *, root: Path | None = None, policy: ScanPolicy | None = None) -> ScanReport:
    """Scan one file (paths in findings are relative to ``root``, default its directory)."""
    return scan_paths([path], root=root if root is not None else Path(path).parent, policy=policy)
