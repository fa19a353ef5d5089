"""GGUF (llama.cpp) files: parse the header and every metadata key/value; judge chat templates.

GGUF holds tensors and metadata, no pickle. What runs code is the chat template:
``tokenizer.chat_template`` (and the named ``tokenizer.chat_template.<name>`` variants) is a
Jinja2 template that llama-cpp-python, transformers-style servers and others render with
every request (CVE-2024-34359: rendered outside a sandbox it reaches ``os.popen``). Each
template is judged by :mod:`.jinja_check`.

The header (magic ``GGUF``, version 1-3, tensor and key/value counts) and all key/value
pairs are parsed, string arrays (the vocabulary) included, bounded by the file; the tensor
descriptors after them are parsed too (name, dimensions, type, offset). A structure that does
not parse gives ``GGUF-BAD-HEADER`` (high): llama.cpp rejects it, but a loader that stops
later than ours might not. Tensor data is never read.
"""

from __future__ import annotations

import struct

from gates.model import Severity
from gates.scanner import jinja_check
from gates.scanner.context import ScanContext
from gates.scanner.opcodes import Buffer

MAGIC = b"GGUF"
_SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9
_MAX_DIMS = 16
TEMPLATE_KEY = "tokenizer.chat_template"


class _Bad(Exception):
    pass


class _Reader:
    """Little-endian cursor over ``buf[start:end]``."""

    def __init__(self, buf: Buffer, start: int, end: int, wide: bool) -> None:
        self.buf, self.pos, self.end, self.wide = buf, start, end, wide

    def need(self, size: int) -> int:
        at = self.pos
        if size < 0 or at + size > self.end:
            raise _Bad(f"field at byte {at} runs past the end of the file")
        self.pos += size
        return at

    def u32(self) -> int:
        return int(struct.unpack_from("<I", self.buf, self.need(4))[0])

    def u64(self) -> int:
        return int(struct.unpack_from("<Q", self.buf, self.need(8))[0])

    def count(self) -> int:
        return self.u64() if self.wide else self.u32()

    def string(self, keep: bool = True) -> str | None:
        length = self.count()
        at = self.need(length)
        if not keep:
            return None
        return bytes(self.buf[at:at + length]).decode("utf-8", "replace")


def looks_like(head: bytes) -> bool:
    """GGUF magic and a version we parse."""
    return head[:4] == MAGIC and len(head) >= 8 and struct.unpack_from("<I", head, 4)[0] in (1, 2, 3)


def _value(reader: _Reader, kind: int, keep: bool) -> object:
    if kind in _SCALARS:
        reader.need(_SCALARS[kind])
        return None
    if kind == _STRING:
        return reader.string(keep)
    if kind == _ARRAY:
        item, count = reader.u32(), reader.count()
        if item in _SCALARS:
            reader.need(_SCALARS[item] * count)
        elif item == _STRING:
            _skip_strings(reader, count)
        elif item == _ARRAY:
            for _ in range(count):
                _value(reader, item, False)
        else:
            raise _Bad(f"unknown array item type {item}")
        return None
    raise _Bad(f"unknown value type {kind} at byte {reader.pos - 4}")


def _skip_strings(reader: _Reader, count: int) -> None:
    """Skip ``count`` strings (a vocabulary: the hot loop of the parse)."""
    buf, pos, end = reader.buf, reader.pos, reader.end
    fmt, size = ("<Q", 8) if reader.wide else ("<I", 4)
    unpack = struct.Struct(fmt).unpack_from
    for _ in range(count):
        if pos + size > end:
            raise _Bad(f"string array runs past the end of the file at byte {pos}")
        pos += size + unpack(buf, pos)[0]
    if pos > end:
        raise _Bad("string array runs past the end of the file")
    reader.pos = pos


def scan(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> None:
    """Parse the metadata; judge every chat template; report a structure that does not parse."""
    version = struct.unpack_from("<I", buf, start + 4)[0]
    reader = _Reader(buf, start + 8, end, wide=version >= 2)
    try:
        tensors, pairs = reader.count(), reader.count()
        for _ in range(pairs):
            key = reader.string() or ""
            kind = reader.u32()
            is_template = key == TEMPLATE_KEY or key.startswith(TEMPLATE_KEY + ".")
            value = _value(reader, kind, keep=is_template)
            if is_template and isinstance(value, str):
                jinja_check.judge(ctx, value, member, key)
        for _ in range(tensors):
            reader.string(False)
            dims = reader.u32()
            if dims > _MAX_DIMS:
                raise _Bad(f"tensor with {dims} dimensions")
            reader.need(8 * dims + 4 + 8)
    except _Bad as exc:
        ctx.add("GGUF-BAD-HEADER", Severity.HIGH, member,
                f"GGUF metadata cannot be parsed ({exc}); the rest of the file was not checked", str(exc))
