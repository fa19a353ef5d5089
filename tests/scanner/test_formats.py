"""Format checks: safetensors headers, ONNX external data, Keras, zip structure, bounds."""

from __future__ import annotations

import gzip
import io
import json
import struct
import zipfile
from pathlib import Path

import pytest

from gates.model import Severity
from gates.scanner import Format, scan_paths
from tests.scanner.conftest import CORPUS, worst
from tests.scanner.malicious import STOP, onnx_with_location, proto, safetensors, sg, u, zip_bytes

EVIL = proto(4) + sg("os", "system") + u("id") + b"\x85R" + STOP


def _rules(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.rule_id for f in report.findings}


@pytest.mark.parametrize("header,data,problem", [
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 12, "after the last tensor"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12, "a hole"),
    ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8, "needs 12"),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "invalid shape"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}}, b"\0" * 4, "exactly"),
    ({"__metadata__": {"k": 1}}, b"", "strings to strings"),
])
def test_safetensors_header_problems(scan_bytes, header, data, problem) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(safetensors(header, data), name="m.safetensors")
    assert report.files[0].format is Format.SAFETENSORS
    assert any(problem in f.message and f.rule_id == "SAFETENSORS-BAD-HEADER" for f in report.findings), \
        [f.message for f in report.findings]


def test_safetensors_length_past_the_end(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(struct.pack("<Q", 4096) + b'{"a": 1}' + EVIL, name="m.safetensors")
    assert report.files[0].format is Format.SAFETENSORS
    assert {f.rule_id for f in report.findings} == {"SAFETENSORS-BAD-HEADER", "PICKLE-DANGEROUS-GLOBAL"}


def test_safetensors_bad_json_and_duplicates(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    raw = b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {}}'
    report = scan_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * 4)
    assert "duplicate keys" in report.findings[0].message
    raw = b'{"a": nope}'
    assert _rules(scan_bytes(struct.pack("<Q", len(raw)) + raw)) == {"SAFETENSORS-BAD-HEADER"}


def test_onnx_external_data(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "ok.onnx").write_bytes(onnx_with_location("weights/w.bin"))
    (model_dir / "up.onnx").write_bytes(onnx_with_location("..\\..\\secret"))
    (model_dir / "link.bin").symlink_to("/etc/passwd")
    (model_dir / "link.onnx").write_bytes(onnx_with_location("link.bin"))
    report = scan_paths([model_dir], root=tmp_path)
    by_path = {f.path for f in report.findings if f.rule_id == "ONNX-EXTERNAL-DATA-ESCAPE"}
    assert by_path == {"model/up.onnx", "model/link.onnx"}
    assert {f.format for f in report.files if f.path.endswith(".onnx")} == {Format.ONNX}


def test_keras_json_config_with_lambda(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    config = {"class_name": "Model", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "fn"}}]}}
    report = scan_bytes(json.dumps(config).encode(), name="model.json")
    assert [f.rule_id for f in report.findings] == ["KERAS-LAMBDA"] and "'fn'" in report.findings[0].message
    assert scan_bytes(b'{"class_name": "Dense"}', name="x.json").findings == ()


def test_zip64_archive_is_read(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        with archive.open("archive/data.pkl", "w", force_zip64=True) as member:
            member.write(EVIL)
    report = scan_bytes(out.getvalue())
    assert report.files[0].format is Format.PYTORCH_ZIP and worst(report) is Severity.CRITICAL


def test_encrypted_member_named_like_a_model_is_high(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = (CORPUS / "benign_password_protected.zip").read_bytes().replace(b"test.txt", b"data.pkl")
    report = scan_bytes(data, name="x.zip")
    assert [(f.rule_id, f.severity) for f in report.findings] == [("ZIP-ENCRYPTED-MEMBER", Severity.HIGH)]


def test_nesting_is_bounded(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = EVIL
    for level in range(9):
        data = zip_bytes({f"level{level}.zip": data})
    assert "ARCHIVE-LIMIT" in _rules(scan_bytes(data))


def test_decompression_is_bounded(scan_bytes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("gates.scanner.archives.MAX_MEMBER_BYTES", 1 << 20)
    report = scan_bytes(gzip.compress(b"\0" * (3 << 20)))
    assert _rules(report) == {"ARCHIVE-LIMIT"}


def test_empty_and_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "empty.pkl").write_bytes(b"")
    (tmp_path / "dangling.pt").symlink_to(tmp_path / "missing")
    report = scan_paths([tmp_path / "empty.pkl", tmp_path / "dangling.pt"], root=tmp_path)
    assert report.files[0].format is Format.EMPTY
    assert report.unreadable[0].path == "dangling.pt"
    assert [(f.rule_id, f.severity) for f in report.findings] == [("MODEL-UNREADABLE", Severity.HIGH)]


def test_directories_are_walked_and_paths_are_relative(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "evil.txt").write_bytes(EVIL)
    (tmp_path / "a" / "notes.md").write_text("# notes\n")
    report = scan_paths([tmp_path / "a"], root=tmp_path)
    assert report.files_scanned == 2
    assert [f.path for f in report.findings] == ["a/b/evil.txt"]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    from gates.errors import UsageError

    with pytest.raises(UsageError, match="no such file"):
        scan_paths([tmp_path / "nope"], root=tmp_path)


def test_member_running_past_the_end_is_malformed_not_a_crash(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(zip_bytes({"data.txt": EVIL}))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 20, 10_000)  # compressed size far past the end
    report = scan_bytes(bytes(data))
    assert any("runs past the end" in f.message for f in report.findings if f.rule_id == "ZIP-MALFORMED")
