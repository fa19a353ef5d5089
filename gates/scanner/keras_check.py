"""Keras models: ``Lambda`` layers carry serialised Python bytecode that runs on load.

``.keras`` files are zips whose ``config.json`` is checked here like any JSON member;
Keras 2 ``.h5`` files keep the same JSON in the ``model_config`` attribute of an HDF5 file.
h5py is not a dependency, so HDF5 files are searched byte-wise for the layer class name in
that JSON (attribute strings are stored uncompressed), which finds ``Lambda`` layers but not
JSON split across HDF5 chunks (none of Keras' writers does that). Each layer is one
``KERAS-LAMBDA`` finding (critical).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from gates.model import Severity
from gates.scanner.context import ScanContext
from gates.scanner.opcodes import Buffer

MAX_JSON = 64 << 20
_LAMBDA = re.compile(rb'"class_name"\s*:\s*"(Lambda|__lambda__)"')
_CHUNK = 16 << 20
_OVERLAP = 256


def _lambda_layers(document: Any) -> Iterator[str]:
    """Names (or JSON paths) of Lambda layers anywhere in a Keras config, without recursion."""
    pending: list[tuple[Any, str]] = [(document, "$")]
    while pending:
        node, path = pending.pop()
        if isinstance(node, dict):
            if node.get("class_name") in ("Lambda", "__lambda__"):
                raw = node.get("config")
                config = raw if isinstance(raw, dict) else {}
                yield str(config.get("name") or path)
            pending.extend((value, f"{path}.{key}") for key, value in node.items())
        elif isinstance(node, list):
            pending.extend((value, f"{path}[{i}]") for i, value in enumerate(node))


def scan_json(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> bool:
    """True when the range is JSON; reports Lambda layers found in it."""
    if end - start > MAX_JSON:
        return False
    try:
        document = json.loads(bytes(buf[start:end]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    for layer in _lambda_layers(document):
        ctx.add("KERAS-LAMBDA", Severity.CRITICAL, member,
                f"Keras Lambda layer {layer!r} holds serialised Python code that runs when the model "
                "is loaded without safe_mode; replace it with a registered custom layer", layer)
    return True


def scan_hdf5(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> None:
    """Search an HDF5 file's bytes for Keras Lambda layers in its model_config JSON."""
    pos, seen = start, set()
    while pos < end:
        chunk = bytes(buf[pos:min(end, pos + _CHUNK + _OVERLAP)])
        for match in _LAMBDA.finditer(chunk):
            at = pos + match.start()
            if at in seen:
                continue
            seen.add(at)
            ctx.add("KERAS-LAMBDA", Severity.CRITICAL, member,
                    f"HDF5 Keras model_config declares a {match.group(1).decode()} layer at byte {at - start}: "
                    "serialised Python code that runs when the model is loaded", f"hdf5-lambda-{len(seen)}")
        pos += _CHUNK
