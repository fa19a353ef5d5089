"""Small file helpers: atomic writes, so no reader ever sees half a report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gates.errors import UsageError


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare_report_dir(path: Path) -> Path:
    """Create the report directory; a file in its place is a usage error."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"report dir {path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create report dir {path}: {exc.strerror}") from None
    return path
