"""The picklescan corpus: every malicious file flagged, every benign one clean, edge cases as documented."""

from __future__ import annotations

import pytest

from gates.model import Severity
from gates.scanner import Format, scan_paths
from tests.scanner.conftest import CORPUS, worst

MALICIOUS = sorted(p.name for p in CORPUS.iterdir() if p.name.startswith("malicious"))
BENIGN = ["benign0_v0.pkl", "benign0_v3.pkl", "benign0_v4.pkl", "new_pytorch_model.bin", "pytorch_model.bin"]


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return scan_paths([CORPUS], root=CORPUS)


def _findings(report, name):  # type: ignore[no-untyped-def]
    return [f for f in report.findings if f.path == name]


def test_every_file_is_scanned(report) -> None:  # type: ignore[no-untyped-def]
    assert report.files_scanned == 47
    assert {f.path for f in report.files} == {p.name for p in CORPUS.iterdir()}


@pytest.mark.parametrize("name", MALICIOUS + ["pytorch_magic_bypass.pt", "sys_module_override_sploit.pkl",
                                              "broken_model.pkl"])
def test_malicious_is_flagged(report, name: str) -> None:  # type: ignore[no-untyped-def]
    severity = worst(type(report)(tuple(_findings(report, name)), ()))
    assert severity is not None and severity.at_least(Severity.HIGH), name


@pytest.mark.parametrize("name", sorted(set(MALICIOUS) - {"malicious1.7z"}))
def test_malicious_pickles_are_critical(report, name: str) -> None:  # type: ignore[no-untyped-def]
    assert any(f.severity is Severity.CRITICAL for f in _findings(report, name)), name


@pytest.mark.parametrize("name", BENIGN)
def test_benign_is_clean(report, name: str) -> None:  # type: ignore[no-untyped-def]
    assert _findings(report, name) == []


def test_formats_are_detected_by_content(report) -> None:  # type: ignore[no-untyped-def]
    formats = {f.path: f.format for f in report.files}
    assert formats["new_pytorch_model.bin"] is Format.PYTORCH_ZIP
    assert formats["pytorch_model.bin"] is Format.PYTORCH_LEGACY
    assert formats["malicious1_wrong_ext.zip"] is Format.ZIP
    assert formats["malicious1.7z"] is Format.SEVEN_ZIP
    assert formats["benign0_v0.pkl"] is Format.PICKLE
    legacy = next(f for f in report.files if f.path == "pytorch_model.bin")
    assert legacy.pickles == 5 and "torch._utils._rebuild_tensor_v2" in legacy.globals


def test_edge_cases_as_documented(report) -> None:  # type: ignore[no-untyped-def]
    def rules(name: str) -> set[tuple[str, Severity]]:
        return {(f.rule_id, f.severity) for f in _findings(report, name)}

    assert rules("bad_pytorch.pt") == {("MODEL-UNRECOGNISED-FORMAT", Severity.INFO)}
    assert rules("not_a_pickle.bin") == {("MODEL-UNRECOGNISED-FORMAT", Severity.INFO)}
    assert rules("broken_model.pkl") == {("PICKLE-DANGEROUS-GLOBAL", Severity.CRITICAL),
                                         ("PICKLE-PARSE-ERROR", Severity.HIGH)}
    assert rules("malicious1.7z") == {("ARCHIVE-UNSCANNABLE", Severity.HIGH),
                                      ("PICKLE-DANGEROUS-GLOBAL", Severity.CRITICAL)}
    assert rules("benign_password_protected.zip") == {("ZIP-ENCRYPTED-MEMBER", Severity.MEDIUM)}


def test_evasions_in_corpus_are_named(report) -> None:  # type: ignore[no-untyped-def]
    def globals_of(name: str) -> set[str | None]:
        return {f.package for f in _findings(report, name)}

    assert "os.system" in globals_of("malicious11.pkl")  # STACK_GLOBAL through the memo
    assert {"__builtin__.eval", "posix.system"} <= globals_of("pytorch_magic_bypass.pt")  # every pickle
    assert "os.system" in globals_of("malicious-invalid-bytes.pkl")
    assert any(f.rule_id == "ZIP-MALFORMED" for f in _findings(report, "malicious1_central_directory.zip"))
    assert any(f.rule_id == "PICKLE-GLOBAL-MUTATION" for f in _findings(report, "sys_module_override_sploit.pkl"))


def test_findings_carry_metadata(report) -> None:  # type: ignore[no-untyped-def]
    finding = next(f for f in _findings(report, "malicious2_v4.pkl") if f.rule_id == "PICKLE-DANGEROUS-GLOBAL")
    assert finding.tool == "model-scanner" and finding.cwe == (502,)
    assert finding.help_uri and finding.title and len(finding.fingerprint) == 32
    assert "posix.system" in finding.message
    assert len({f.fingerprint for f in report.findings}) == len(report.findings)
