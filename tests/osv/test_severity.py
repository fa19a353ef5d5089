"""Advisory severities: CVSS v3 base scores (NVD reference values) and database labels."""

from __future__ import annotations

import pytest

from gates.model import Severity
from gates.osv.severity import advisory_severity, cvss3_base_score, rating

# Reference scores as published by NVD / FIRST's calculator for these vectors.
VECTORS = [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
    ("CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", 5.3),
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 8.1),
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
]


@pytest.mark.parametrize("vector, score", VECTORS)
def test_cvss3_base_scores(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


@pytest.mark.parametrize(
    "vector", ["CVSS:2.0/AV:N", "CVSS:3.1/AV:N/AC:L", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"]
)
def test_bad_vectors_are_rejected(vector: str) -> None:
    with pytest.raises(ValueError):
        cvss3_base_score(vector)


def test_rating_boundaries() -> None:
    assert [rating(s) for s in (10.0, 9.0, 8.9, 7.0, 6.9, 4.0, 3.9, 0.1, 0.0)] == [
        Severity.CRITICAL, Severity.CRITICAL, Severity.HIGH, Severity.HIGH, Severity.MEDIUM, Severity.MEDIUM,
        Severity.LOW, Severity.LOW, Severity.INFO]


def test_worst_vector_wins_and_affected_level_counts() -> None:
    advisory = {"severity": [{"type": "CVSS_V3", "score": VECTORS[5][0]}],
                "affected": [{"severity": [{"type": "CVSS_V3", "score": VECTORS[0][0]}]}]}
    found = advisory_severity(advisory)
    assert found is not None and found.severity is Severity.CRITICAL and found.source == "CVSS 9.8"


def test_database_specific_label_when_no_vector() -> None:
    found = advisory_severity({"database_specific": {"severity": "MODERATE"},
                               "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"}]})
    assert found is not None and found.severity is Severity.MEDIUM and "MODERATE" in found.source


def test_nothing_stated_gives_none() -> None:
    assert advisory_severity({"id": "X", "affected": [{}]}) is None


def test_lookup_uses_the_first_advisory_found_and_stops_after_a_service_failure() -> None:
    import socket

    from gates.osv.findings import SeverityLookup
    from gates.osv.loader import load_database
    from tests.osv.support import ASSET_DB

    index = load_database(ASSET_DB).index
    local = SeverityLookup(Severity.LOW, index=index)
    assert local.lookup(["CVE-2023-43804"], []).source == "CVSS 8.1"  # an alias of PYSEC-2023-192
    assert local.lookup(["PYSEC-2018-28"], ["critical"]).severity is Severity.CRITICAL  # a source's label counts
    assert local.lookup(["NOPE-1"], []).source == "default"
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    remote = SeverityLookup(Severity.HIGH, osv_base=f"http://127.0.0.1:{port}", timeout=2)
    assert remote.lookup(["A-1", "A-2"], []).severity is Severity.HIGH
    assert remote.lookup(["B-1"], []).source == "default"
    assert len(remote.failures) == 1 and remote.osv_base is None
