"""Scan the members of a zip archive (PyTorch checkpoints, .npz, .keras, any zip).

Decisions:

* Every member listed in the central directory is scanned by content, whatever its name,
  and so is every member found only by a local header in the gaps between listed members
  (``ZIP-HIDDEN-MEMBER``, high). Name or flag mismatches between local and central headers
  and overlapping members are ``ZIP-MALFORMED`` (high): only attacks produce them.
* PyTorch checkpoints (a ``data.pkl`` member): the tensor storages (``<prefix>/data/<n>``)
  are never read; ``torch.load`` treats them as raw bytes. So a checkpoint costs time in
  proportion to its pickle, not its weights.
* TorchScript archives (``code/`` and ``constants.pkl`` beside ``data.pkl``) give one
  ``TORCHSCRIPT-CODE`` finding (medium): they carry programs. Their ``__torch__.*`` pickle
  classes are defined by that code, not imported from Python, so they are not reported.
* Members flagged encrypted (flag bits 0x1/0x20/0x40) are still read as if they were not:
  PyTorch's zip reader ignores those flags, which is how ``malicious1_0x1.zip`` hides a
  pickle from ``zipfile``-based scanners. When the bytes are no known format (really
  encrypted), ``ZIP-ENCRYPTED-MEMBER`` is reported: high when the member name looks like a
  model/pickle file, medium otherwise (``benign_password_protected.zip``): no standard loader
  can read an encrypted member without its password, but its content stays uninspected.
* A compressed ``.npy`` member without Python objects is checked from its header alone
  (``np.load`` unpickles nothing in it), so a compressed ``.npz`` costs no decompression.
* Other deflate, bzip2 and LZMA members are decompressed up to 512 MiB each and 4 GiB per file;
  beyond that, or for other methods (zstd, ...), ``ARCHIVE-LIMIT``/``ARCHIVE-UNSCANNABLE`` (high).
"""

from __future__ import annotations

import bz2
import lzma
import re
import struct
import zlib
from collections.abc import Callable
from typing import Any

from gates.model import Severity
from gates.scanner.archives import DECOMPRESS_ERRORS, DecompressionLimit, decompress_bounded
from gates.scanner.context import MAX_MEMBER_BYTES, MAX_MEMBERS, MAX_TOTAL_DECOMPRESSED, ScanContext
from gates.scanner.npy import npy_is_plain
from gates.scanner.opcodes import Buffer
from gates.scanner.pickles import search_embedded
from gates.scanner.report import Format
from gates.scanner.zip_index import ZipEntry, read_index

BlobScanner = Callable[[ScanContext, Buffer, int, int, str, int], Format]
_PEEK = 64 << 10  # compressed .npy members: enough for any header
_STORAGE = re.compile(r"(^|/)data/\d+$")
_MODELISH = re.compile(
    r"\.(pkl|pickle|pt|pth|bin|ckpt|joblib|npy|npz|dat|data|h5|keras|onnx|safetensors)$|data\.pkl$", re.I
)


def _engine(entry: ZipEntry, buf: Buffer) -> tuple[Any, int] | None:
    """A decompressor for the member's method and where its compressed stream starts."""
    if entry.method == 8:
        return zlib.decompressobj(-15), entry.data_start
    if entry.method == 12:
        return bz2.BZ2Decompressor(), entry.data_start
    if entry.method == 14 and entry.compressed_size >= 4:  # 2-byte version, 2-byte size, LZMA1 properties
        (size,) = struct.unpack_from("<H", buf, entry.data_start + 2)
        props = bytes(buf[entry.data_start + 4:entry.data_start + 4 + size])
        try:
            decode = getattr(lzma, "_decode_filter_properties")  # noqa: B009 - private, absent from typeshed
            filters = [decode(lzma.FILTER_LZMA1, props)]
        except lzma.LZMAError:
            return None
        return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters), entry.data_start + 4 + size
    return None


def _peek(buf: Buffer, entry: ZipEntry, size: int) -> bytes:
    """Up to ``size`` decompressed bytes from the member's start (b"" when it cannot)."""
    engine = _engine(entry, buf)
    if engine is None:
        return b""
    try:
        data: bytes = engine[0].decompress(bytes(buf[engine[1]:min(entry.data_end, engine[1] + size)]), size)
        return data
    except DECOMPRESS_ERRORS:
        return b""


