"""Detect a byte range's format from its content and scan it with the right checker.

Order of detection: zip, NumPy ``.npy``, 7z, HDF5, compressed streams (gzip, bzip2, xz,
lzma, zlib: joblib's compressed files), tar, GGUF, TFLite, safetensors, pickle with a
``PROTO`` header, ONNX and TensorFlow protobufs (parsed, see :mod:`.protobuf`), JSON, then a
protocol-0/1 pickle. Whatever the format, the range is also walked as a pickle from its
first byte (a polyglot gives ``MODEL-POLYGLOT``). Anything else is ``unknown``; unknown ranges up to
16 MiB are still searched for embedded pickle streams.

Decision: 7z archives cannot be opened without a dependency the project does not take, so
they give ``ARCHIVE-UNSCANNABLE`` (high) and are searched for stored (uncompressed) pickles,
which is how ``malicious1.7z`` is also reported critical. LZ4 and Zstandard streams (joblib's
``compress="lz4"``) need a dependency too: ``ARCHIVE-UNSCANNABLE`` (high), fail closed.
"""

from __future__ import annotations

from gates.model import Severity
from gates.scanner import archives, gguf_check, keras_check, onnx_check, safetensors_check, tf_check, tflite_check
from gates.scanner.context import EMBED_SEARCH_BYTES, MAX_DEPTH, ScanContext
from gates.scanner.joblib_arrays import make_hook
from gates.scanner.npy import scan_npy
from gates.scanner.opcodes import Buffer
from gates.scanner.pickle_walk import walk
from gates.scanner.pickles import check_frames, looks_like_pickle, scan_pickles, search_embedded, starts_with_proto
from gates.scanner.report import Format
from gates.scanner.zips import scan_zip

_COMPRESSED = (
    (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x5d\x00\x00", "lzma"),
)


def scan_blob(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None, depth: int = 0) -> Format:
    """Scan ``buf[start:end]`` (a file or an archive member) and return its format.

    A range detected as anything but a pickle is also walked as a pickle from its first byte
    (:func:`_also_pickle`): ``pickle.load`` ignores magic numbers.
    """
    end = min(end, len(buf))
    if end <= start:
        return Format.EMPTY
    found = _detect_and_scan(ctx, buf, start, end, member, depth)
    if found not in _PICKLE_FORMATS and bytes(buf[start:start + 1]) not in (b"P", b"\x00"):
        _also_pickle(ctx, buf, start, end, member, found)
    return found


# walked as pickles already (UNKNOWN: the walk from the first byte found no pickle)
_PICKLE_FORMATS = frozenset({Format.PICKLE, Format.JOBLIB, Format.PYTORCH_LEGACY, Format.EMPTY, Format.UNKNOWN})


def _also_pickle(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None, found: Format) -> None:
    """Report a polyglot: bytes of another format that ``pickle.load`` also runs as a pickle.

    ``PERSID`` first (every zip starts with ``P``) is skipped: a plain unpickler refuses it.
    """
    result = walk(buf, start, end, make_hook())
    if not (result.globals and looks_like_pickle(result, ctx.policy)):
        return
    ctx.add("MODEL-POLYGLOT", Severity.HIGH, member,
            f"the {found.value} data is also a pickle from its first byte that imports globals: "
            "pickle.load (and loaders built on it) runs it whatever the file looks like", found.value)
    ctx.pickles += 1
    ctx.add_walk(result, member, f" (the {found.value} data read as a pickle)", buf=buf)
    check_frames(ctx, buf, result, end, member, f" (the {found.value} data read as a pickle)")


def _detect_and_scan(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None,
                     depth: int) -> Format:
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
    if gguf_check.looks_like(head):
        gguf_check.scan(ctx, buf, start, end, member)
        return Format.GGUF
    if tflite_check.looks_like(buf, start, end):
        tflite_check.scan(ctx, buf, start, end, member)
        return Format.TFLITE
    if safetensors_check.looks_like(head):
        safetensors_check.scan(ctx, buf, start, end, member)
        return Format.SAFETENSORS
    if starts_with_proto(buf, start, end):
        return _pickle_format(ctx, buf, start, end, member, definite=True)
    if onnx_check.looks_like(buf, start, end):
        onnx_check.scan(ctx, buf, start, end, member)
        return Format.ONNX
    tf_kinds = tf_check.detect(buf, start, end)
    if tf_kinds:
        for kind in tf_kinds:
            tf_check.scan(ctx, buf, start, end, member, kind)
        return Format.TF_FINGERPRINT if tf_kinds == ("fingerprint",) else Format.TENSORFLOW
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
