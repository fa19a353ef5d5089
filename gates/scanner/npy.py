"""NumPy ``.npy``: read the header as NumPy does; object arrays carry a pickle right after it.

The header is ``ast.literal_eval``-ed like ``numpy.lib.format`` does (latin-1 for versions 1
and 2, UTF-8 for version 3), and its ``descr`` is judged the way ``descr_to_dtype`` builds a
dtype from it: a string is a dtype spelling (``'O'``, ``'|O'``, ``'O8'``, ``'object'``,
``'object_'``, comma lists such as ``'f8,O'``, sub-arrays such as ``'(2,)O'``), a tuple is
``(dtype, shape)``, a list holds ``(name, dtype[, shape])`` fields whose dtypes may nest
again. Field *names* are never dtypes (a field called ``'O'`` is a float if its dtype is).
When NumPy is importable its own ``descr_to_dtype(...).hasobject`` is asked too; either
saying "object" is enough, so spellings accepted only by older NumPy releases
(``'object0'``) still count.

A header that cannot be read gives ``NUMPY-BAD-HEADER`` (medium: ``numpy.load`` rejects the
file, nothing runs). A header over 64 MiB is not parsed and gives ``MODEL-NOT-SCANNED``
(``numpy.load(allow_pickle=True)`` has no header size limit). An object dtype means
``numpy.load(allow_pickle=True)`` unpickles the rest of the file, which is walked as a pickle.
"""

from __future__ import annotations

import ast
import struct

from gates.model import Severity
from gates.scanner.context import ScanContext
from gates.scanner.dtypes import descr_has_object
from gates.scanner.opcodes import Buffer
from gates.scanner.pickles import scan_pickles
from gates.scanner.report import Format

MAX_HEADER = 64 << 20


def read_npy_header(buf: Buffer, start: int, end: int) -> tuple[dict | None, str | None, int]:  # type: ignore[type-arg]
    """(header dict, problem, offset of the data) of the ``.npy`` in ``buf[start:end]``."""
    major = buf[start + 6] if end - start > 7 else 0
    size_len = 2 if major == 1 else 4
    header_at = start + 8 + size_len
    if major not in (1, 2, 3) or header_at > end:
        return None, f"unsupported format version {major}", end
    (length,) = struct.unpack("<H" if size_len == 2 else "<I", bytes(buf[start + 8:header_at]))
    if header_at + length > end:
        return None, f"header length {length} runs past the end of the data", end
    if length > MAX_HEADER:
        return None, f"header of {length} bytes is too large to parse", end
    try:
        raw = bytes(buf[header_at:header_at + length])
        header = ast.literal_eval(raw.decode("utf-8" if major == 3 else "latin-1"))
    except (ValueError, SyntaxError, MemoryError, RecursionError, UnicodeDecodeError):
        return None, "header is not a Python literal", end
    if not (isinstance(header, dict) and {"descr", "shape", "fortran_order"} <= set(header)):
        return None, "header lacks descr/shape/fortran_order", end
    return header, None, header_at + length


def npy_is_plain(buf: Buffer, start: int, end: int) -> bool:
    """True for a well-formed ``.npy`` without Python objects (nothing after it is unpickled)."""
    header, problem, _data = read_npy_header(buf, start, end)
    return problem is None and header is not None and not descr_has_object(header["descr"])


def scan_npy(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> Format:
    """Check the header; walk the embedded pickle of an object array."""
    header, problem, data_at = read_npy_header(buf, start, end)
    if problem is not None and "too large" in problem:
        ctx.add("MODEL-NOT-SCANNED", ctx.policy.not_scanned_severity, member,
                f"NumPy file: {problem}; numpy.load(allow_pickle=True) would still read it", "npy-header")
    elif problem is not None or header is None:
        ctx.add("NUMPY-BAD-HEADER", Severity.MEDIUM, member, f"NumPy file: {problem}", str(problem))
    elif descr_has_object(header["descr"]):
        scan_pickles(ctx, buf, data_at, end, member, definite=True)
    return Format.NUMPY