def _inflate(ctx: ScanContext, buf: Buffer, entry: ZipEntry) -> bytes | None:
    """The member's decompressed bytes (bounded); None for an unsupported method or corrupt data
    (b"" when the member is flagged encrypted: then the bytes are ciphertext)."""
    engine = _engine(entry, buf)
    if engine is None:
        return None
    limit = min(MAX_MEMBER_BYTES, MAX_TOTAL_DECOMPRESSED - ctx.decompressed)
    try:
        data = decompress_bounded(engine[0], buf, engine[1], entry.data_end, limit)
    except DECOMPRESS_ERRORS:
        return b"" if entry.encrypted else None
    ctx.decompressed += len(data)
    return data


def scan_zip(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None, depth: int,
             scan: BlobScanner) -> Format:
    """Scan every member; return PYTORCH_ZIP, NUMPY_ZIP, KERAS or ZIP."""
    index = read_index(buf, start, end, MAX_MEMBERS)
    prefix = f"{member}!" if member else ""
    for problem in index.problems:
        if problem.startswith("LIMIT: "):
            ctx.add("ARCHIVE-LIMIT", Severity.HIGH, member, problem[7:], "members")
        else:
            ctx.add("ZIP-MALFORMED", Severity.HIGH, member, f"zip structure: {problem}", problem)
    names = [e.name for e in index.entries]
    torch_zip = any(n == "data.pkl" or n.endswith("/data.pkl") for n in names)
    torchscript = torch_zip and any(n.startswith("code/") or "/code/" in n for n in names) \
        and any(n.endswith("constants.pkl") for n in names)
    if torchscript:
        ctx.torchscript = True
        ctx.add("TORCHSCRIPT-CODE", Severity.MEDIUM, member,
                "TorchScript archive: the programs in its code/ directory run in the TorchScript interpreter "
                "when torch.jit.load opens it (torch.load dispatches there too). TorchScript cannot import "
                "Python modules, but it is code: review it, or ship weights as safetensors", "torchscript")
    formats: list[Format] = []
    storages = 0
    for entry in index.entries:
        if torch_zip and _STORAGE.search(entry.name) and not entry.encrypted:
            storages += 1
            continue
        formats.append(_member(ctx, buf, entry, prefix + entry.name, depth, scan))
    for entry in index.hidden:
        label = prefix + entry.name
        ctx.add("ZIP-HIDDEN-MEMBER", Severity.HIGH, member,
                f"member {entry.name!r} at byte {entry.header_offset - start} is not listed in the "
                "central directory: directory-based readers never see it, streaming readers do",
                entry.name)
        _member(ctx, buf, entry, label, depth, scan)
    for lo, hi in index.gaps:
        search_embedded(ctx, buf, lo, hi, member)
    if storages:
        ctx.members.append(f"{prefix}data/* ({storages} tensor storages, not read)")
    if torchscript:
        return Format.TORCHSCRIPT
    if torch_zip:
        return Format.PYTORCH_ZIP
    if "config.json" in names and ("metadata.json" in names or "model.weights.h5" in names):
        return Format.KERAS
    if formats and all(f is Format.NUMPY for f in formats):
        return Format.NUMPY_ZIP
    return Format.ZIP


def _member(ctx: ScanContext, buf: Buffer, entry: ZipEntry, label: str, depth: int, scan: BlobScanner) -> Format:
    if entry.method == 0:
        data_buf: Buffer = buf
        lo, hi = entry.data_start, entry.data_end
    elif npy_is_plain(head := _peek(buf, entry, _PEEK), 0, len(head)):
        ctx.members.append(f"{label}: {Format.NUMPY.value} (header only)")  # np.load unpickles nothing here
        return Format.NUMPY
    else:
        try:
            inflated = _inflate(ctx, buf, entry)
        except DecompressionLimit:
            ctx.add("ARCHIVE-LIMIT", Severity.HIGH, label,
                    f"member decompresses to more than {MAX_MEMBER_BYTES >> 20} MiB (or the file's "
                    "budget is spent); it was not inspected", "too-large")
            return Format.UNKNOWN
        if inflated is None:
            ctx.add("ARCHIVE-UNSCANNABLE", Severity.HIGH, label,
                    f"compression method {entry.method} is not supported or the data is corrupt; "
                    "the member was not inspected", f"method-{entry.method}")
            return Format.UNKNOWN
        data_buf, lo, hi = inflated, 0, len(inflated)
    found = scan(ctx, data_buf, lo, hi, label, depth + 1)
    ctx.members.append(f"{label}: {found.value}")
    if entry.encrypted and found in (Format.UNKNOWN, Format.EMPTY):
        high = bool(_MODELISH.search(entry.name))
        ctx.add("ZIP-ENCRYPTED-MEMBER", Severity.HIGH if high else Severity.MEDIUM, label,
                "member is encrypted: its content cannot be inspected. Standard model loaders cannot "
                "read it without the password; ship models unencrypted and verify them by hash",
                "encrypted")
    return found
