"""Decode one pickle opcode and its argument from a buffer, without executing anything.

The decoder follows CPython's ``_pickle.c`` where it matters for safety: ``GLOBAL``/``INST``
names are strict UTF-8, every opcode of protocols 0-5 is accepted whatever the declared
protocol, and a length that runs past the end of the buffer is an error. Large literals are
not copied: their value is ``None`` and only their length is kept.
"""

from __future__ import annotations

import codecs
import mmap
import struct
from typing import Any

Buffer = bytes | bytearray | mmap.mmap
MAX_LITERAL = 1 << 20  # strings/bytes longer than this are kept as opaque values
MAX_LONG_BYTES = 4096  # LONG1/LONG4 longer than this are opaque


class PickleSyntaxError(Exception):
    """The bytes at ``offset`` are not a valid pickle opcode or argument."""

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        super().__init__(f"byte {offset}: {message}")


# code byte -> (name, argument kind)
OPCODES: dict[int, tuple[str, str]] = {
    ord(c): (name, kind) for c, name, kind in [
        ("(", "MARK", ""), (".", "STOP", ""), ("0", "POP", ""), ("1", "POP_MARK", ""),
        ("2", "DUP", ""), ("F", "FLOAT", "floatnl"), ("I", "INT", "intnl"), ("J", "BININT", "i4"),
        ("K", "BININT1", "u1"), ("L", "LONG", "longnl"), ("M", "BININT2", "u2"), ("N", "NONE", ""),
        ("P", "PERSID", "asciinl"), ("Q", "BINPERSID", ""), ("R", "REDUCE", ""),
        ("S", "STRING", "stringnl"), ("T", "BINSTRING", "s4"), ("U", "SHORT_BINSTRING", "s1"),
        ("V", "UNICODE", "unicodenl"), ("X", "BINUNICODE", "u4"), ("a", "APPEND", ""),
        ("b", "BUILD", ""), ("c", "GLOBAL", "names"), ("d", "DICT", ""), ("}", "EMPTY_DICT", ""),
        ("e", "APPENDS", ""), ("g", "GET", "decnl"), ("h", "BINGET", "u1"), ("i", "INST", "names"),
        ("j", "LONG_BINGET", "u4i"), ("l", "LIST", ""), ("]", "EMPTY_LIST", ""), ("o", "OBJ", ""),
        ("p", "PUT", "decnl"), ("q", "BINPUT", "u1"), ("r", "LONG_BINPUT", "u4i"),
        ("s", "SETITEM", ""), ("t", "TUPLE", ""), (")", "EMPTY_TUPLE", ""), ("u", "SETITEMS", ""),
        ("G", "BINFLOAT", "f8"), ("\x80", "PROTO", "u1"), ("\x81", "NEWOBJ", ""),
        ("\x82", "EXT1", "u1"), ("\x83", "EXT2", "u2"), ("\x84", "EXT4", "i4"),
        ("\x85", "TUPLE1", ""), ("\x86", "TUPLE2", ""), ("\x87", "TUPLE3", ""),
        ("\x88", "NEWTRUE", ""), ("\x89", "NEWFALSE", ""), ("\x8a", "LONG1", "long1"),
        ("\x8b", "LONG4", "long4"), ("B", "BINBYTES", "b4"), ("C", "SHORT_BINBYTES", "b1"),
        ("\x8c", "SHORT_BINUNICODE", "t1"), ("\x8d", "BINUNICODE8", "t8"),
        ("\x8e", "BINBYTES8", "b8"), ("\x8f", "EMPTY_SET", ""), ("\x90", "ADDITEMS", ""),
        ("\x91", "FROZENSET", ""), ("\x92", "NEWOBJ_EX", ""), ("\x93", "STACK_GLOBAL", ""),
        ("\x94", "MEMOIZE", ""), ("\x95", "FRAME", "u8"), ("\x96", "BYTEARRAY8", "b8"),
        ("\x97", "NEXT_BUFFER", ""), ("\x98", "READONLY_BUFFER", ""),
    ]
}
# BINUNICODE is a 4-byte-length text opcode: fix its kind (listed with the others above).
OPCODES[ord("X")] = ("BINUNICODE", "t4")

