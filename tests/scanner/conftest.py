"""Shared helpers of the scanner tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.model import Severity
from gates.scanner import ScanPolicy, ScanReport, scan_paths

CORPUS = Path(__file__).resolve().parents[1] / "assets" / "scanner" / "picklescan-corpus"


def worst(report: ScanReport) -> Severity | None:
    """The worst severity among the findings, or None."""
    return max((f.severity for f in report.findings), key=lambda s: s.rank, default=None)


@pytest.fixture
def scan_bytes(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write bytes to a file (default name model.bin) and scan it."""

    def run(data: bytes, name: str = "model.bin", policy: ScanPolicy | None = None) -> ScanReport:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return scan_paths([path], root=tmp_path, policy=policy)

    return run
