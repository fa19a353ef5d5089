"""Detect a byte range's format from its content and scan it with the right checker.

Order of detection: zip, NumPy ``.npy``, 7z, HDF5, compressed streams (gzip, bzip2, xz,
lzma, zlib: joblib's compressed files), tar, safetensors, pickle with a ``PROTO`` header,
ONNX, JSON, then a protocol-0/1 pickle. Anything else is ``unknown``; unknown ranges up to
16 MiB are still searched for embedded pickle streams.

Decision: 7z archives cannot be opened without a dependency the project does not take, so
they give ``ARCHIVE-UNSCANNABLE`` (high) and are searched for stored (uncompressed) pickles,
which is how ``malicious1.7z`` is also reported critical. LZ4 and Zstandard streams (joblib's
``compress="lz4"``) need a dependency too: ``ARCHIVE-UNSCANNABLE`` (high), fail closed.
"""

from __future__ import annotations

from gates.model import Severity
from gates.scanner import archives, keras_check, onnx_check, safetensors_check
from gates.scanner.context import EMBED_SEARCH_BYTES, MAX_DEPTH, ScanContext
from gates.scanner.npy import scan_npy
from gates.scanner.opcodes import Buffer
from gates.scanner.pickles import scan_pickles, search_embedded, starts_with_proto
from gates.scanner.report import Format
from gates.scanner.zips import scan_zip

_COMPRESSED = (
    (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x5d\x00\x00", "lzma"),
)


def scan_blob(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None, depth: int = 0) -> Format:
    """Scan ``buf[start:end]`` (a file or an archive member) and return its format."""
    end = min(end, len(buf))
    if end <= start:
        return Format.EMPTY
    head = bytes(buf[start:start + 16])
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if depth >= MAX_DEPTH:
            return _too_deep(ctx, member)
        return scan_zip(ctx, buf, start, end, member, depth, scan_blob)
    if head.startswith(b"\x93NUMPY"):
        return scan_npy(ctx, buf, start, end, member)
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        ctx.add("ARCHIVE-UNSCANNABLE", Severity.HIGH, member,
                "7z archives cannot be inspected by this scanner; unpack it and scan the files, or "
                "ship models as safetensors/zip", "7z")
        search_embedded(ctx, buf, start, end, member)
        return Format.SEVEN_ZIP
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        keras_check.scan_hdf5(ctx, buf, start, end, member)
        return Format.HDF5
    if head.startswith((b"\x04\x22\x4d\x18", b"\x28\xb5\x2f\xfd")):  # LZ4 frame, Zstandard frame
        ctx.add("ARCHIVE-UNSCANNABLE", Severity.HIGH, member,
                "LZ4/Zstandard-compressed data (joblib compress='lz4' writes it) cannot be decompressed "
                "without an extra dependency; it was not inspected. Use zlib/gzip/xz compression or none",
                "lz4-zstd")
        return Format.COMPRESSED
    codec = _compression(head)
    if codec is not None:
        if depth >= MAX_DEPTH:
            return _too_deep(ctx, member)
        archives.scan_compressed(ctx, buf, start, end, member, depth, codec, scan_blob)
        return Format.COMPRESSED
    if end - start > 262 and bytes(buf[start + 257:start + 262]) == b"ustar":
        if depth >= MAX_DEPTH:
            return _too_deep(ctx, member)
        archives.scan_tar(ctx, buf, start, end, member, depth, scan_blob)
        return Format.TAR
    if safetensors_check.looks_like(head):
        safetensors_check.scan(ctx, buf, start, end, member)
        return Format.SAFETENSORS
    if starts_with_proto(buf, start, end):
        return _pickle_format(ctx, buf, start, end, member, definite=True)
    if onnx_check.looks_like(buf, start, end):
        onnx_check.scan(ctx, buf, start, end, member)
        return Format.ONNX
    if head[:1] in (b"{", b"[") and keras_check.scan_json(ctx, buf, start, end, member):
        return Format.JSON
    found = _pickle_format(ctx, buf, start, end, member, definite=False)
    if found is not Format.UNKNOWN:
        return found
    if end - start <= EMBED_SEARCH_BYTES:
        search_embedded(ctx, buf, start, end, member)
    return Format.UNKNOWN


def _too_deep(ctx: ScanContext, member: str | None) -> Format:
    ctx.add("ARCHIVE-LIMIT", Severity.HIGH, member,
            f"archives nested more than {MAX_DEPTH} deep were not opened", "depth")
    return Format.UNKNOWN


def _compression(head: bytes) -> str | None:
    for magic, codec in _COMPRESSED:
        if head.startswith(magic):
            return codec
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return None


def _pickle_format(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None,
                   *, definite: bool) -> Format:
    summary = scan_pickles(ctx, buf, start, end, member, definite=definite)
    if summary is None:
        return Format.UNKNOWN
    if summary.legacy_torch:
        return Format.PYTORCH_LEGACY
    return Format.JOBLIB if summary.joblib else Format.PICKLE
