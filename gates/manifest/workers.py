"""Hashing many small files in worker processes.

Threads scale when hashing dominates (hashlib releases the GIL for large buffers), but for
thousands of small files the per-file Python work (open, read, close, bookkeeping) holds
the GIL and serialises the threads. Above :data:`PROCESS_THRESHOLD` files the list is split
between ``python -m gates.manifest.workers ALGORITHM`` processes, each started through
:func:`gates.proc.run`; paths go in as JSON lines, results come back as ``DIGEST SIZE`` lines.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from gates.errors import GateError, ToolError
from gates.manifest.hashing import PROCESS_THRESHOLD, FileDigest, hash_file
from gates.manifest.model import Algorithm

__all__ = ["PROCESS_THRESHOLD", "hash_in_processes"]


def hash_in_processes(paths: Sequence[Path], algorithm: Algorithm, workers: int,
                      cancel: threading.Event | None = None, timeout: float = 3600.0) -> list[FileDigest | OSError]:
    """Hash ``paths`` in ``workers`` parallel worker processes; results in input order."""
    from concurrent.futures import ThreadPoolExecutor

    from gates import proc  # here, not at the top: the worker process itself never needs it
    # one interpreter per worker: starting one costs as much as hashing a few thousand small files
    size = -(-len(paths) // max(1, workers))
    chunks = [list(paths[i:i + size]) for i in range(0, len(paths), size)]

    def run(chunk: list[Path]) -> list[FileDigest | OSError]:
        if cancel is not None and cancel.is_set():
            raise GateError("hashing cancelled (the gate ran out of time: raise its timeout)")
        lines = "".join(json.dumps(os.fspath(p)) + "\n" for p in chunk)
        try:
            done = proc.run([*proc.own_module("gates.manifest.workers"), algorithm.value], timeout=timeout,
                            input_text=lines, tool="hash worker")
        except ToolError as exc:
            raise GateError(f"a hashing worker failed: {exc}") from None
        return _decode(done.stdout, chunk)

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chunks))), thread_name_prefix="hashproc") as pool:
        return [result for part in pool.map(run, chunks) for result in part]


def _decode(stdout: str, chunk: list[Path]) -> list[FileDigest | OSError]:
    rows = stdout.splitlines()
    if len(rows) != len(chunk):
        raise GateError(f"a hashing worker returned {len(rows)} results for {len(chunk)} files")
    out: list[FileDigest | OSError] = []
    for path, row in zip(chunk, rows):
        first, _, rest = row.partition(" ")
        if first.startswith("!"):
            out.append(OSError(int(first[1:]), rest or "unknown error", os.fspath(path)))
        else:
            out.append(FileDigest(first, int(rest)))
    return out


def main(argv: list[str]) -> int:
    """Worker: JSON-encoded paths on stdin, one ``DIGEST SIZE`` or ``!ERRNO MESSAGE`` line each."""
    algorithm = Algorithm(argv[0])
    out = []
    for line in sys.stdin.read().splitlines():
        if not line:
            continue
        try:
            got = hash_file(json.loads(line), algorithm)
        except OSError as exc:
            out.append(f"!{exc.errno or 0} {exc.strerror or exc}")
        else:
            out.append(f"{got.digest} {got.size}")
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
