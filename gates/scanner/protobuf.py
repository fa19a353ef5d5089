"""A minimal protobuf wire-format reader: fields are walked in place, payloads never copied.

Used for ONNX (:mod:`.onnx_check`) and TensorFlow (:mod:`.tf_check`) files, so neither
``onnx`` nor ``tensorflow`` nor ``protobuf`` is needed. Recognising a format means parsing
its top-level message: every field must be well formed with the wire type the schema gives
it (:func:`conforms`), as a real parser would accept it; field order is free and unknown
fields are allowed, as in protobuf itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from gates.scanner.opcodes import Buffer

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class Malformed(Exception):
    """The bytes are not a well-formed protobuf message."""


def varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it."""
    value, shift = 0, 0
    while True:
        if pos >= end or shift > 63:
            raise Malformed(f"bad varint at byte {pos}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def fields(buf: Buffer, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or start, end) for each field of ``buf[start:end]``."""
    pos = start
    while pos < end:
        key, pos = varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise Malformed(f"field number 0 at byte {pos}")
        if wire == VARINT:
            value, pos = varint(buf, pos, end)
            yield number, wire, value, pos
        elif wire == LENGTH:
            length, pos = varint(buf, pos, end)
            if pos + length > end:
                raise Malformed(f"field {number} runs past its message")
            yield number, wire, pos, pos + length
            pos += length
        elif wire in (FIXED64, FIXED32):
            pos += 8 if wire == FIXED64 else 4
            if pos > end:
                raise Malformed(f"field {number} runs past its message")
            yield number, wire, pos, pos
        else:
            raise Malformed(f"unsupported wire type {wire} at byte {pos}")


def conforms(buf: Buffer, start: int, end: int, schema: Mapping[int, int], required: frozenset[int]) -> bool:
    """True when ``buf[start:end]`` parses, known fields have their wire types (``schema``:
    number -> wire type) and every ``required`` field number occurs."""
    seen: set[int] = set()
    try:
        for number, wire, _a, _b in fields(buf, start, end):
            expected = schema.get(number)
            if expected is not None and expected != wire:
                return False
            seen.add(number)
    except Malformed:
        return False
    return required <= seen



def text(buf: Buffer, lo: int, hi: int) -> str:
    """A string field's value (invalid UTF-8 replaced)."""
    return bytes(buf[lo:hi]).decode("utf-8", "replace")


def submessages(buf: Buffer, start: int, end: int, number: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each length-delimited field ``number``."""
    for num, wire, lo, hi in fields(buf, start, end):
        if num == number and wire == LENGTH:
            yield lo, hi
