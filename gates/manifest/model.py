"""Values of the manifest layer: algorithms, entries, manifests, trust levels, problems."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Algorithm(str, enum.Enum):
    """A digest algorithm a manifest can record.

    ``blake2`` (BLAKE2b-512) is only read from model_signing signatures; we write sha256
    (the default, ``sha256sum -c`` compatible) or blake3 (faster, multi-threaded).
    """

    SHA256 = "sha256"
    BLAKE3 = "blake3"
    BLAKE2 = "blake2"

    @property
    def hex_length(self) -> int:
        """Length of a hex digest of this algorithm."""
        return 128 if self is Algorithm.BLAKE2 else 64


class TrustLevel(str, enum.Enum):
    """Where the expected hashes came from, strongest first."""

    SIGNATURE = "signature"
    BASE_BRANCH = "base-branch"
    WORKING_TREE = "working-tree"

    @property
    def rank(self) -> int:
        """2 for a signature, 1 for the base branch, 0 for the working tree."""
        return {TrustLevel.SIGNATURE: 2, TrustLevel.BASE_BRANCH: 1, TrustLevel.WORKING_TREE: 0}[self]

    def at_least(self, other: TrustLevel) -> bool:
        """True when this level is as strong as ``other`` or stronger."""
        return self.rank >= other.rank


@dataclass(frozen=True)
class Entry:
    """One file of a manifest: POSIX path relative to the root, hex digest, size if known."""

    path: str
    digest: str
    size: int | None = None
    line: int | None = None  # line in the manifest file it was read from


@dataclass(frozen=True)
class Problem:
    """Something wrong with a manifest or a tree that is not a plain hash mismatch."""

    kind: str  # malformed, duplicate, escapes-root, symlink-escapes-root, non-utf8-name, unreadable, ...
    message: str
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Manifest:
    """Expected digests of a set of files, sorted by path."""

    algorithm: Algorithm
    entries: tuple[Entry, ...]
    scope: tuple[str, ...] = ()  # the paths that were hashed (JSON records them); () = unknown
    problems: tuple[Problem, ...] = ()  # what went wrong while reading it

    def by_path(self) -> Mapping[str, Entry]:
        """The entries keyed by path (the first one wins for a duplicate)."""
        out: dict[str, Entry] = {}
        for entry in self.entries:
            out.setdefault(entry.path, entry)
        return out


@dataclass(frozen=True)
class Mismatch:
    """A file whose content differs from the manifest."""

    path: str
    expected: str
    actual: str
    reason: str  # "size" or "digest"
    expected_size: int | None = None
    actual_size: int | None = None


@dataclass(frozen=True)
class VerifyReport:
    """Result of comparing a tree against a manifest."""

    algorithm: Algorithm
    matched: tuple[str, ...] = ()
    modified: tuple[Mismatch, ...] = ()
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()  # unreadable files, symlinks leaving the root, ...
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def checked(self) -> int:
        """How many files were looked at."""
        return len(self.matched) + len(self.modified) + len(self.missing) + len(self.unexpected)

    @property
    def ok(self) -> bool:
        """True when nothing differs and nothing went wrong."""
        return not (self.modified or self.missing or self.unexpected or self.problems)
