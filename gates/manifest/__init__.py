"""Hash manifests of data and model files, where their expected hashes come from (trust),
and comparing a tree against them.

``build_manifest`` / ``write_manifest`` create one; ``parse`` reads either format;
``verify_tree`` lists every modified, missing and unexpected file; :mod:`gates.manifest.trust`
picks the expected manifest from a signature, the base branch or the working tree.

Names are imported lazily, so that a hashing worker process (:mod:`gates.manifest.workers`)
starts without loading the rest of the package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "build_manifest": "create", "write_manifest": "create",
    "ManifestError": "errors", "UnreadableError": "errors",
    "ManifestFormat": "formats", "dumps_problems": "formats", "parse": "formats", "render": "formats",
    "FileDigest": "hashing", "hash_file": "hashing", "hash_files": "hashing",
    "Algorithm": "model", "Entry": "model", "Manifest": "model", "Mismatch": "model", "Problem": "model",
    "TrustLevel": "model", "VerifyReport": "model",
    "infer_scope": "verify", "verify_tree": "verify",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from gates.manifest.create import (
        build_manifest as build_manifest,
        write_manifest as write_manifest,
    )
    from gates.manifest.errors import (
        ManifestError as ManifestError,
        UnreadableError as UnreadableError,
    )
    from gates.manifest.formats import (
        ManifestFormat as ManifestFormat,
        dumps_problems as dumps_problems,
        parse as parse,
        render as render,
    )
    from gates.manifest.hashing import (
        FileDigest as FileDigest,
        hash_file as hash_file,
        hash_files as hash_files,
    )
    from gates.manifest.model import (
        Algorithm as Algorithm,
        Entry as Entry,
        Manifest as Manifest,
        Mismatch as Mismatch,
        Problem as Problem,
        TrustLevel as TrustLevel,
        VerifyReport as VerifyReport,
    )
    from gates.manifest.verify import (
        infer_scope as infer_scope,
        verify_tree as verify_tree,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gates.manifest' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gates.manifest.{module}"), name)
    globals()[name] = value
    return value
