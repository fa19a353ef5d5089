"""TensorFlow Lite flatbuffers (file identifier ``TFL3``): the operator codes are judged.

A TFLite model runs builtin kernels only, except for custom operators: ops the application
must register itself, and "Flex" ops (custom code ``Flex<TensorFlowOp>``) that run full
TensorFlow kernels through the Flex delegate. The ``operator_codes`` vector of the Model
table is read from the flatbuffer (vtables, offsets and bounds checked by hand):

* a Flex op naming a TensorFlow code or file op (:data:`.tf_check.CODE_OPS`,
  :data:`.tf_check.FILE_OPS`) gives ``TF-CODE-OP`` (critical) / ``TF-FILE-OP`` (high);
* any other custom or Flex op gives ``TFLITE-CUSTOM-OP`` (info: its code is the
  application's, not the file's, e.g. ``TFLite_Detection_PostProcess``).

A flatbuffer that cannot be walked gives ``MODEL-NOT-SCANNED``. Subgraphs, tensors and
buffers (weights) are not read.
"""

from __future__ import annotations

import struct

from gates.model import Severity
from gates.scanner import tf_check
from gates.scanner.context import ScanContext
from gates.scanner.opcodes import Buffer

IDENTIFIER = b"TFL3"
_CUSTOM = 32
_MAX_CODES = 100_000


class _Bad(Exception):
    pass


def looks_like(buf: Buffer, start: int, end: int) -> bool:
    """A flatbuffer with the TFLite file identifier."""
    return end - start >= 16 and bytes(buf[start + 4:start + 8]) == IDENTIFIER


def _u32(buf: Buffer, at: int, lo: int, hi: int) -> int:
    if at < lo or at + 4 > hi:
        raise _Bad(f"offset {at - lo} out of bounds")
    return int(struct.unpack_from("<I", buf, at)[0])


def _field(buf: Buffer, table: int, index: int, lo: int, hi: int) -> int | None:
    """Absolute position of field ``index`` of the table at ``table``, or None when absent."""
    vtable = table - struct.unpack_from("<i", buf, table)[0] if lo <= table <= hi - 4 else -1
    if vtable < lo or vtable + 4 > hi:
        raise _Bad(f"vtable of the table at {table - lo} out of bounds")
    vsize = struct.unpack_from("<H", buf, vtable)[0]
    if vsize < 4 or vsize % 2 or vtable + vsize > hi:
        raise _Bad(f"vtable of the table at {table - lo} is malformed")
    slot = 4 + 2 * index
    if slot + 2 > vsize:
        return None  # a field the writer left out
    offset = struct.unpack_from("<H", buf, vtable + slot)[0]
    return table + offset if offset else None


def _string(buf: Buffer, at: int, lo: int, hi: int) -> str:
    target = at + _u32(buf, at, lo, hi)
    length = _u32(buf, target, lo, hi)
    if target + 4 + length > hi:
        raise _Bad("string runs past the end")
    return bytes(buf[target + 4:target + 4 + length]).decode("utf-8", "replace")


def _int(buf: Buffer, at: int | None, fmt: str, lo: int, hi: int) -> int:
    if at is None:
        return 0
    if at + struct.calcsize(fmt) > hi:
        raise _Bad("scalar out of bounds")
    return int(struct.unpack_from(fmt, buf, at)[0])


def operator_codes(buf: Buffer, lo: int, hi: int) -> list[tuple[int, str | None]]:
    """(builtin code, custom code) of every operator code of the model."""
    root = lo + _u32(buf, lo, lo, hi)
    field = _field(buf, root, 1, lo, hi)
    if field is None:
        return []
    vector = field + _u32(buf, field, lo, hi)
    count = _u32(buf, vector, lo, hi)
    if count > _MAX_CODES:
        raise _Bad(f"{count} operator codes")
    codes = []
    for i in range(count):
        slot = vector + 4 + 4 * i
        table = slot + _u32(buf, slot, lo, hi)
        custom_at = _field(buf, table, 1, lo, hi)
        code = max(_int(buf, _field(buf, table, 0, lo, hi), "<b", lo, hi),
                   _int(buf, _field(buf, table, 3, lo, hi), "<i", lo, hi))
        codes.append((code, _string(buf, custom_at, lo, hi) if custom_at is not None else None))
    return codes


def scan(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> None:
    """Judge the custom and Flex operators of the model."""
    try:
        codes = operator_codes(buf, start, end)
    except (_Bad, struct.error) as exc:
        ctx.add("MODEL-NOT-SCANNED", ctx.policy.not_scanned_severity, member,
                f"TFLite flatbuffer cannot be walked ({exc}); its operators were not checked", "tflite")
        return
    for code, custom in codes:
        if code != _CUSTOM and not custom:
            continue
        name = custom or "(unnamed)"
        op = name[4:] if name.startswith("Flex") else None
        if op in tf_check.CODE_OPS:
            ctx.add("TF-CODE-OP", Severity.CRITICAL, member,
                    f"TFLite Flex op {name!r} runs the TensorFlow {op} kernel, which calls Python code", name, op)
        elif op in tf_check.FILE_OPS or op == "PrintV2":
            ctx.add("TF-FILE-OP", Severity.HIGH, member,
                    f"TFLite Flex op {name!r} runs the TensorFlow {op} kernel, which reads, writes or lists "
                    "files or reaches the network", name, op)
        else:
            ctx.add("TFLITE-CUSTOM-OP", Severity.INFO, member,
                    f"TFLite model uses the custom operator {name!r}: its kernel is the application's code, "
                    "registered at load time", name)
