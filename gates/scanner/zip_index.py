"""Read a zip archive's structure ourselves: central directory, local headers, gaps.

``zipfile`` hides the tricks that matter here (a local header whose name differs from the
central directory's, members flagged encrypted that are not, data between members), so the
index is built by hand from the bytes, through a read-only buffer that never loads member
data. ZIP64 is supported (PyTorch checkpoints over 4 GiB use it).

Problems are returned as text, for ``ZIP-MALFORMED``/``ZIP-HIDDEN-MEMBER`` findings.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from gates.scanner.opcodes import Buffer

_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF + 22
ENCRYPTION_FLAGS = 0x01 | 0x20 | 0x40


@dataclass(frozen=True)
class ZipEntry:
    """One member: names from both headers, sizes, method, flags, and where its data lies."""

    name: str
    local_name: str
    method: int
    flags: int
    compressed_size: int
    size: int
    header_offset: int
    data_start: int
    from_central: bool = True

    @property
    def data_end(self) -> int:
        """Offset after the (compressed) data."""
        return self.data_start + self.compressed_size

    @property
    def encrypted(self) -> bool:
        """True when any encryption-related flag is set (0x1, 0x20, 0x40)."""
        return bool(self.flags & ENCRYPTION_FLAGS)


@dataclass(frozen=True)
class ZipIndex:
    """The members and the structural problems found."""

    entries: tuple[ZipEntry, ...]
    problems: tuple[str, ...]
    hidden: tuple[ZipEntry, ...]
    gaps: tuple[tuple[int, int], ...] = ()  # unlisted byte ranges longer than a data descriptor


def _name(raw: bytes, flags: int) -> str:
    return raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")


def _zip64_extra(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4:pos + 4 + length]
        if tag == 1:
            values = [usize, csize, offset]
            at = 0
            for i, value in enumerate(values):
                if value == 0xFFFFFFFF and at + 8 <= len(body):
                    values[i] = struct.unpack_from("<Q", body, at)[0]
                    at += 8
            return values[0], values[1], values[2]
        pos += 4 + length
    return usize, csize, offset


def _local(buf: Buffer, start: int, end: int, at: int, csize: int | None) -> ZipEntry | None:
    if at < start or at + 30 > end or bytes(buf[at:at + 4]) != _LOCAL:
        return None
    (_v, flags, method, _t, _d, _crc, lcsize, lusize, nlen, elen) = struct.unpack_from(
        "<HHHHHIIIHH", bytes(buf[at + 4:at + 30]))
    raw = bytes(buf[at + 30:at + 30 + nlen])
    extra = bytes(buf[at + 30 + nlen:at + 30 + nlen + elen])
    lusize, lcsize, _ = _zip64_extra(extra, lusize, lcsize, 0)
    size = csize if csize is not None else lcsize
    return ZipEntry(_name(raw, flags), _name(raw, flags), method, flags, size, lusize, at,
                    at + 30 + nlen + elen, from_central=csize is not None)


def _end_record(buf: Buffer, start: int, end: int) -> tuple[int, int, int, int] | None:
    """(entries, cd_size, cd_offset, eocd_pos) of the last end-of-central-directory record."""
    eocd = buf.rfind(_EOCD, max(start, end - _MAX_COMMENT), end)
    if eocd < 0 or eocd + 22 > end:
        return None
    _d, _dcd, _n, total, cd_size, cd_offset, _clen = struct.unpack_from("<HHHHIIH", bytes(buf[eocd + 4:eocd + 22]))
    if eocd - 20 >= start:
        locator = bytes(buf[eocd - 20:eocd])
        if locator[:4] == b"PK\x06\x07":
            rec = start + struct.unpack_from("<Q", locator, 8)[0]
            body = bytes(buf[rec:rec + 56])
            if len(body) == 56 and body[:4] == b"PK\x06\x06":
                total, cd_size, cd_offset = struct.unpack_from("<QQQ", body, 32)
                return total, cd_size, cd_offset, rec
    return total, cd_size, cd_offset, eocd


def read_index(buf: Buffer, start: int, end: int, max_members: int) -> ZipIndex:
    """Index the zip in ``buf[start:end]``; falls back to local headers without a directory."""
    problems: list[str] = []
    record = _end_record(buf, start, end)
    if record is None:
        problems.append("no end-of-central-directory record: members were found by their local headers")
        return ZipIndex(tuple(_walk_locals(buf, start, end, max_members)), tuple(problems), ())
    total, cd_size, cd_offset, eocd = record
    cd_start = eocd - cd_size
    shift = cd_start - (start + cd_offset)
    if cd_start < start or shift < 0:
        problems.append("central directory offset points outside the file")
        return ZipIndex(tuple(_walk_locals(buf, start, end, max_members)), tuple(problems), ())
    if shift:
        problems.append(f"{shift} bytes precede the archive (a self-extractor or a polyglot file)")
    entries: list[ZipEntry] = []
    pos = cd_start
    for _ in range(min(total, max_members)):
        head = bytes(buf[pos:pos + 46])
        if len(head) < 46 or head[:4] != _CENTRAL:
            problems.append(f"central directory entry at byte {pos - start} is malformed")
            break
        (_vm, _vn, flags, method, _t, _d, _crc, csize, usize, nlen, elen, clen, _dn, _ia, _ea,
         offset) = struct.unpack_from("<HHHHHHIIIHHHHHII", head, 4)
        raw = bytes(buf[pos + 46:pos + 46 + nlen])
        extra = bytes(buf[pos + 46 + nlen:pos + 46 + nlen + elen])
        usize, csize, offset = _zip64_extra(extra, usize, csize, offset)
        pos += 46 + nlen + elen + clen
        local = _local(buf, start, end, start + shift + offset, csize)
        name = _name(raw, flags)
        if local is None:
            problems.append(f"member {name!r}: no local header at byte {offset}")
            continue
        if local.local_name != name:
            problems.append(f"member {name!r} is named {local.local_name!r} in its local header")
        if (local.flags ^ flags) & ENCRYPTION_FLAGS or local.method != method:
            problems.append(f"member {name!r}: encryption flags or method differ between its local and "
                            "central headers")
        entry = ZipEntry(name, local.local_name, method, flags | local.flags, csize, usize,
                         local.header_offset, local.data_start)
        if entry.data_end > end:
            problems.append(f"member {name!r} runs past the end of the file; it was not read")
            continue
        if entry.data_end > cd_start:
            problems.append(f"member {name!r} runs into the central directory")
        entries.append(entry)
    if total > max_members:
        problems.append(f"LIMIT: archive lists {total} members; only the first {max_members} were checked")
    hidden, gaps = _hidden(buf, entries, start, cd_start, max_members)
    problems.extend(_overlaps(entries))
    return ZipIndex(tuple(entries), tuple(problems), tuple(hidden), tuple(gaps))


def _walk_locals(buf: Buffer, start: int, end: int, max_members: int) -> list[ZipEntry]:
    found: list[ZipEntry] = []
    pos = buf.find(_LOCAL, start, end)
    while pos >= 0 and len(found) < max_members:
        entry = _local(buf, start, end, pos, None)
        if entry is None or entry.data_end > end:
            break
        found.append(entry)
        pos = buf.find(_LOCAL, max(entry.data_end, pos + 4), end)
    return found


def _hidden(buf: Buffer, entries: list[ZipEntry], first: int, cd_start: int,
            limit: int) -> tuple[list[ZipEntry], list[tuple[int, int]]]:
    """Local headers in the gaps between listed members (invisible to directory readers)."""
    covered = sorted((e.header_offset, e.data_end) for e in entries)
    gaps, cursor = [], first
    for lo, hi in covered:
        if lo > cursor:
            gaps.append((cursor, lo))
        cursor = max(cursor, hi)
    if cd_start > cursor:
        gaps.append((cursor, cd_start))
    hidden: list[ZipEntry] = []
    for lo, hi in gaps:
        hidden.extend(e for e in _walk_locals(buf, lo, hi, limit) if e.data_end <= hi)
    return hidden, [(lo, hi) for lo, hi in gaps if hi - lo > 24]


def _overlaps(entries: list[ZipEntry]) -> list[str]:
    spans = sorted((e.header_offset, e.data_end, e.name) for e in entries)
    return [f"members {a!r} and {b!r} overlap" for (_s1, e1, a), (s2, _e2, b) in zip(spans, spans[1:]) if s2 < e1]
