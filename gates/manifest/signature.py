"""Verifying a model_signing (OpenSSF model-transparency) signature with a public key.

Works offline, like ``model_signing verify key``: the Sigstore bundle's DSSE envelope is
checked against the EC public key, and the signed in-toto payload becomes the expected
manifest; the tree is then compared with our own hasher so every modified, missing and
unexpected file is listed (``model_signing`` itself stops at the first mismatch message).
Only the file serialisation (its default) is supported; sharded signatures are refused.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from gates.errors import EngineMissing, GateError
from gates.manifest.formats import check_path
from gates.manifest.model import Algorithm, Entry, Manifest, Problem


class SignatureInvalid(Exception):
    """The signature cannot be read or does not verify with the key."""


@dataclass(frozen=True)
class SignedContent:
    """What an authentic signature says the files must be."""

    manifest: Manifest  # entries relative to the root
    ignore: tuple[str, ...]  # root-relative paths model_signing leaves out (.git, the signature, ...)
    model_name: str


def library_version() -> str:
    """The installed model_signing version (GateError when it is missing)."""
    try:
        import model_signing
    except ImportError as exc:
        raise EngineMissing("model_signing", "models", detail=str(exc)) from None
    return str(getattr(model_signing, "__version__", "unknown"))


def verify_signature(signature: Path, public_key: Path, signed_path: str, root: Path) -> SignedContent:
    """Check ``signature`` over ``signed_path`` (root-relative file or directory) with ``public_key``."""
    library_version()
    from model_signing._signing import sign_ec_key, sign_sigstore_pb

    try:
        bundle = sign_sigstore_pb.Signature.read(signature)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SignatureInvalid(f"cannot read the signature {signature.name}: {exc}") from None
    try:
        verifier = sign_ec_key.Verifier(public_key)
    except (OSError, ValueError, TypeError) as exc:
        raise SignatureInvalid(f"cannot use the public key {public_key.name}: {exc}") from None
    try:
        expected = verifier.verify(bundle)
    except Exception as exc:  # noqa: BLE001 - cryptography and the library raise several types
        raise SignatureInvalid(f"the signature does not verify with the public key: "
                               f"{type(exc).__name__}: {exc or 'invalid signature'}") from None
    args = dict(expected.serialization_type)
    if args.get("method") != "files":
        raise GateError(f"signature {signature.name} uses the {args.get('method')!r} serialisation; only "
                        "per-file signatures (model_signing's default) are supported: re-sign without sharding")
    try:
        algorithm = Algorithm(args.get("hash_type", "sha256"))
    except ValueError:
        raise GateError(f"signature {signature.name}: unsupported hash {args.get('hash_type')!r}") from None
    is_file = (root / signed_path).is_file()
    entries: list[Entry] = []
    problems: list[Problem] = []
    for item in expected.resource_descriptors():
        name = str(item.identifier)
        rel = signed_path if (is_file and name == ".") else posixpath.join(signed_path, name) if signed_path else name
        why = check_path(rel)
        if why:
            problems.append(Problem("escapes-root", f"signed resource {name!r}: {why}", rel))
            continue
        entries.append(Entry(rel, item.digest.digest_hex))
    ignore = tuple(posixpath.join(signed_path, str(p)) if signed_path else str(p)
                   for p in args.get("ignore_paths", ()) if not is_file)
    manifest = Manifest(algorithm, tuple(sorted(entries, key=lambda e: e.path)), (signed_path,), tuple(problems))
    return SignedContent(manifest, ignore, expected.model_name)
