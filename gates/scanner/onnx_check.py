"""ONNX models: external-data paths must stay inside the model's directory.

The ``onnx`` package is not a dependency, so the protobuf is walked minimally
(:mod:`.protobuf`); a range is ONNX when it parses as a ModelProto with a graph, whatever
its first byte (TensorFlow's ``fingerprint.pb`` and other protobufs do not): ModelProto ->
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
from gates.scanner.protobuf import LENGTH, VARINT, Malformed, conforms, fields, submessages

_MODEL_GRAPHS = {7: "graph", 20: "training", 25: "function"}
_MAX_DEPTH = 40
_DRIVE = re.compile(r"^[A-Za-z]:")


_MODEL_SCHEMA = {1: VARINT, 2: LENGTH, 3: LENGTH, 4: LENGTH, 5: VARINT, 6: LENGTH, 7: LENGTH, 8: LENGTH,
                 14: LENGTH, 20: LENGTH, 25: LENGTH}
_GRAPH_SCHEMA = {1: LENGTH, 2: LENGTH, 5: LENGTH, 10: LENGTH, 11: LENGTH, 12: LENGTH, 13: LENGTH, 14: LENGTH,
                 15: LENGTH, 16: LENGTH}


def looks_like(buf: Buffer, start: int, end: int) -> bool:
    """A ModelProto as ``onnx.load`` parses it: the whole range is a well-formed message whose
    known fields have ModelProto's wire types, with a ``graph`` that is a well-formed GraphProto
    (fields in any order: no first-byte sniffing)."""
    if end - start < 4 or not conforms(buf, start, end, _MODEL_SCHEMA, frozenset({7})):
        return False
    graphs = list(submessages(buf, start, end, 7))
    return all(conforms(buf, lo, hi, _GRAPH_SCHEMA, frozenset()) for lo, hi in graphs)


def _tensors(buf: Buffer, start: int, end: int, kind: str, depth: int) -> Iterator[tuple[int, int]]:
    if depth > _MAX_DEPTH:
        raise Malformed("graphs nested too deeply")
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
    except Malformed as exc:
        ctx.add("ONNX-PARSE-ERROR", Severity.HIGH, member, f"ONNX protobuf cannot be walked: {exc}", str(exc))
