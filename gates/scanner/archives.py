"""Compressed streams (gzip, bzip2, xz, lzma, zlib) and tar archives: open them and scan inside.

Compressed streams are how joblib writes ``compress=`` files; they are decompressed up to
512 MiB (and 4 GiB per top-level file) and the result is scanned like a file. Tar members
are scanned in place; links are listed, never followed.
"""

from __future__ import annotations

import bz2
import io
import lzma
import tarfile
import zlib
from collections.abc import Callable
from typing import Any

from gates.model import Severity
from gates.scanner.context import MAX_MEMBER_BYTES, MAX_MEMBERS, MAX_TOTAL_DECOMPRESSED, ScanContext
from gates.scanner.opcodes import Buffer
from gates.scanner.report import Format

BlobScanner = Callable[[ScanContext, Buffer, int, int, str, int], Format]
_CHUNK = 1 << 20


def _decompressor(codec: str):  # type: ignore[no-untyped-def]
    if codec == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if codec == "zlib":
        return zlib.decompressobj()
    if codec == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(lzma.FORMAT_XZ if codec == "xz" else lzma.FORMAT_ALONE)


class DecompressionLimit(Exception):
    """The output would exceed the bound."""


DECOMPRESS_ERRORS = (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError)


def decompress_bounded(engine: Any, buf: Buffer, start: int, end: int, limit: int,
                       next_engine: Callable[[], Any] | None = None) -> bytes:
    """Feed ``buf[start:end]`` to ``engine`` in 1 MiB chunks; at most ``limit`` bytes out.

    With ``next_engine``, a stream that ends before the data does is followed by the next
    member, as Python's ``gzip``/``bz2``/``lzma`` readers and joblib's readers do: NUL padding
    between gzip members is skipped, and bytes after the last member that start no valid
    stream end the data (the readers ignore them or fail after returning everything before).
    Raises :class:`DecompressionLimit` beyond the limit and the codec's own error on corrupt
    data in the first member (one of ``DECOMPRESS_ERRORS``). Never holds more than ``limit``
    + 1 MiB in memory.
    """
    out, total, pos, pending, members = [], 0, start, b"", 0
    while True:
        if getattr(engine, "eof", False):
            if next_engine is None:
                break
            pending, pos = _next_member(engine.unused_data, buf, pos, end)
            if not pending:
                break
            engine, members = next_engine(), members + 1
        if pending:
            chunk, pending = pending, b""
        elif pos < end:
            chunk = bytes(buf[pos:min(end, pos + _CHUNK)])
            pos += len(chunk)
        else:
            break
        try:
            data = engine.decompress(chunk, limit + 1 - total)
        except DECOMPRESS_ERRORS:
            if members:
                break  # trailing garbage after a complete member
            raise
        total += len(data)
        if total > limit:
            raise DecompressionLimit
        out.append(data)
    return b"".join(out)


def _next_member(unused: bytes, buf: Buffer, pos: int, end: int) -> tuple[bytes, int]:
    """The start of the next member (past NUL padding) and the position after it in ``buf``."""
    rest = unused.lstrip(b"\x00")
    while not rest and pos < end:
        rest = bytes(buf[pos:min(end, pos + _CHUNK)]).lstrip(b"\x00")
        pos = min(end, pos + _CHUNK)
    return rest, pos


def scan_compressed(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None,
                    depth: int, codec: str, scan: BlobScanner) -> None:
    """Decompress every member (bounded) and scan the concatenation as ``member[codec]``."""
    label = f"{member or ''}[{codec}]"
    limit = min(MAX_MEMBER_BYTES, MAX_TOTAL_DECOMPRESSED - ctx.decompressed)
    try:
        data = decompress_bounded(_decompressor(codec), buf, start, end, limit,
                                  next_engine=lambda: _decompressor(codec))
    except DecompressionLimit:
        ctx.add("ARCHIVE-LIMIT", Severity.HIGH, member,
                f"{codec} stream decompresses to more than {limit >> 20} MiB; it was not inspected",
                f"{codec}-too-large")
        return
    except DECOMPRESS_ERRORS as exc:
        if codec in ("zlib", "lzma") and isinstance(exc, (zlib.error, lzma.LZMAError)):
            return  # a weak magic number: not really compressed data
        ctx.add("ARCHIVE-UNSCANNABLE", Severity.HIGH, member,
                f"{codec} stream is corrupt ({exc}); its content was not inspected", f"{codec}-corrupt")
        return
    ctx.decompressed += len(data)
    found = scan(ctx, data, 0, len(data), label, depth + 1)
    ctx.members.append(f"{label}: {found.value}")


class View(io.RawIOBase):
    """A seekable read-only file over ``buf[start:end]`` without copying it."""

    def __init__(self, buf: Buffer, start: int, end: int) -> None:
        self._buf, self._start, self._end, self._pos = buf, start, end, start

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos - self._start

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: self._start, 1: self._pos, 2: self._end}[whence]
        self._pos = max(self._start, min(self._end, base + offset))
        return self.tell()

    def readinto(self, target) -> int:  # type: ignore[no-untyped-def]
        data = bytes(self._buf[self._pos:min(self._end, self._pos + len(target))])
        target[:len(data)] = data
        self._pos += len(data)
        return len(data)


def scan_tar(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None,
             depth: int, scan: BlobScanner) -> None:
    """Scan every regular file of a tar archive in place."""
    prefix = f"{member}!" if member else ""
    try:
        with tarfile.open(fileobj=View(buf, start, end), mode="r:") as archive:
            for count, info in enumerate(archive):
                if count >= MAX_MEMBERS:
                    ctx.add(
                        "ARCHIVE-LIMIT", Severity.HIGH, member, f"more than {MAX_MEMBERS} tar members", "tar-members"
                    )
                    break
                label = prefix + info.name
                if not info.isfile():
                    ctx.members.append(f"{label}: {'link' if info.issym() or info.islnk() else 'not a file'}")
                    continue
                lo = start + info.offset_data
                found = scan(ctx, buf, lo, min(end, lo + info.size), label, depth + 1)
                ctx.members.append(f"{label}: {found.value}")
    except tarfile.TarError as exc:
        ctx.add("ZIP-MALFORMED", Severity.HIGH, member, f"tar archive is malformed ({exc})", "tar")
