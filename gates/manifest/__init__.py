"""Hash manifests of data and model files, where their expected hashes come from (trust),
and comparing a tree against them.

``build_manifest`` / ``write_manifest`` create one; ``parse`` reads either format;
``verify_tree`` lists every modified, missing and unexpected file; :mod:`gates.manifest.trust`
picks the expected manifest from a signature, the base branch or the working tree.
"""

from gates.manifest.create import build_manifest, write_manifest
from gates.manifest.errors import ManifestError, UnreadableError
from gates.manifest.formats import ManifestFormat, dumps_problems, parse, render
from gates.manifest.hashing import FileDigest, hash_file, hash_files
from gates.manifest.model import Algorithm, Entry, Manifest, Mismatch, Problem, TrustLevel, VerifyReport
from gates.manifest.verify import infer_scope, verify_tree

__all__ = [
    "Algorithm", "Entry", "FileDigest", "Manifest", "ManifestError", "ManifestFormat", "Mismatch", "Problem",
    "TrustLevel", "UnreadableError", "VerifyReport", "build_manifest", "dumps_problems", "hash_file",
    "hash_files", "infer_scope", "parse", "render", "verify_tree", "write_manifest",
]
