"""Generators of malicious model files, built by hand or by *dumping* (never loading).

Every case returns bytes a loader would run code from (or could not be shown safe). They
cover each dangerous family of the policy and each evasion trick; ``HELD_OUT`` is also used
by ``bench/bench_scanner.py`` to count what picklescan and modelscan detect.
"""

from __future__ import annotations

import builtins
import functools
import gzip
import io
import json
import os
import pickle
import struct
import subprocess
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# -- opcode helpers --------------------------------------------------------------------------


def proto(n: int) -> bytes:
    return b"\x80" + bytes([n])


def u(text: str) -> bytes:
    """SHORT_BINUNICODE."""
    data = text.encode("utf-8")
    return b"\x8c" + bytes([len(data)]) + data


def bu(text: str) -> bytes:
    """BINUNICODE."""
    data = text.encode("utf-8")
    return b"X" + struct.pack("<I", len(data)) + data


def g0(module: str, name: str) -> bytes:
    """GLOBAL (protocol 0/1/2 spelling)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def sg(module: str, name: str) -> bytes:
    """STACK_GLOBAL from two literal strings."""
    return u(module) + u(name) + b"\x93"


def call(func: bytes, *args: bytes) -> bytes:
    """func(*args) with MARK/TUPLE + REDUCE."""
    return func + b"(" + b"".join(args) + b"tR"


STOP = b"."


class Reduce:
    """An object whose pickle calls ``func(*args)`` when loaded."""

    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.func, self.args


def dumps(func: Callable[..., Any], *args: Any, protocol: int = 4) -> bytes:
    return pickle.dumps(Reduce(func, *args), protocol=protocol)


def framed(first: bytes, second: bytes) -> bytes:
    """Protocol 4 with two FRAME opcodes (frames end on opcode boundaries, as pickle writes them)."""
    return (proto(4) + b"\x95" + struct.pack("<Q", len(first)) + first
            + b"\x95" + struct.pack("<Q", len(second)) + second)


def zip_bytes(members: dict[str, bytes], *, flags: int = 0, method: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.flag_bits |= flags
            archive.writestr(info, data)
    return out.getvalue()


def hidden_member_zip(visible: dict[str, bytes], hidden_name: str, hidden: bytes) -> bytes:
    """A zip whose extra local entry is absent from the central directory."""
    archive = zip_bytes(visible)
    first_cd = archive.find(b"PK\x01\x02")
    name = hidden_name.encode()
    local = (b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 20, 0, 0, 0, 0, 0, len(hidden), len(hidden), len(name), 0)
             + name + hidden)
    head, tail = archive[:first_cd], archive[first_cd:]
    eocd = tail.rfind(b"PK\x05\x06")
    fields = list(struct.unpack("<HHHHIIH", tail[eocd + 4:eocd + 22]))
    fields[5] += len(local)  # the central directory moves
    tail = tail[:eocd + 4] + struct.pack("<HHHHIIH", *fields) + tail[eocd + 22:]
    return head + local + tail


def npy_object(payload_pickle: bytes) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload_pickle


def legacy_torch(evil: bytes) -> bytes:
    """Legacy torch.save layout: magic, protocol, sys info, then the (evil) object pickle."""
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    version = pickle.dumps(1001, protocol=2)
    info = pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)
    keys = pickle.dumps([], protocol=2)
    return magic + version + info + evil + keys


def joblib_dual(payload: bytes) -> bytes:
    """A joblib stream whose array bytes are opcodes for plain ``pickle.load``.

    joblib reads ``len(payload)`` bytes after the wrapper's BUILD as uint8 data; ``pickle.load``
    parses them and runs them.
    """
    dtype = sg("numpy", "dtype") + u("u1") + b"\x89\x88\x87R"
    state = (b"}(" + u("subclass") + sg("numpy", "ndarray") + u("shape") + b"M" + struct.pack("<H", len(payload))
             + b"\x85" + u("order") + u("C") + u("dtype") + dtype + u("allow_mmap") + b"\x89u")
    return proto(4) + sg("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state + b"b" + payload + STOP


def onnx_with_location(location: str) -> bytes:
    def field(number: int, payload: bytes) -> bytes:
        return bytes([(number << 3) | 2]) + _varint(len(payload)) + payload

    entry = field(1, b"location") + field(2, location.encode())
    tensor = field(8, b"weight") + field(13, entry) + bytes([14 << 3]) + b"\x01"
    graph = field(2, b"g") + field(5, tensor)
    return b"\x08\x08" + field(2, b"evil") + field(7, graph)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def keras_zip(layer_class: str) -> bytes:
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"name": "in"}},
        {"class_name": layer_class, "config": {"name": "evil", "function": {"class_name": "__lambda__",
                                                                                 "config": {"code": "4wEAAAA="}}}},
    ]}}
    return zip_bytes({"config.json": json.dumps(config).encode(),
                      "metadata.json": b'{"keras_version": "3.0.0"}', "model.weights.h5": b"\x89HDF\r\n\x1a\n"})


def tar_bytes(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def safetensors(header: dict[str, Any], data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


# -- the cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One malicious file: name, bytes, and whether the scanner must say critical."""

    name: str
    data: bytes
    critical: bool = True


