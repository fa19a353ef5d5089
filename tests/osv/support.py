"""Shared paths for the OSV tests: the copied advisories and the shared PyPA snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSET_DB = REPO / "tests" / "assets" / "deps" / "advisory-db"
SHARED_DB = (REPO / ".." / "shared" / "data" / "pypa-advisory-db").resolve()


def shared_db() -> Path:
    """The shared PyPA snapshot, or skip (with the reason printed) when it is absent."""
    if not (SHARED_DB / "vulns").is_dir():
        pytest.skip(f"the PyPA advisory snapshot is not at {SHARED_DB} (see /work/shared/data/README.md)")
    return SHARED_DB
