"""Generated malicious files (every dangerous family and evasion) must all be flagged."""

from __future__ import annotations

import pytest

from gates.model import Severity
from tests.scanner.conftest import worst
from tests.scanner.malicious import HELD_OUT, Case


@pytest.mark.parametrize("case", HELD_OUT, ids=[c.name for c in HELD_OUT])
def test_generated_malicious_file_is_flagged(scan_bytes, case: Case) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(case.data, name=f"{case.name}.dat")
    severity = worst(report)
    assert severity is not None, case.name
    if case.critical:
        assert severity is Severity.CRITICAL, [f.message for f in report.findings]
    else:
        assert severity.at_least(Severity.HIGH), [f.message for f in report.findings]


def test_the_file_name_does_not_matter(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    case = next(c for c in HELD_OUT if c.name == "torch-zip-data-pkl")
    for name in ("weights.txt", "README", "model.safetensors", "x.json"):
        assert worst(scan_bytes(case.data, name=name)) is Severity.CRITICAL, name


def test_held_out_set_is_broad() -> None:
    assert len(HELD_OUT) >= 90
    assert len({c.name for c in HELD_OUT}) == len(HELD_OUT)
