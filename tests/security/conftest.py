"""Fixtures of the trust-boundary tests: directories an unprivileged user can reach."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temp dir others can traverse and read (pytest's own are 0700): the gates drop root to nobody."""
    path = Path(tempfile.mkdtemp(prefix="sag-security-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def drop_box(open_tmp: Path) -> Path:
    """A world-writable directory outside the workspace: where an attacker's code leaves what it found."""
    box = open_tmp / "dropbox"
    box.mkdir()
    box.chmod(0o777)
    return box
