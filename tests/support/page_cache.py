"""Measure real disk reads: evict a file from the page cache, count bytes read from disk.

Used by the scanner test and benchmark that prove a checkpoint scan reads its pickle, not its
tensor data. Linux only (``/proc/self/io``, ``posix_fadvise``); no root needed.
"""

from __future__ import annotations

import os
from pathlib import Path


def disk_read_bytes() -> int | None:
    """Bytes this process has read from storage so far, or None where the kernel does not say."""
    try:
        with open("/proc/self/io", encoding="ascii") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("read_bytes"))
    except (OSError, StopIteration):
        return None


def evict(path: Path) -> None:
    """Drop the file's (clean) pages from the page cache."""
    os.sync()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
