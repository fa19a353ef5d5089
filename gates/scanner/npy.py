"""NumPy ``.npy``: read the header; object arrays carry a pickle right after it.

A header that cannot be read gives ``NUMPY-BAD-HEADER`` (medium: ``numpy.load`` rejects the
file, nothing runs). An object dtype (``|O`` or a structured dtype with an ``O`` field) means
``numpy.load(allow_pickle=True)`` unpickles the rest of the file, which is walked as a pickle.
"""

from __future__ import annotations

import ast
import struct

from gates.model import Severity
from gates.scanner.context import ScanContext
from gates.scanner.opcodes import Buffer
from gates.scanner.pickles import scan_pickles
from gates.scanner.report import Format


def _has_object(descr: object) -> bool:
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, (list, tuple)):
        return any(_has_object(part) for part in descr)
    return False


def read_npy_header(buf: Buffer, start: int, end: int) -> tuple[dict | None, str | None, int]:  # type: ignore[type-arg]
    """(header dict, problem, offset of the data) of the ``.npy`` in ``buf[start:end]``."""
    major = buf[start + 6] if end - start > 7 else 0
    size_len = 2 if major == 1 else 4
    header_at = start + 8 + size_len
    if major not in (1, 2, 3) or header_at > end:
        return None, f"unsupported format version {major}", end
    (length,) = struct.unpack("<H" if size_len == 2 else "<I", bytes(buf[start + 8:header_at]))
    if length > 1 << 20 or header_at + length > end:
        return None, f"header length {length} runs past the end of the data", end
    try:
        header = ast.literal_eval(bytes(buf[header_at:header_at + length]).decode("latin-1"))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None, "header is not a Python literal", end
    if not (isinstance(header, dict) and {"descr", "shape", "fortran_order"} <= set(header)):
        return None, "header lacks descr/shape/fortran_order", end
    return header, None, header_at + length


def npy_is_plain(buf: Buffer, start: int, end: int) -> bool:
    """True for a well-formed ``.npy`` without Python objects (nothing after it is unpickled)."""
    header, problem, _data = read_npy_header(buf, start, end)
    return problem is None and header is not None and not _has_object(header["descr"])


def scan_npy(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> Format:
    """Check the header; walk the embedded pickle of an object array."""
    header, problem, data_at = read_npy_header(buf, start, end)
    if problem is not None or header is None:
        ctx.add("NUMPY-BAD-HEADER", Severity.MEDIUM, member, f"NumPy file: {problem}", str(problem))
    elif _has_object(header["descr"]):
        scan_pickles(ctx, buf, data_at, end, member, definite=True)
    return Format.NUMPY
