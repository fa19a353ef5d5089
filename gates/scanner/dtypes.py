"""Does a NumPy dtype description hold Python objects? Asked the way ``numpy.load`` builds it.

Used for ``.npy`` headers (:mod:`.npy`) and for the dtypes of joblib's in-stream arrays
(:mod:`.joblib_arrays`). A description is judged twice and "object" from either wins: by a
conservative reading of every dtype position (never a field *name*), and by NumPy's own
``numpy.lib.format.descr_to_dtype(...).hasobject`` when NumPy is importable (the spellings
an older NumPy accepts, such as ``'object0'``, are covered by the first reading).
"""

from __future__ import annotations

import re
from typing import Any

# an object type code or name as one token of a dtype string ("O", "<O8", "f8,O", "(2,)object_")
_OBJECT_TOKEN = re.compile(r"(?:^|[^A-Za-z0-9_])(?:O\d*|object\w*)(?=$|[^A-Za-z0-9_\[])")


def _spelled_object(descr: Any) -> bool:
    """Conservative reading of a ``descr``: True when any dtype position could be an object."""
    if isinstance(descr, str):
        return bool(_OBJECT_TOKEN.search(descr.strip()))
    if isinstance(descr, (int, type(None))):
        return False
    if isinstance(descr, tuple):  # (dtype, shape)
        return any(_spelled_object(part) for part in descr)
    if isinstance(descr, list):  # fields: (name or (title, name), dtype[, shape])
        return any(_spelled_object(field[1:]) if isinstance(field, (list, tuple)) and len(field) in (2, 3)
                   else _spelled_object(field) for field in descr)
    return True  # anything else: numpy rejects it, assume the worst


def descr_has_object(descr: Any) -> bool:
    """Does ``numpy.load`` unpickle data with this header ``descr``? (NumPy's view or ours)"""
    if _spelled_object(descr):
        return True
    try:
        from numpy.lib.format import descr_to_dtype  # pylint: disable=import-outside-toplevel
    except ImportError:
        return False
    try:
        return bool(descr_to_dtype(descr).hasobject)
    except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # numpy rejects it: nothing is loaded
        return False
