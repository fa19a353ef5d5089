"""Byte-level writers for formats whose real libraries are too large to install here.

TensorFlow (SavedModel, GraphDef, FingerprintDef, keras_metadata) and TFLite files are
written field by field from their published schemas (tensorflow/core/protobuf/*.proto,
tensorflow/lite/schema/schema.fbs), since tensorflow-cpu (~250 MB) is not installed for the
tests. GGUF files are written by the real ``gguf`` package in the tests; the raw writer here
only makes the malformed ones that package refuses to write.
"""

from __future__ import annotations

import struct


def varint(value: int) -> bytes:
    """Protobuf base-128 varint."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, value: int | bytes | str) -> bytes:
    """One protobuf field: an int is a varint, bytes/str are length-delimited."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def node_def(name: str, op: str, attrs: dict[str, bytes] | None = None) -> bytes:
    """A NodeDef; ``attrs`` maps attribute names to raw AttrValue messages."""
    body = field(1, name) + field(2, op)
    for key, value in (attrs or {}).items():
        body += field(5, field(1, key) + field(2, value))
    return body


def graph_def(nodes: list[bytes], functions: list[tuple[str, list[bytes]]] = ()) -> bytes:  # type: ignore[assignment]
    """A GraphDef with nodes and library functions ``(name, node_defs)``; versions set."""
    body = b"".join(field(1, n) for n in nodes)
    if functions:
        library = b"".join(field(1, field(1, field(1, name)) + b"".join(field(3, n) for n in body_nodes))
                           for name, body_nodes in functions)
        body += field(2, library)
    return body + field(4, field(1, 1808) + field(2, 0))


def saved_model(graph: bytes, keras_json: str | None = None) -> bytes:
    """A SavedModel: schema version 1, one MetaGraphDef (tags "serve") with ``graph``, and
    optionally an object graph whose user object carries Keras metadata JSON."""
    meta_info = field(4, "serve") + field(5, "2.16.1")
    meta = field(1, meta_info) + field(2, graph)
    if keras_json is not None:
        user = field(1, "_tf_keras_layer") + field(3, keras_json)
        meta += field(7, field(1, field(4, user)))
    return field(1, 1) + field(2, meta)


def fingerprint() -> bytes:
    """A FingerprintDef as TensorFlow writes ``fingerprint.pb``."""
    return (field(1, 0xC1B2A39485766758) + field(2, 0x1122334455667788) + field(3, 0x99AABBCCDDEEFF00)
            + field(4, 0x0F1E2D3C4B5A6978) + field(5, 0x8796A5B4C3D2E1F0) + field(6, field(1, 1)))


def keras_metadata(json_text: str) -> bytes:
    """A keras_metadata.pb (SavedMetadata) with one root object."""
    obj = field(2, "root") + field(3, "_tf_keras_model") + field(4, json_text) + field(5, field(1, 1))
    return field(1, obj)


def attr_string(value: bytes) -> bytes:
    """An AttrValue holding a string."""
    return field(2, value)


def tflite(op_codes: list[tuple[int, str | None]]) -> bytes:
    """A minimal TFLite Model flatbuffer: version 3 and ``operator_codes`` ``(builtin, custom)``.

    Layout (offsets point forward, as flatbuffers require): header, Model vtable and table,
    the operator-code vector, each OperatorCode vtable and table, then the strings.
    """
    out = bytearray(struct.pack("<I", 0) + b"TFL3")
    out.extend(struct.pack("<HHHH", 8, 12, 4, 8))  # Model vtable: version at +4, operator_codes at +8
    root = len(out)
    out.extend(struct.pack("<iII", root - 8, 3, 0))
    out[0:4] = struct.pack("<I", root)
    vector = len(out)
    struct.pack_into("<I", out, root + 8, vector - (root + 8))
    out.extend(struct.pack("<I", len(op_codes)) + b"\x00" * 4 * len(op_codes))
    patches = []
    for i, (code, custom) in enumerate(op_codes):
        vtable = len(out)  # deprecated_builtin_code +12, custom_code +8, version absent, builtin_code +4
        out.extend(struct.pack("<HHHHHH", 12, 16, 12, 8 if custom is not None else 0, 0, 4))
        table = len(out)
        out.extend(struct.pack("<iiIb", table - vtable, code, 0, min(code, 127)) + b"\x00" * 3)
        slot = vector + 4 + 4 * i
        struct.pack_into("<I", out, slot, table - slot)
        if custom is not None:
            patches.append((table + 8, custom))
    for slot, custom in patches:
        while len(out) % 4:
            out.append(0)
        struct.pack_into("<I", out, slot, len(out) - slot)
        data = custom.encode()
        out.extend(struct.pack("<I", len(data)) + data + b"\x00")
    return bytes(out)


def gguf_raw(pairs: list[tuple[str, int, bytes]], version: int = 3, tensors: int = 0) -> bytes:
    """A GGUF header with raw key/value payloads ``(key, type, encoded value)``."""
    out = b"GGUF" + struct.pack("<IQQ", version, tensors, len(pairs))
    for key, kind, value in pairs:
        out += struct.pack("<Q", len(key.encode())) + key.encode() + struct.pack("<I", kind) + value
    return out


def gguf_string(text: str) -> bytes:
    """An encoded GGUF string value."""
    data = text.encode()
    return struct.pack("<Q", len(data)) + data
