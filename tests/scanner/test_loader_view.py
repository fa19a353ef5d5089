"""Files are judged by what the loaders that may open them do, class by class.

Each test first shows (with a recording unpickler that imports nothing, or with the real
reader) that the loader really reaches the payload, so the test fails if the crafted file is
not what it claims to be; then the scanner must flag it. Benign counterparts must pass.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import pickle
import struct
import zlib

import pytest

from gates.model import Severity
from gates.scanner import Format
from tests.scanner import crafted
from tests.scanner.conftest import worst
from tests.scanner.malicious import STOP, g0, keras_zip, onnx_with_location, proto, sg, tar_bytes, u, zip_bytes

EVIL = proto(2) + g0("os", "system") + b"(" + u("id") + b"tR" + STOP


class Imported(Exception):
    """Raised by :class:`_Recorder` instead of importing anything."""


class _Recorder(pickle.Unpickler):
    """The C unpickler, stopped at its first import (nothing is ever imported or run)."""

    def find_class(self, module: str, name: str) -> object:
        raise Imported(f"{module}.{name}")


def imports_first(data: bytes, reader: object = None) -> str | None:
    """What ``pickle.load`` on ``data`` (through ``reader``, default a plain file) imports first."""
    try:
        _Recorder(reader or io.BytesIO(data)).load()  # type: ignore[arg-type]
    except Imported as exc:
        return str(exc)
    except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # not a pickle to the loader
        return None
    return None


# -- multi-member compressed streams ----------------------------------------------------------

@pytest.mark.parametrize("codec,opener,compress", [
    ("gzip", lambda f: gzip.GzipFile(fileobj=f), gzip.compress), ("bzip2", bz2.BZ2File, bz2.compress),
    ("xz", lzma.LZMAFile, lzma.compress),
    ("lzma", lambda f: lzma.LZMAFile(f, format=lzma.FORMAT_ALONE), lambda d: lzma.compress(d, lzma.FORMAT_ALONE)),
])
def test_every_member_of_a_compressed_stream_is_read(scan_bytes, codec, opener, compress) -> None:  # type: ignore[no-untyped-def]
    data = compress(b"") + compress(EVIL)  # an empty first member hides the payload from one-member readers
    assert imports_first(data, opener(io.BytesIO(data))) == "os.system"
    report = scan_bytes(data, name=f"model.{codec}")
    assert worst(report) is Severity.CRITICAL, [f.message for f in report.findings]


def test_gzip_members_after_nul_padding_and_split_pickles(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = gzip.compress(EVIL[:9]) + b"\x00" * 8 + gzip.compress(EVIL[9:])
    assert imports_first(data, gzip.GzipFile(fileobj=io.BytesIO(data))) == "os.system"
    assert worst(scan_bytes(data)) is Severity.CRITICAL


def test_zlib_streams_back_to_back_are_all_read(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    # joblib reads compress="bz2"/"xz"/"lzma" files with the stdlib readers above (all members);
    # its own zlib/gzip readers stop at the first stream: reading on is the safe superset.
    data = zlib.compress(pickle.dumps([1])) + zlib.compress(EVIL)
    assert worst(scan_bytes(data, name="model.joblib")) is Severity.CRITICAL


def test_trailing_garbage_after_a_benign_member_is_not_a_finding(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(gzip.compress(pickle.dumps({"a": 1})) + b"not gzip at all")
    assert report.findings == ()


# -- polyglots ---------------------------------------------------------------------------------

def test_tar_that_is_also_a_pickle(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    name = (b"cos\nsystem\n(S'id'\ntR.").decode()
    data = tar_bytes(name, b"harmless member")
    assert imports_first(data) == "os.system"
    report = scan_bytes(data, name="model.tar")
    assert report.files[0].format is Format.TAR
    assert {"MODEL-POLYGLOT", "PICKLE-DANGEROUS-GLOBAL"} <= {f.rule_id for f in report.findings}


@pytest.mark.parametrize("suffix", [b"GGUF", b"\x89HDF\r\n\x1a\n", b"{\"a\": 1}"])
def test_pickle_first_then_other_magic(scan_bytes, suffix: bytes) -> None:  # type: ignore[no-untyped-def]
    data = EVIL + suffix
    assert imports_first(data) == "os.system"
    assert worst(scan_bytes(data)) is Severity.CRITICAL


def test_pickle_prefix_before_a_zip_is_reported(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = EVIL + zip_bytes({"config.json": b"{}"})
    assert imports_first(data) == "os.system"
    assert worst(scan_bytes(data, name="model.keras")) is Severity.CRITICAL


def test_benign_tar_and_zip_are_not_polyglots(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    for data in (tar_bytes("weights.bin", b"\x00" * 64), zip_bytes({"a.txt": b"x"})):
        assert scan_bytes(data).findings == ()


# -- numpy headers ---------------------------------------------------------------------------------

def _npy(descr: object, payload: bytes = b"", version: int = 1) -> bytes:
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': (1,), }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode("latin-1") + payload


@pytest.mark.parametrize("descr", [
    "O", "|O", "<O", "O8", "object", "object_", "object0", "f8,O", "(2,)O",
    [("a", "<f8"), ("b", "O")], [("a", [("b", "object")])], [(("title", "a"), "O")], [("a", "O", (2,))],
    [("a", ("O", (2,)))], ("O", (2,)),
])
def test_numpy_object_spellings(scan_bytes, descr: object) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(_npy(descr, EVIL), name="x.npy")
    assert worst(report) is Severity.CRITICAL, descr


@pytest.mark.parametrize("descr", ["<f8", "|b1", "<U5", "M8[D]", [("O", "<f8")], [("Obj", "<i4"), ("x", "<f4")],
                                   [(("O", "Oname"), "<f8")]])
def test_numpy_field_names_are_not_dtypes(scan_bytes, descr: object) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(_npy(descr, b"\x00" * 8), name="x.npy")
    assert [f.rule_id for f in report.findings] == [], descr


def test_numpy_really_unpickles_an_object_spelling(tmp_path) -> None:  # type: ignore[no-untyped-def]
    np = pytest.importorskip("numpy")
    path = tmp_path / "x.npy"
    path.write_bytes(_npy("object_", pickle.dumps([1, 2])))
    assert np.load(path, allow_pickle=True) == [1, 2]  # pickle.load ran on what follows the header


# -- ONNX and other protobufs ------------------------------------------------------------------

def test_onnx_with_the_graph_before_ir_version_is_onnx(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    model = onnx_with_location("../../etc/passwd")
    graph_first = model[model.index(b"\x3a"):] + model[:model.index(b"\x3a")]  # field 7 moved to the front
    report = scan_bytes(graph_first, name="model.onnx")
    assert report.files[0].format is Format.ONNX
    assert "ONNX-EXTERNAL-DATA-ESCAPE" in {f.rule_id for f in report.findings}


def test_tensorflow_fingerprint_is_not_onnx_and_passes(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(crafted.fingerprint(), name="fingerprint.pb")
    assert report.files[0].format is Format.TF_FINGERPRINT
    assert report.findings == ()


# -- Keras JSON ----------------------------------------------------------------------------------

def test_keras_config_with_unicode_escapes(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    archive = keras_zip("Dense")
    config = json.dumps({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "PLACEHOLDER", "config": {"name": "evil"}}]}}).replace("PLACEHOLDER", "\\u004cambda")
    assert json.loads(config)["config"]["layers"][0]["class_name"] == "Lambda"
    data = zip_bytes({"config.json": config.encode(), "metadata.json": b"{}"})
    assert archive and worst(scan_bytes(data, name="m.keras")) is Severity.CRITICAL


# -- pickle frames -------------------------------------------------------------------------------

def _frame(body: bytes) -> bytes:
    return b"\x95" + struct.pack("<Q", len(body)) + body


def test_opcode_straddling_a_frame_boundary(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    body = sg("os", "system") + u("id") + b"\x85R" + STOP
    data = proto(4) + _frame(body[:5]) + body[5:]  # the first frame ends inside SHORT_BINUNICODE
    assert imports_first(data) == "os.system"  # the C unpickler reads across the boundary
    assert worst(scan_bytes(data)) is Severity.CRITICAL


def test_a_line_straddling_a_frame_reads_differently_from_a_file(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    # pickle.loads reads the GLOBAL's module line on across the frame's end ("xxos");
    # pickle.load of a file drops the rest of the frame and reads the line fresh ("os").
    body = b"cxx" + b"os\nsystem\n(" + u("id") + b"tR" + STOP
    data = proto(4) + _frame(body[:3]) + body[3:]
    assert imports_first(data) == "os.system"
    assert imports_first(data[:2] + body) == "xxos.system"  # the same opcodes without the frame
    report = scan_bytes(data)
    assert worst(report) is Severity.CRITICAL
    assert "PICKLE-FRAME-MISMATCH" in {f.rule_id for f in report.findings}


@pytest.mark.parametrize("cut", range(1, 12))
def test_binbytes_data_straddling_a_frame_is_read_on(scan_bytes, cut: int) -> None:  # type: ignore[no-untyped-def]
    body = b"B" + struct.pack("<I", 4) + b"abcd" + b"0" + sg("os", "system") + u("id") + b"\x85R" + STOP
    data = proto(4) + _frame(body[:cut]) + body[cut:]
    expected = imports_first(data)
    report = scan_bytes(data)
    if expected == "os.system":
        assert worst(report) is Severity.CRITICAL, cut
    straddles = cut not in (9, 10)  # 9 and 10 are opcode boundaries
    assert ("PICKLE-FRAME-MISMATCH" in {f.rule_id for f in report.findings}) == straddles, cut
