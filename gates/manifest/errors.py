"""Errors of the manifest layer, mapped onto the shared exit-code table.

A manifest that cannot be parsed is a usage problem (exit 2); a file that exists but cannot
be read leaves the check undecided (exit 3).
"""

from __future__ import annotations

from gates.errors import ExitCode, GatesError, UsageError


class ManifestError(UsageError):
    """A manifest is malformed, unsafe or cannot be written; the message names file and line."""


class UnreadableError(GatesError):
    """A file to hash exists but cannot be read (permissions, I/O error)."""

    exit_code = ExitCode.UNDECIDED

    def __init__(self, message: str, *, path: str) -> None:
        self.path = path
        super().__init__(message)
