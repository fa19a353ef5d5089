"""joblib's in-stream NumPy arrays: where their raw bytes end, computed statically.

``joblib.dump`` writes each array as a ``NumpyArrayWrapper`` object (``NEWOBJ`` + ``BUILD``)
followed directly by the array bytes (after an alignment padding byte and padding) or, for
object arrays, by a nested pickle. ``joblib.load`` reads those bytes right after the wrapper's
``BUILD``. The hook below computes the size from the wrapper's state (shape and the symbolic
``numpy.dtype`` call), skips the bytes, walks nested pickles as pickles, and fails closed
(a parse error) when the size cannot be computed.

A plain ``pickle.load`` would instead read the array bytes as opcodes, so the skipped bytes
are also walked speculatively (leniently: the stack they would see is unknown); globals that
walk imports and calls (or reaches STOP with) are reported.
"""

from __future__ import annotations

import math
import re
from typing import Any

from gates.scanner.dtypes import descr_has_object
from gates.scanner.opcodes import Buffer, PickleSyntaxError
from gates.scanner.pickle_walk import walk
from gates.scanner.walk_values import DictV, Glob, Obj, WalkResult

WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
_DTYPE_STR = re.compile(r"^[<>|=]?([a-zA-Z?])(\d*)")
_MAX_DEPTH = 8
_NPY_ITEM_HASOBJECT = 0x01  # dtype.flags bit set for dtypes holding references
_SPECULATIVE_BYTES = 1 << 20


def _dtype_of(value: Any) -> tuple[int, bool] | None:
    """(itemsize, has_object) of a symbolic ``numpy.dtype(...)`` value, or None."""
    if not (isinstance(value, Obj) and isinstance(value.origin, Glob)
            and value.origin.name == "dtype" and value.origin.module.startswith("numpy")):
        return None
    args = value.args if isinstance(value.args, tuple) else ()
    if not args or not isinstance(args[0], str):
        return None
    state = value.state if isinstance(value.state, tuple) else ()
    flags = state[7] if len(state) > 7 else 0
    if descr_has_object(args[0]) or not isinstance(flags, int) or flags & _NPY_ITEM_HASOBJECT:
        return 8, True  # joblib.load unpickles what follows (numpy spells objects many ways)
    match = _DTYPE_STR.match(args[0])
    if not match:
        return None
    kind, digits = match.group(1), match.group(2)
    elsize = state[5] if len(state) > 5 and isinstance(state[5], int) else -1
    fields = state[4] if len(state) > 4 else None
    if isinstance(fields, DictV) and fields:
        has_object = any(_has_object(v) for v in fields.values())
        return (elsize, has_object) if elsize > 0 else None
    if elsize > 0:
        return elsize, False
    if kind == "?":
        return 1, False
    if not digits:
        return None
    size = int(digits)
    return (size * 4 if kind == "U" else size), False


def _has_object(value: Any) -> bool:
    if isinstance(value, tuple):
        return any(_has_object(v) for v in value)
    found = _dtype_of(value)
    return bool(found and found[1])


def make_hook(depth: int = 0):  # type: ignore[no-untyped-def]
    """A BUILD hook for :func:`gates.scanner.pickle_walk.walk` that understands joblib."""

    def hook(obj: Obj, buf: Buffer, pos: int, end: int, result: WalkResult) -> int | None:
        if obj.origin is None or obj.origin.full != WRAPPER or not isinstance(obj.state, DictV):
            return None
        state = obj.state
        shape = state.get("shape")
        dtype = _dtype_of(state.get("dtype"))
        if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape) or dtype is None:
            raise PickleSyntaxError(pos, "joblib array wrapper with a shape or dtype the scanner cannot size")
        itemsize, has_object = dtype
        if has_object:
            if depth >= _MAX_DEPTH:
                raise PickleSyntaxError(pos, "joblib object arrays nested too deeply")
            nested = walk(buf, pos, end, make_hook(depth + 1))
            result.nested.append(nested)
            if nested.error is not None:
                raise nested.error
            return nested.end
        start = pos
        if state.get("numpy_array_alignment_bytes") is not None:
            if pos >= end:
                raise PickleSyntaxError(pos, "joblib padding byte missing")
            pos += 1 + buf[pos]
        size = math.prod(shape) * itemsize
        if pos + size > end:
            raise PickleSyntaxError(pos, f"joblib array of {size} bytes runs past the end of the data")
        speculative = walk(buf, start, min(end, pos + size, start + _SPECULATIVE_BYTES), lenient=True)
        if speculative.globals and (speculative.stopped or speculative.calls):
            speculative.note = (f" (in the {size} array bytes after byte {start}: joblib skips them, "
                                "plain pickle.load runs them as opcodes)")
            result.nested.append(speculative)
        return pos + size

    return hook
