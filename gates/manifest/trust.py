"""Where the expected hashes come from, and how much that source can be trusted.

Strongest first:
  signature     a model_signing signature verified with a public key (over the manifest file
                or over the directory itself); the key itself is taken from the base commit
                when it lies in the repository, so a change cannot swap in its own key;
  base-branch   the manifest as it is on the pull request's base commit (``git``): a change
                to the manifest is itself a finding (MANIFEST-CHANGED / MANIFEST-NEW);
  working-tree  the manifest as checked out: proves only that files and manifest agree.

The strongest source that is configured and available is used; the gate fails with an
error when it is weaker than the configured minimum (option ``trust``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gates import git
from gates.errors import ConfigError, GateError, ToolError
from gates.manifest.formats import parse
from gates.manifest.hashing import hash_file
from gates.manifest.model import Manifest, TrustLevel
from gates.manifest.signature import SignatureInvalid, verify_signature
from gates.model import Severity


@dataclass(frozen=True)
class TrustOptions:
    """The trust-related options of a gate, with paths made absolute."""

    required: TrustLevel = TrustLevel.WORKING_TREE
    manifest: Path | None = None
    signature: Path | None = None
    public_key: Path | None = None
    signed_path: str | None = None  # root-relative; default: the manifest file
    base_rev: str | None = None


@dataclass(frozen=True)
class TrustIssue:
    """A finding about the trust source itself (rule id without the gate prefix)."""

    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Expected:
    """The expected manifest (None when the signature failed), its trust level and issues."""

    level: TrustLevel
    source: str
    manifest: Manifest | None
    issues: tuple[TrustIssue, ...] = ()
    exclude: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GateError(f"cannot read {path}: {exc.strerror or exc}") from None


_BASE_READ_CAP = 256 << 20  # manifests and keys; a larger "manifest" is not one


def _read_base(rev: str, path: Path, workspace: Path) -> bytes | None:
    """``path`` as it is on commit ``rev`` (None: not there); GitUnavailable when git cannot tell."""
    try:
        return git.Repo.at(workspace).read(rev, path, _BASE_READ_CAP)
    except ToolError as exc:
        raise GateError(f"cannot read {_rel(path, workspace)} at the base commit {rev[:12]}: {exc}") from None


def resolve(opts: TrustOptions, root: Path, workspace: Path, work_dir: Path) -> Expected:
    """Pick the expected manifest from the strongest available source."""
    if opts.signature is not None:
        expected = _from_signature(opts, root, workspace, work_dir)
    else:
        expected = _from_manifest(opts, root, workspace)
    if not expected.level.at_least(opts.required):
        why = "; ".join(expected.notes) or "no stronger source is configured"
        raise GateError(f"trust: {opts.required.value} is required but only {expected.level.value} is available "
                        f"({why}); configure signature + public-key, run on a pull request, or lower `trust`")
    return expected


def _from_manifest(opts: TrustOptions, root: Path, workspace: Path) -> Expected:
    if opts.manifest is None:
        raise ConfigError("no manifest configured", key="manifest")
    shown = _rel(opts.manifest, workspace)
    own = _rel(opts.manifest, root)  # never "unexpected" in its own scope
    current = _read(opts.manifest)
    notes: list[str] = []
    if opts.base_rev:
        try:
            base = _read_base(opts.base_rev, opts.manifest, workspace)
        except git.GitUnavailable as exc:
            notes.append(str(exc))
        else:
            short = opts.base_rev[:12]
            if base is None:
                if current is None:
                    raise ConfigError(f"manifest {shown} does not exist here nor on the base commit {short}",
                                      key="manifest")
                issue = TrustIssue("MANIFEST-NEW", Severity.HIGH, f"manifest {shown} is new in this change (not on the "
                                   f"base commit {short}): every hash it records needs approval", shown)
                return Expected(TrustLevel.BASE_BRANCH, f"{shown} (new; not on base {short})", parse(current), (issue,),
                                (own,))
            issues = []
            if current != base:
                issues.append(TrustIssue("MANIFEST-CHANGED", Severity.HIGH,
                                         _change_summary(shown, short, base, current), shown))
            return Expected(TrustLevel.BASE_BRANCH, f"{shown} at base commit {short}", parse(base),
                            tuple(issues), (own,))
    else:
        notes.append("no base commit (not a pull request and no base-ref set)")
    if current is None:
        raise ConfigError(f"manifest {shown} does not exist: create it with `secure-ai-gates manifest create`",
                          key="manifest")
    notes.append("expected hashes come from the working tree, which the change itself can edit")
    return Expected(TrustLevel.WORKING_TREE, f"{shown} (working tree)", parse(current), (), (own,), tuple(notes))


def _change_summary(shown: str, short: str, base: bytes, current: bytes | None) -> str:
    if current is None:
        return f"manifest {shown} was deleted in this change (verified against base commit {short})"
    old, new = parse(base).by_path(), parse(current).by_path()
    added = len(set(new) - set(old))
    removed = len(set(old) - set(new))
    changed = sum(1 for p in set(old) & set(new) if old[p].digest != new[p].digest)
    return (f"manifest {shown} differs from base commit {short} ({added} added, {removed} removed, {changed} changed "
            "entries): the new hashes need approval; files are verified against the base version")


def _from_signature(opts: TrustOptions, root: Path, workspace: Path, work_dir: Path) -> Expected:
    assert opts.signature is not None
    if opts.public_key is None:
        raise ConfigError("a signature needs a public-key to verify it with", key="public-key")
    sig_shown = _rel(opts.signature, workspace)
    signed = opts.signed_path or (_rel(opts.manifest, root) if opts.manifest else None)
    if signed is None:
        raise ConfigError("say what the signature covers: signed-path, or a manifest", key="signed-path")
    key, issues, notes = _trusted_key(opts.public_key, opts.base_rev, workspace, work_dir)
    sig_rel = _rel(opts.signature, root)
    source = f"signature {sig_shown} over {signed or '.'}"
    if not opts.signature.is_file():
        issue = TrustIssue("SIGNATURE-MISSING", Severity.CRITICAL, f"signature {sig_shown} does not exist", sig_shown)
        return Expected(TrustLevel.SIGNATURE, source, None, (*issues, issue), notes=notes)
    try:
        content = verify_signature(opts.signature, key, signed, root)
    except SignatureInvalid as exc:
        issue = TrustIssue("SIGNATURE-INVALID", Severity.CRITICAL, f"{sig_shown}: {exc}", sig_shown)
        return Expected(TrustLevel.SIGNATURE, source, None, (*issues, issue), notes=notes)
    if opts.manifest is not None and signed == _rel(opts.manifest, root):
        entry = content.manifest.by_path().get(signed)
        digest = hash_file(opts.manifest, content.manifest.algorithm).digest if opts.manifest.is_file() else None
        if entry is None or digest != entry.digest:
            issue = TrustIssue("SIGNATURE-MISMATCH", Severity.CRITICAL,
                               f"manifest {signed} does not match its signature {sig_shown}", signed)
            return Expected(TrustLevel.SIGNATURE, source, None, (*issues, issue), notes=notes)
        data = opts.manifest.read_bytes()
        return Expected(TrustLevel.SIGNATURE, source, parse(data), tuple(issues), (signed, sig_rel), notes)
    return Expected(TrustLevel.SIGNATURE, source, content.manifest, tuple(issues), (*content.ignore, sig_rel), notes)


def _controlled(path: Path, workspace: Path) -> bool:
    """True when reading ``path`` can reach into the checkout: by its spelling or by where it really leads.

    ``..``, symbolic links (in the path or its directories) and ``/proc/self/cwd`` all resolve
    to the real path; the repository's top level counts too when the workspace lies inside one.
    """
    areas = {Path(os.path.realpath(workspace)), Path(os.path.abspath(workspace))}
    try:
        areas.add(git.Repo.at(Path(os.path.realpath(workspace))).top)
    except git.GitUnavailable:
        pass
    for candidate in (Path(os.path.normpath(os.path.abspath(path))), Path(os.path.realpath(path))):
        if any(candidate == area or area in candidate.parents for area in areas):
            return True
    return False


def _trusted_key(public_key: Path, base_rev: str | None, workspace: Path,
                 work_dir: Path) -> tuple[Path, list[TrustIssue], tuple[str, ...]]:
    """The public key to trust: the base commit's copy when the key lives in (or leads into) the repository."""
    shown = _rel(public_key, workspace)
    if not _controlled(public_key, workspace):
        # read what the path really names now, so it cannot be swapped for a link later
        return Path(os.path.realpath(public_key)), [], (f"public key {public_key} lies outside the workspace",)
    if not base_rev:
        return public_key, [], (f"public key {shown} read from the working tree (no base commit)",)
    try:
        base = _read_base(base_rev, public_key, workspace)
    except git.GitUnavailable as exc:
        raise GateError(f"public key {shown} lies in the checkout, so it must be read from the base commit, "
                        f"which cannot be read here: {exc}") from None
    if base is None:
        issue = TrustIssue("SIGNING-KEY-NEW", Severity.HIGH,
                           f"public key {shown} is new in this change: approve the key itself", shown)
        return public_key, [issue], ()
    work_dir.mkdir(parents=True, exist_ok=True)
    trusted = work_dir / "base-public-key.pem"
    trusted.write_bytes(base)
    if (_read(public_key) if public_key.is_file() else None) == base:
        return trusted, [], ()
    issue = TrustIssue("SIGNING-KEY-CHANGED", Severity.CRITICAL,
                       f"public key {shown} differs from base commit {base_rev[:12]}: verified with the base key",
                       shown)
    return trusted, [issue], ()
