"""Hashing throughput: our manifest hasher beside sha256sum, a plain hashlib loop and model_signing.

    .venv/bin/python -m bench hashing            # one 2 GB file, 20,000 small files, 256 x 1-4 MiB
    .venv/bin/python -m bench --quick hashing    # one 256 MB file, 2,000 small files, 64 x 1-4 MiB

Everything is generated under a temporary directory (deleted afterwards) and read warm from
the page cache, so the numbers measure hashing, not the disk. Units are GB/s (higher is
better): ``ours/peer`` above 1 means we are faster. Targets: >= 0.9x the hashlib loop on one
file; near-linear speed-up over files with parallel workers. On a shared machine wall-clock
speed-ups need idle cores: the GB per CPU-second rows (CPU efficiency) do not, and say what
the parallel modes would reach on free cores (efficiency x workers).
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Row
from gates import proc
from gates.manifest import Algorithm, hash_file, hash_files
from gates.manifest.hashing import PROCESS_THRESHOLD, default_workers

_BATCH = 2000  # sha256sum arguments per process (stays far below ARG_MAX)


def _write_big(path: Path, size: int) -> None:
    block = os.urandom(64 << 20)
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            chunk = block[: min(len(block), size - written)]
            handle.write(chunk)
            written += len(chunk)


def _write_small(directory: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        sub = directory / f"d{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        path = sub / f"f{i:05d}.bin"
        path.write_bytes(os.urandom(2048 + (i * 7919) % 14336))  # 2-16 KiB, like a sharded JSONL/CSV corpus
        paths.append(path)
    return paths


def _hashlib_loop(paths: list[Path]) -> None:
    for path in paths:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        digest.hexdigest()


def _sha256sum(paths: list[Path]) -> None:
    for start in range(0, len(paths), _BATCH):
        proc.run(["sha256sum", "--", *map(str, paths[start:start + _BATCH])], timeout=3600)


def _model_signing(target: Path) -> Callable[[], object]:
    import model_signing

    config = model_signing.hashing.Config()  # type: ignore[no-untyped-call]
    config = config.use_file_serialization(hashing_algorithm="sha256")
    return lambda: config.hash(target)


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) plus its finished children (sha256sum)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _interleaved(nbytes: int, methods: dict[str, Callable[[], object]],
                 repeats: int) -> tuple[dict[str, float], dict[str, float]]:
    """(wall GB/s, CPU GB/s) of each method, medians over ``repeats`` rounds.

    Rounds alternate between methods so that load from other processes on a shared machine
    hits all of them alike; GB per CPU-second does not depend on that load at all (for one
    thread it is the speed the method would have on an idle core).
    """
    wall: dict[str, list[float]] = {name: [] for name in methods}
    cpu: dict[str, list[float]] = {name: [] for name in methods}
    for fn in methods.values():
        fn()  # warm-up: page cache, imports, thread pools
    for _ in range(repeats):
        for name, fn in methods.items():
            cpu_start, start = _cpu_seconds(), time.perf_counter()
            fn()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(_cpu_seconds() - cpu_start)
    return ({n: nbytes / statistics.median(v) / 1e9 for n, v in wall.items()},
            {n: nbytes / statistics.median(v) / 1e9 for n, v in cpu.items()})


def _write_medium(directory: Path, count: int) -> list[Path]:
    block = os.urandom(4 << 20)
    paths = []
    for i in range(count):
        path = directory / f"shard-{i:04d}.bin"
        path.write_bytes(block[: (1 << 20) + (i * 65537) % (3 << 20)])  # 1-4 MiB, like model shards
        paths.append(path)
    return paths


def _many_files(base: Path, kind: str, write: Callable[[Path, int], list[Path]], count: int,
                repeats: int) -> list[Row]:
    """Serial, threads and worker processes over many files, beside the peers."""
    directory = base / kind
    directory.mkdir()
    files = write(directory, count)
    total = sum(p.stat().st_size for p in files)
    label = f"{count} {kind} files {total / 1e6:.0f} MB"
    workers = default_workers()
    gbs, cpu = _interleaved(total, {
        "serial": lambda: hash_files(files, Algorithm.SHA256, workers=1),
        "threads": lambda: hash_files(files, Algorithm.SHA256, processes=False),
        "processes": lambda: hash_files(files, Algorithm.SHA256, processes=True),
        "auto": lambda: hash_files(files, Algorithm.SHA256), "loop": lambda: _hashlib_loop(files),
        "sha256sum": lambda: _sha256sum(files), "model_signing": _model_signing(directory)}, repeats)
    blake = _interleaved(total, {"blake3": lambda: hash_files(files, Algorithm.BLAKE3)}, repeats)[0]["blake3"]
    mode = "processes" if count >= PROCESS_THRESHOLD else "threads"
    shutil.rmtree(directory)
    return [
        Row(f"{label}: sha256 default ({mode}, {workers} workers)", gbs["auto"], "GB/s", "hashlib 1 MiB loop",
            gbs["loop"], f"load average {os.getloadavg()[0]:.1f}"),
        Row(f"{label}: sha256 default ({mode}, {workers} workers)", gbs["auto"], "GB/s", "sha256sum", gbs["sha256sum"]),
        Row(f"{label}: sha256 default ({mode}, {workers} workers)", gbs["auto"], "GB/s", "model_signing sha256",
            gbs["model_signing"]),
        Row(f"{label}: sha256 {workers} threads", gbs["threads"], "GB/s", "ours, serial", gbs["serial"],
            "= speed-up"),
        Row(f"{label}: sha256 {workers} processes", gbs["processes"], "GB/s", "ours, serial", gbs["serial"],
            "= speed-up"),
        Row(f"{label}: sha256 {workers} threads, per CPU-s", cpu["threads"], "GB/cpu-s", "ours, serial",
            cpu["serial"], "CPU efficiency of threads"),
        Row(f"{label}: sha256 {workers} processes, per CPU-s", cpu["processes"], "GB/cpu-s", "ours, serial",
            cpu["serial"], "CPU efficiency of processes"),
        Row(f"{label}: blake3 default", blake, "GB/s", "hashlib sha256 loop", gbs["loop"]),
    ]


def rows(quick: bool) -> list[Row]:
    """Rows for one large file, many small files and a few hundred model-shard-sized files."""
    big_size = (256 << 20) if quick else (2 << 30)
    small_count = 2000 if quick else 20000
    repeats = 3 if quick else 5
    base = Path(tempfile.mkdtemp(prefix="bench-hashing-"))
    out: list[Row] = []
    try:
        big = base / "big.bin"
        _write_big(big, big_size)
        label = f"1 file {big_size / 1e9:.2f} GB"
        gbs, cpu = _interleaved(big_size, {
            "ours": lambda: hash_file(big, Algorithm.SHA256), "loop": lambda: _hashlib_loop([big]),
            "sha256sum": lambda: _sha256sum([big]), "model_signing": _model_signing(big)}, repeats)
        ours, loop, coreutils, signing = (gbs[k] for k in ("ours", "loop", "sha256sum", "model_signing"))
        # apart: BLAKE3's worker threads keep spinning for a moment after a hash and would
        # steal CPU from whatever is timed next
        blake = _interleaved(big_size, {"blake3": lambda: hash_file(big, Algorithm.BLAKE3)}, repeats)[0]["blake3"]
        out += [
            Row(f"{label}: sha256", ours, "GB/s", "hashlib 1 MiB loop", loop,
                f"target >= 0.9; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"),
            Row(f"{label}: sha256", ours, "GB/s", "sha256sum", coreutils),
            Row(f"{label}: sha256", ours, "GB/s", "model_signing sha256", signing),
            Row(f"{label}: blake3 (threaded)", blake, "GB/s", "hashlib sha256 loop", loop),
            Row(f"{label}: sha256 per CPU-second", cpu["ours"], "GB/cpu-s", "hashlib 1 MiB loop", cpu["loop"],
                "independent of machine load"),
            Row(f"{label}: sha256 per CPU-second", cpu["ours"], "GB/cpu-s", "sha256sum", cpu["sha256sum"]),
            Row(f"{label}: sha256 per CPU-second", cpu["ours"], "GB/cpu-s", "model_signing sha256",
                cpu["model_signing"]),
        ]
        big.unlink()
        out += _many_files(base, "small", _write_small, small_count, repeats)
        out += _many_files(base, "medium", _write_medium, 64 if quick else 256, repeats)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return out