_FIXED = {"u1": ("<B", 1), "u2": ("<H", 2), "i4": ("<i", 4), "u4i": ("<I", 4), "u8": ("<Q", 8),
          "f8": (">d", 8)}
_LENGTH = {"s1": 1, "b1": 1, "t1": 1, "s4": 4, "b4": 4, "t4": 4, "b8": 8, "t8": 8}


def _line(buf: Buffer, pos: int, end: int) -> tuple[bytes, int]:
    nl = buf.find(b"\n", pos, end)
    if nl < 0:
        raise PickleSyntaxError(pos, "line argument has no terminating newline")
    return bytes(buf[pos:nl]), nl + 1


def _text(raw: bytes, pos: int, codec: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise PickleSyntaxError(pos, f"argument is not valid {codec}: {exc.reason}") from None


def _number(raw: bytes, pos: int, kind: str) -> Any:
    """INT/LONG accept what CPython's base-0 parsing accepts (``0x10`` too; the value of an
    octal-looking ``010`` may differ, which never matters here); PUT/GET indexes are base 10."""
    if kind == "intnl" and raw in (b"00", b"01"):
        return raw == b"01"
    text = raw[:-1] if kind == "longnl" and raw.endswith(b"L") else raw
    bases = (10,) if kind == "decnl" else (10, 0, 8)
    for base in bases:
        try:
            return float(text) if kind == "floatnl" else int(text, base)
        except ValueError:
            continue
    raise PickleSyntaxError(pos, f"bad number {raw[:40]!r}")


def _stringnl(raw: bytes, pos: int) -> str:
    if len(raw) < 2 or raw[0] != raw[-1] or raw[:1] not in (b"'", b'"'):
        raise PickleSyntaxError(pos, "the STRING opcode argument must be quoted")
    try:
        return codecs.escape_decode(raw[1:-1])[0].decode("latin-1")
    except ValueError as exc:
        raise PickleSyntaxError(pos, f"bad STRING escape: {exc}") from None


def decode(buf: Buffer, pos: int, end: int) -> tuple[str, Any, int]:
    """The opcode at ``pos``: ``(name, argument, position after it)``.

    Length-prefixed literals give ``(value or None, length)``; ``GLOBAL``/``INST`` give
    ``(module, name)``. Raises :class:`PickleSyntaxError` on anything CPython would reject.
    """
    if pos >= end:
        raise PickleSyntaxError(pos, "pickle data was truncated (no STOP opcode)")
    code = buf[pos]
    entry = OPCODES.get(code)
    if entry is None:
        raise PickleSyntaxError(pos, f"invalid opcode byte 0x{code:02x}")
    name, kind = entry
    at = pos + 1
    if not kind:
        return name, None, at
    if kind in _FIXED:
        fmt, size = _FIXED[kind]
        if at + size > end:
            raise PickleSyntaxError(pos, f"{name} argument runs past the end")
        return name, struct.unpack_from(fmt, buf, at)[0], at + size
    if kind in _LENGTH:
        size = _LENGTH[kind]
        if at + size > end:
            raise PickleSyntaxError(pos, f"{name} length runs past the end")
        length = int.from_bytes(buf[at:at + size], "little", signed=kind == "s4")
        start = at + size
        if length < 0 or start + length > end:
            raise PickleSyntaxError(pos, f"{name} of {length} bytes runs past the end of the data")
        value: Any = None
        if length <= MAX_LITERAL:
            data = buf[start:start + length]
            if kind[0] == "t":
                value = codecs.decode(data, "utf-8", "surrogatepass") if _utf8_ok(data, pos) else None
            elif kind[0] == "s":
                value = data.decode("latin-1")
            else:
                value = data
        return name, (value, length), start + length
    if kind in ("long1", "long4"):
        size = 1 if kind == "long1" else 4
        if at + size > end:
            raise PickleSyntaxError(pos, f"{name} length runs past the end")
        length = int.from_bytes(bytes(buf[at:at + size]), "little", signed=size == 4)
        start = at + size
        if length < 0 or start + length > end:
            raise PickleSyntaxError(pos, f"{name} of {length} bytes runs past the end of the data")
        value = (int.from_bytes(bytes(buf[start:start + length]), "little", signed=True)
                 if length <= MAX_LONG_BYTES else None)
        return name, value, start + length
    raw, after = _line(buf, at, end)
    if kind == "names":
        second, after2 = _line(buf, after, end)
        return name, (_text(raw, at, "utf-8"), _text(second, after, "utf-8")), after2
    if kind in ("floatnl", "intnl", "longnl", "decnl"):
        return name, _number(raw, at, kind), after
    if kind == "stringnl":
        return name, _stringnl(raw, at), after
    if kind == "unicodenl":
        return name, _text(raw, at, "raw-unicode-escape"), after
    return name, _text(raw, at, "ascii"), after  # PERSID


def _utf8_ok(data: bytes | bytearray, pos: int) -> bool:
    try:
        data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise PickleSyntaxError(pos, f"text is not valid UTF-8: {exc.reason}") from None
    return True


def _reads(kind: str) -> tuple[str, ...]:
    """The unpickler's read calls for an argument kind: "n<size>", "data" (length read before) or "line"."""
    if kind in _FIXED:
        return (f"n{_FIXED[kind][1]}",)
    if kind in _LENGTH:
        return (f"n{_LENGTH[kind]}", "data")
    if kind in ("long1", "long4"):
        return ("n1" if kind == "long1" else "n4", "data")
    if kind == "names":
        return ("line", "line")
    return ("line",) if kind else ()


def decode_framed(buf: Buffer, pos: int, end: int, frame_end: int) -> tuple[str, Any, int, int | None]:
    """Decode the opcode at ``pos`` inside a frame ending at ``frame_end`` the way CPython's C
    unpickler does when it reads a *file* (``pickle.load``; ``torch.load`` and ``joblib.load``
    too): a read that does not fit in the rest of the frame discards that rest and takes its
    bytes (or line) fresh from the file at ``frame_end``; the frame is over from then on. The
    data of ``BINBYTES``-family opcodes is the exception: it is read on across the boundary.
    Returns ``(name, argument, position after it, frame end still in force or None)``; a
    ``FRAME`` opcode returns its payload's start as the position and the new frame's end."""
    code = buf[pos]
    entry = OPCODES.get(code)
    if entry is None:
        raise PickleSyntaxError(pos, f"invalid opcode byte 0x{code:02x}")
    name, kind = entry
    cursor, active = pos + 1, frame_end  # type: int, int | None
    pieces: list[bytes] = []
    length = 0
    for read in _reads(kind) + (("frame",) if name == "FRAME" else ()):
        if read == "line":
            nl = buf.find(b"\n", cursor, active if active is not None else end)
            if nl < 0 and active is not None:
                cursor, active = active, None
                nl = buf.find(b"\n", cursor, end)
            if nl < 0:
                raise PickleSyntaxError(cursor, "line argument has no terminating newline")
            pieces.append(bytes(buf[cursor:nl + 1]))
            cursor = nl + 1
            continue
        size = int(read[1:]) if read[0] == "n" else length
        if active is not None and cursor + size > active:  # bytes data is read on (readinto)
            cursor, active = (cursor if read == "data" and kind[0] == "b" else active), None
        if cursor + size > end:
            raise PickleSyntaxError(cursor, f"{name} argument runs past the end of the data")
        if read == "frame":
            return name, size, cursor, cursor + size
        if read == "data" and size > MAX_LITERAL:
            return name, (None, size), cursor + size, active
        piece = bytes(buf[cursor:cursor + size])
        if read[0] == "n" and (kind not in _FIXED or name == "FRAME"):
            length = int.from_bytes(piece, "little", signed=read == "n4" and kind in ("s4", "long4"))
        pieces.append(piece)
        cursor += size
    synthetic = bytes([code]) + b"".join(pieces)
    decoded, arg, _after = decode(synthetic, 0, len(synthetic))
    return decoded, arg, cursor, active
