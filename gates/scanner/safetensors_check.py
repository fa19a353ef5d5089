"""Validate a safetensors header without the safetensors library.

Spec (https://github.com/huggingface/safetensors#format): 8 bytes little-endian header size
N, N bytes of UTF-8 JSON (may be padded with spaces), then the data buffer. Each tensor
entry has a known ``dtype``, a ``shape`` of non-negative integers and ``data_offsets``
``[begin, end]`` relative to the buffer, with ``end - begin`` equal to the tensor's size;
entries must not overlap and must cover the whole buffer with no hole (a hole can hide
data). ``__metadata__`` is a string-to-string map. Each violation is one
``SAFETENSORS-BAD-HEADER`` finding (high): loaders reject such files, but a malformed header
is a sign of tampering or of an attack on the parser. Bytes after the last tensor are searched
for embedded pickles.
"""

from __future__ import annotations

import json
import math
import struct

from gates.model import Severity
from gates.scanner.context import ScanContext
from gates.scanner.opcodes import Buffer
from gates.scanner.pickles import search_embedded

MAX_HEADER = 100_000_000  # the safetensors library's own bound
_BITS = {"F64": 64, "F32": 32, "F16": 16, "BF16": 16, "I64": 64, "I32": 32, "I16": 16, "I8": 8,
         "U64": 64, "U32": 32, "U16": 16, "U8": 8, "BOOL": 8, "F8_E4M3": 8, "F8_E5M2": 8,
         "F8_E8M0": 8, "C64": 64, "C128": 128, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6}


def looks_like(head: bytes) -> bool:
    """An 8-byte length followed by ``{`` (whether the length fits is checked by :func:`scan`)."""
    if len(head) < 9 or head[8:9] != b"{":
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return bool(length >= 2)


def _duplicate_check(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate keys in the header")
    return dict(pairs)


def _problems(header: object, buffer_size: int) -> tuple[list[str], int]:
    """The problems, and how many buffer bytes the tensors cover (the rest is a tail)."""
    if not isinstance(header, dict):
        return ["header is not a JSON object"], 0
    problems: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not (isinstance(entry, dict) and all(isinstance(v, str) for v in entry.values())):
                problems.append("__metadata__ must map strings to strings")
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            problems.append(f"tensor {name!r} must have exactly dtype, shape and data_offsets")
            continue
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in _BITS:
            problems.append(f"tensor {name!r} has unknown dtype {dtype!r}")
            continue
        if not (
            isinstance(shape, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        ):
            problems.append(f"tensor {name!r} has an invalid shape {shape!r}")
            continue
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) for n in offsets)
                and 0 <= offsets[0] <= offsets[1] <= buffer_size):
            problems.append(f"tensor {name!r} has data_offsets {offsets!r} outside the {buffer_size}-byte buffer")
            continue
        if math.prod(shape) * _BITS[dtype] != 8 * (offsets[1] - offsets[0]):
            problems.append(f"tensor {name!r}: data_offsets span {offsets[1] - offsets[0]} bytes, "
                            f"but {dtype}{shape} needs {math.prod(shape) * _BITS[dtype] / 8:g}")
        spans.append((offsets[0], offsets[1], name))
    cursor, last = 0, None
    for lo, hi, name in sorted(spans):
        if lo < cursor:
            problems.append(f"tensors {last!r} and {name!r} overlap")
        elif lo > cursor:
            problems.append(f"{lo - cursor} bytes before tensor {name!r} belong to no tensor (a hole)")
        cursor, last = max(cursor, hi), name
    if cursor != buffer_size:
        problems.append(f"{buffer_size - cursor} bytes after the last tensor belong to no tensor")
    return problems, cursor


def scan(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> None:
    """Report every header problem of the safetensors file in ``buf[start:end]``.

    When the header is malformed, the bytes no valid tensor covers (all of them after the
    length when the header cannot be read) are searched for embedded pickles.
    """
    (length,) = struct.unpack("<Q", bytes(buf[start:start + 8]))
    unchecked = start + 8  # where the bytes no tensor accounts for begin
    if length > MAX_HEADER:
        problems = [f"header of {length} bytes exceeds the {MAX_HEADER}-byte limit"]
    elif 8 + length > end - start:
        problems = [f"header of {length} bytes runs past the end of the {end - start}-byte file"]
    else:
        raw = bytes(buf[start + 8:start + 8 + length])
        try:
            header = json.loads(raw.decode("utf-8").rstrip(" "), object_pairs_hook=_duplicate_check)
        except (UnicodeDecodeError, ValueError) as exc:
            problems = [f"header is not valid UTF-8 JSON ({exc})"]
        else:
            problems, covered = _problems(header, end - start - 8 - length)
            unchecked = start + 8 + length + covered
    for problem in problems:
        ctx.add("SAFETENSORS-BAD-HEADER", Severity.HIGH, member, f"safetensors header: {problem}", problem)
    if problems and unchecked < end:
        search_embedded(ctx, buf, unchecked, end, member)
