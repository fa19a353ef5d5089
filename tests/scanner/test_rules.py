"""Every rule id the scanner can emit is registered with a title, a help link and its CWE."""

from __future__ import annotations

import gzip
import pickle
import re
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

import gates.scanner
from gates.scanner import RULES, Format
from tests.scanner import crafted
from tests.scanner.malicious import (
    joblib_dual,
    keras_zip,
    legacy_torch,
    onnx_with_location,
    safetensors,
    tar_bytes,
    zip_bytes,
)

SOURCE = Path(gates.scanner.__file__).parent
RULE_LITERAL = re.compile(
    r'"((?:PICKLE|ZIP|ARCHIVE|SAFETENSORS|KERAS|ONNX|NUMPY|MODEL|TORCHSCRIPT|GGUF|CHAT|TF|TFLITE)-[A-Z-]+)"')


def test_every_emitted_rule_is_registered() -> None:
    used = {m for path in SOURCE.glob("*.py") for m in RULE_LITERAL.findall(path.read_text())}
    assert used, "no rule ids found in the scanner sources"
    assert used <= set(RULES), used - set(RULES)
    assert set(RULES) <= used, set(RULES) - used  # no dead rules either


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_metadata(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.title and rule.help_uri.startswith("https://")
    if rule_id.startswith("PICKLE-") and rule_id not in ("PICKLE-TRAILING-DATA",):
        assert 502 in rule.cwe


def _npy(descr: str = "<f8") -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (0,), }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()


SAMPLES: dict[Format, Callable[[], bytes]] = {
    Format.PICKLE: lambda: pickle.dumps({"a": [1, 2]}),
    Format.PYTORCH_ZIP: lambda: zip_bytes({"archive/data.pkl": pickle.dumps({}, protocol=2)}),
    Format.PYTORCH_LEGACY: lambda: legacy_torch(pickle.dumps({}, protocol=2)),
    Format.TORCHSCRIPT: lambda: zip_bytes({"m/data.pkl": pickle.dumps({}, protocol=2), "m/code/__torch__/m.py": b"",
                                           "m/constants.pkl": pickle.dumps((), protocol=2)}),
    Format.JOBLIB: lambda: joblib_dual(b"\x00\x01\x02"),
    Format.NUMPY: _npy,
    Format.NUMPY_ZIP: lambda: zip_bytes({"a.npy": _npy()}),
    Format.ZIP: lambda: zip_bytes({"notes.txt": b"hello"}),
    Format.TAR: lambda: tar_bytes("notes.txt", b"hello"),
    Format.COMPRESSED: lambda: gzip.compress(b"hello"),
    Format.SEVEN_ZIP: lambda: b"7z\xbc\xaf\x27\x1c" + b"\x00" * 26,
    Format.SAFETENSORS: lambda: safetensors({"__metadata__": {"k": "v"}}, b""),
    Format.KERAS: lambda: keras_zip("Dense"),
    Format.HDF5: lambda: b"\x89HDF\r\n\x1a\n" + b"\x00" * 64,
    Format.ONNX: lambda: onnx_with_location("weights/w.bin"),
    Format.JSON: lambda: b'{"a": 1}',
    Format.GGUF: lambda: crafted.gguf_raw([("general.name", 8, crafted.gguf_string("m"))]),
    Format.TENSORFLOW: lambda: crafted.saved_model(crafted.graph_def([crafted.node_def("c", "Const")])),
    Format.TF_FINGERPRINT: crafted.fingerprint,
    Format.TFLITE: lambda: crafted.tflite([(3, None)]),
    Format.EMPTY: lambda: b"",
    Format.UNKNOWN: lambda: b"\x00\x01\x02 plain bytes",
}


@pytest.mark.parametrize("fmt", list(Format), ids=[f.value for f in Format])
def test_every_format_is_detected_from_content(scan_bytes, fmt: Format) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(SAMPLES[fmt](), name="no-telling-name.dat")
    assert report.files[0].format is fmt
