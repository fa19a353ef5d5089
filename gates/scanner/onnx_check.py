"""ONNX models: external-data paths must stay inside the model's directory.

The ``onnx`` package is not a dependency, so the protobuf is walked minimally: ModelProto ->
graphs (main graph, training graphs, attribute subgraphs of If/Loop/Scan, function bodies)
-> tensors (initializers, sparse initializers, attribute tensors) -> ``external_data``
entries. A ``location`` that is absolute, has a drive letter, contains ``..`` or resolves
(through symlinks) outside the model file's directory gives ``ONNX-EXTERNAL-DATA-ESCAPE``
(high): loading the model would read an arbitrary file. A structure that cannot be walked
gives ``ONNX-PARSE-ERROR`` (high). Tensor payloads are skipped, never read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from gates.model import Severity
from gates.scanner.context import ScanContext
from gates.scanner.opcodes import Buffer

_MODEL_GRAPHS = {7: "graph", 20: "training", 25: "function"}
_MAX_DEPTH = 40
_DRIVE = re.compile(r"^[A-Za-z]:")


class _Malformed(Exception):
    pass


def _varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= end or shift > 63:
            raise _Malformed(f"bad varint at byte {pos}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def fields(buf: Buffer, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or start, end) for each field; payloads not copied."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Malformed(f"field number 0 at byte {pos}")
        if wire == 0:
            value, pos = _varint(buf, pos, end)
            yield number, wire, value, pos
        elif wire == 2:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise _Malformed(f"field {number} runs past its message")
            yield number, wire, pos, pos + length
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
            if pos > end:
                raise _Malformed(f"field {number} runs past its message")
            yield number, wire, pos, pos
        else:
            raise _Malformed(f"unsupported wire type {wire} at byte {pos}")


def looks_like(buf: Buffer, start: int, end: int) -> bool:
    """A ModelProto: starts with ir_version and holds a graph, all fields well formed."""
    if end - start < 4 or buf[start] != 0x08:
        return False
    try:
        return any(n == 7 and w == 2 for n, w, _a, _b in fields(buf, start, end))
    except _Malformed:
        return False


def _tensors(buf: Buffer, start: int, end: int, kind: str, depth: int) -> Iterator[tuple[int, int]]:
    if depth > _MAX_DEPTH:
        raise _Malformed("graphs nested too deeply")
    for number, wire, lo, hi in fields(buf, start, end):
        if wire != 2:
            continue
        if kind == "graph" and number in (5,):
            yield lo, hi
        elif kind == "graph" and number == 15:
            yield from _tensors(buf, lo, hi, "sparse", depth + 1)
        elif kind == "graph" and number == 1:
            yield from _tensors(buf, lo, hi, "node", depth + 1)
        elif kind == "sparse" and number in (1, 2):
            yield lo, hi
        elif kind == "node" and number == 5:
            yield from _tensors(buf, lo, hi, "attribute", depth + 1)
        elif kind == "attribute" and number in (5, 10):
            yield lo, hi
        elif kind == "attribute" and number in (6, 11):
            yield from _tensors(buf, lo, hi, "graph", depth + 1)
        elif kind == "attribute" and number in (22, 23):
            yield from _tensors(buf, lo, hi, "sparse", depth + 1)
        elif kind == "training" and number in (1, 2):
            yield from _tensors(buf, lo, hi, "graph", depth + 1)
        elif kind == "function" and number == 7:
            yield from _tensors(buf, lo, hi, "node", depth + 1)


def _locations(buf: Buffer, lo: int, hi: int) -> Iterator[str]:
    for number, wire, a, b in fields(buf, lo, hi):
        if number == 13 and wire == 2:
            entry = {n: bytes(buf[x:y]).decode("utf-8", "replace") for n, w, x, y in fields(buf, a, b) if w == 2}
            if entry.get(1) == "location" and 2 in entry:
                yield entry[2]


def escapes(location: str, model_dir: Path | None) -> bool:
    """True when ``location`` leaves ``model_dir`` (textually, or through symlinks)."""
    norm = location.replace("\\", "/")
    if norm.startswith("/") or _DRIVE.match(norm) or ".." in PurePosixPath(norm).parts:
        return True
    if model_dir is None:
        return False
    base = os.path.realpath(model_dir)
    target = os.path.realpath(os.path.join(base, norm))
    return os.path.commonpath([base, target]) != base


def scan(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> None:
    """Report external-data locations of the ONNX model in ``buf[start:end]`` that escape."""
    try:
        for number, wire, lo, hi in fields(buf, start, end):
            kind = _MODEL_GRAPHS.get(number)
            if wire != 2 or kind is None:
                continue
            for t_lo, t_hi in _tensors(buf, lo, hi, kind, 0):
                for location in _locations(buf, t_lo, t_hi):
                    if escapes(location, ctx.model_dir if member is None else None):
                        ctx.add("ONNX-EXTERNAL-DATA-ESCAPE", Severity.HIGH, member,
                                f"tensor external data location {location!r} leaves the model directory: "
                                "loading the model would read that file", location)
    except _Malformed as exc:
        ctx.add("ONNX-PARSE-ERROR", Severity.HIGH, member, f"ONNX protobuf cannot be walked: {exc}", str(exc))