_SYS = g0("os", "system")
_EVIL_P4 = proto(4) + sg("os", "system") + u("id") + b"\x85R" + STOP


def _cases() -> list[Case]:
    cases = [
        # process execution, every protocol, via __reduce__ dumping
        *[Case(f"os-system-p{p}", dumps(os.system, "id", protocol=p)) for p in range(6)],
        Case("subprocess-popen", dumps(subprocess.Popen, ["id"])),
        Case("subprocess-check-output", dumps(subprocess.check_output, ["id"])),
        Case("os-popen", dumps(os.popen, "id")),
        Case("os-execv", dumps(os.execv, "/bin/sh", ["sh"])),
        Case("os-spawnlp", proto(2) + call(g0("os", "spawnlp"), b"K\x00", u("sh"), u("sh")) + STOP),
        Case("nt-system", proto(2) + call(g0("nt", "system"), u("calc")) + STOP),
        Case("pty-spawn", proto(4) + sg("pty", "spawn") + u("/bin/sh") + b"\x85R" + STOP),
        Case(
            "asyncio-subprocess",
            proto(4) + sg("asyncio.subprocess", "create_subprocess_shell") + u("id") + b"\x85R" + STOP,
        ),
        # eval / exec / import machinery
        Case("builtins-eval", dumps(builtins.eval, "print(1)")),
        Case("builtins-exec-p0", dumps(builtins.exec, "print(1)", protocol=0)),
        Case("builtins-compile", dumps(builtins.compile, "1", "f", "eval")),
        Case("builtins-import", proto(2) + call(g0("__builtin__", "__import__"), u("os")) + STOP),
        Case("builtins-open", dumps(builtins.open, "/etc/passwd")),
        Case("builtins-breakpoint", proto(4) + sg("builtins", "breakpoint") + b")R" + STOP),
        Case("builtins-globals", proto(4) + sg("builtins", "globals") + b")R" + STOP),
        Case("runpy-run-path", proto(4) + sg("runpy", "run_path") + u("/tmp/x.py") + b"\x85R" + STOP),
        Case("importlib-import-module", proto(4) + sg("importlib", "import_module") + u("os") + b"\x85R" + STOP),
        Case("code-interact", proto(4) + sg("code", "InteractiveInterpreter") + b")R" + STOP),
        Case("pdb-run", proto(4) + sg("pdb", "run") + u("import os") + b"\x85R" + STOP),
        Case("timeit", proto(4) + sg("timeit", "timeit") + u("import os") + b"\x85R" + STOP),
        # nested unpicklers and code objects
        Case("pickle-loads", proto(4) + sg("pickle", "loads") + b"C\x05N." + b"\x85R" + STOP),
        Case("dill-loads", proto(4) + sg("dill", "loads") + b"C\x02N." + b"\x85R" + STOP),
        Case("cloudpickle-loads", proto(4) + sg("cloudpickle.cloudpickle", "loads") + b"C\x02N." + b"\x85R" + STOP),
        Case("marshal-loads", proto(4) + sg("marshal", "loads") + b"C\x01N" + b"\x85R" + STOP),
        Case("types-codetype", proto(4) + sg("types", "CodeType") + b")R" + STOP),
        Case("types-functiontype", proto(4) + sg("types", "FunctionType") + b")R" + STOP),
        Case("ctypes-cdll", proto(4) + sg("ctypes", "CDLL") + u("libc.so.6") + b"\x85R" + STOP),
        Case("torch-load", proto(4) + sg("torch", "load") + u("x.pt") + b"\x85R" + STOP),
        Case("torch-hub-load", proto(4) + sg("torch.hub", "load") + u("evil/repo") + b"\x85R" + STOP),
        Case("torch-jit-load", proto(4) + sg("torch.jit", "load") + u("x.pt") + b"\x85R" + STOP),
        Case("numpy-load", proto(4) + sg("numpy", "load") + u("x.npy") + b"\x85R" + STOP),
        Case(
            "numpy-testing-runstring",
            proto(4) + sg("numpy.testing._private.utils", "runstring") + u("import os") + b"}\x86R" + STOP,
        ),
        Case("joblib-load", proto(4) + sg("joblib", "load") + u("x.joblib") + b"\x85R" + STOP),
        Case(
            "load-from-bytes-computed",
            proto(4)
            + sg("torch.storage", "_load_from_bytes")
            + sg("base64", "b64decode")
            + u("gASVAAAAAA==")
            + b"\x85R"
            + b"\x85R"
            + STOP,
        ),
        # network, files, the interpreter
        Case("socket", proto(4) + sg("socket", "socket") + b")R" + STOP),
        Case("urllib-urlopen", proto(4) + sg("urllib.request", "urlopen") + u("http://x") + b"\x85R" + STOP),
        Case("http-client", proto(2) + call(g0("httplib", "HTTPConnection"), u("x")) + STOP),
        Case("webbrowser", proto(4) + sg("webbrowser", "open") + u("http://x") + b"\x85R" + STOP),
        Case("shutil-rmtree", proto(4) + sg("shutil", "rmtree") + u("/") + b"\x85R" + STOP),
        Case("pathlib-write-text", proto(4) + sg("pathlib", "Path.write_text") + u("x") + b"\x85R" + STOP),
        Case("io-open", proto(4) + sg("io", "open") + u("/etc/shadow") + b"\x85R" + STOP),
        Case("sys-exit", proto(4) + sg("sys", "exit") + b"K\x01\x85R" + STOP),
        Case("operator-attrgetter", proto(4) + sg("operator", "attrgetter") + u("system") + b"\x85R" + STOP),
        Case("operator-methodcaller", proto(4) + sg("operator", "methodcaller") + u("system") + b"\x85R" + STOP),
        Case("functools-partial-system", dumps(functools.partial(os.system, "id"))),
        Case("functools-reduce", proto(4) + sg("functools", "reduce") + b")R" + STOP),
        # evasions
        Case(
            "memo-stack-global",
            proto(4)
            + u("os")
            + b"q\x01"
            + b"0"
            + u("system")
            + b"q\x02"
            + b"0"
            + b"h\x01h\x02\x93"
            + u("id")
            + b"\x85R"
            + STOP,
        ),
        Case(
            "memoize-stack-global",
            proto(4)
            + u("posix")
            + b"\x94"
            + u("system")
            + b"\x94"
            + b"00"
            + b"h\x00h\x01\x93"
            + u("id")
            + b"\x85R"
            + STOP,
        ),
        Case(
            "long-binput-get",
            proto(4)
            + u("subprocess")
            + b"r\x00\x00\x01\x00"
            + u("getoutput")
            + b"\x93"
            + b"0"
            + b"j\x00\x00\x01\x00"
            + u("getoutput")
            + b"\x93"
            + u("id")
            + b"\x85R"
            + STOP,
        ),
        Case(
            "computed-stack-global",
            proto(4)
            + sg("_codecs", "encode")
            + u("bf")
            + u("rot13")
            + b"\x86R"
            + u("flfgrz")
            + b"\x93"
            + u("id")
            + b"\x85R"
            + STOP,
        ),
        Case("bytes-stack-global", proto(4) + b"C\x02os" + b"C\x06system" + b"\x93" + u("id") + b"\x85R" + STOP),
        Case("after-stop", pickle.dumps([1, 2], protocol=4) + _EVIL_P4),
        Case("junk-then-pickle", pickle.dumps({"a": 1}, protocol=4) + b"\n\x00\xff junk " + _EVIL_P4),
        Case("junk-before", b"\x00\x00garbage\x00" + _EVIL_P4),
        Case("unicode-lookalike", proto(4) + sg("\uff4fs", "system") + u("id") + b"\x85R" + STOP, critical=True),
        Case("dotted-globals", proto(4) + sg("torch._utils", "_rebuild_tensor_v2.__globals__") + STOP),
        Case("dotted-builtins", proto(4) + sg("collections", "OrderedDict.__class__.__subclasses__") + b")R" + STOP),
        Case(
            "getattr-chain",
            proto(4)
            + sg("builtins", "getattr")
            + sg("builtins", "__import__")
            + u("os")
            + b"\x85R"
            + u("system")
            + b"\x86R"
            + u("id")
            + b"\x85R"
            + STOP,
        ),
        Case("frames", framed(sg("os", "system"), u("id") + b"\x85R" + STOP)),
        Case(
            "torch-utils-lookalike", proto(4) + sg("torch._utils_", "_rebuild_tensor_v2") + b")R" + STOP, critical=False
        ),
        Case("torch-utils-space", proto(4) + sg("torch._utils", "_rebuild_tensor_v2 ") + b")R" + STOP, critical=False),
        Case("ext1", proto(2) + b"\x82\x01" + u("id") + b"\x85R" + STOP, critical=False),
        Case(
            "build-on-module",
            proto(4) + sg("collections", "OrderedDict") + b"}" + u("fromkeys") + u("x") + b"sb" + STOP,
        ),
        Case("setitem-on-global", proto(4) + sg("collections", "abc") + u("k") + u("v") + b"s" + STOP),
        Case("inst-opcode", b"(" + b"S'id'\n" + b"ios\nsystem\n" + STOP),
        Case("obj-opcode", proto(2) + b"(" + _SYS + u("id") + b"o" + STOP),
        Case("newobj-ex", proto(4) + sg("subprocess", "Popen") + b"]" + u("id") + b"a\x85}\x92" + STOP),
        Case(
            "newobj-computed",
            proto(4) + sg("builtins", "getattr") + sg("os", "path") + u("join") + b"\x86R" + b")\x81" + STOP,
        ),
        Case("unknown-global", proto(4) + sg("mypkg.layers", "Custom") + b")R" + STOP, critical=False),
        Case("main-class", proto(4) + sg("__main__", "Evil") + b")\x81" + STOP, critical=False),
        Case(
            "copyreg-reconstructor-evil",
            proto(2) + call(g0("copy_reg", "_reconstructor"), _SYS, g0("__builtin__", "object"), b"N") + STOP,
        ),
        Case("truncated-after-call", proto(4) + sg("os", "system") + u("id") + b"\x85R" + b"X\xff\xff"),
        Case("stack-underflow-after", proto(2) + call(_SYS, u("id")) + b"R" + STOP),
        Case("unknown-opcode", proto(4) + u("x") + b"\xff" + STOP, critical=False),
        Case("bad-proto", b"\x80\x05" + b"\x80\x09" + _EVIL_P4[2:], critical=False),
        # containers and formats
        Case("zip-wrong-ext", zip_bytes({"weights.txt": _EVIL_P4})),
        Case("torch-zip-data-pkl", zip_bytes({"archive/data.pkl": _EVIL_P4, "archive/version": b"3\n"})),
        Case(
            "torch-zip-extra-pkl",
            zip_bytes({"archive/data.pkl": pickle.dumps({}, protocol=2), "archive/extra/x.pkl": _EVIL_P4}),
        ),
        Case("zip-encrypted-flag", zip_bytes({"model/config.pkl": _EVIL_P4}, flags=0x1)),
        Case("zip-deflate", zip_bytes({"archive/data.pkl": _EVIL_P4}, method=zipfile.ZIP_DEFLATED)),
        Case("zip-bzip2", zip_bytes({"archive/data.pkl": _EVIL_P4}, method=zipfile.ZIP_BZIP2)),
        Case("zip-lzma", zip_bytes({"archive/data.pkl": _EVIL_P4}, method=zipfile.ZIP_LZMA)),
        Case("zip-in-zip", zip_bytes({"inner.zip": zip_bytes({"a/b.bin": _EVIL_P4})})),
        Case("zip-hidden-member", hidden_member_zip({"ok.txt": b"hello"}, "evil.pkl", _EVIL_P4)),
        Case("gzip-pickle", gzip.compress(_EVIL_P4)),
        Case("lz4-frame", b"\x04\x22\x4d\x18" + b"\x64\x40\xa7" + _EVIL_P4, critical=False),
        Case("tar-pickle", tar_bytes("model/weights.bin", _EVIL_P4)),
        Case("npy-object", npy_object(_EVIL_P4)),
        Case("npz-object", zip_bytes({"arr_0.npy": npy_object(_EVIL_P4)})),
        Case("npz-compressed-object", zip_bytes({"arr_0.npy": npy_object(_EVIL_P4)}, method=zipfile.ZIP_DEFLATED)),
        Case("joblib-dual-interpretation", joblib_dual(b"0" + _SYS + b"(S'id'\ntR0")),
        Case("legacy-torch", legacy_torch(dumps(os.system, "id", protocol=2))),
        Case(
            "legacy-magic-bypass",
            dumps(builtins.eval, "0x1950A86A20F9469CFC6C", protocol=2)
            + pickle.dumps(1001, protocol=2)
            + pickle.dumps({}, protocol=2)
            + dumps(os.system, "id", protocol=2),
        ),
        Case("keras-lambda", keras_zip("Lambda")),
        Case(
            "hdf5-lambda",
            b"\x89HDF\r\n\x1a\n"
            + b"\x00" * 64
            + b'{"class_name": "Functional", "config": {"layers": [{"class_name": "Lambda", "config": {}}]}}'
            + b"\x00" * 64,
        ),
        Case("onnx-escape", onnx_with_location("../../../etc/passwd"), critical=False),
        Case("onnx-absolute", onnx_with_location("/etc/shadow"), critical=False),
        Case(
            "safetensors-overlap",
            safetensors(
                {
                    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
                },
                b"\x00" * 12,
            ),
            critical=False,
        ),
        Case(
            "safetensors-hidden-tail",
            safetensors({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 4 + _EVIL_P4),
        ),
        Case(
            "safetensors-out-of-bounds",
            safetensors({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\x00" * 8),
            critical=False,
        ),
        Case(
            "safetensors-bad-dtype",
            safetensors({"a": {"dtype": "PICKLE", "shape": [1], "data_offsets": [0, 1]}}, b"\x00"),
            critical=False,
        ),
    ]
    return cases


HELD_OUT: tuple[Case, ...] = tuple(_cases())
