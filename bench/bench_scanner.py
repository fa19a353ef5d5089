"""Model scanner benchmark: our static scanner beside picklescan and modelscan.

    .venv/bin/python -m bench scanner            # 2 GB checkpoint
    .venv/bin/python -m bench --quick scanner    # 300 MB checkpoint, fewer repeats

Peers: picklescan and modelscan (the ``bench`` extra), and ModelAudit when it is installed
(``pip install modelaudit``; not in the extra: it pins botocore below garak's boto3). ModelAudit
runs with its telemetry off (``PROMPTFOO_DISABLE_TELEMETRY=1``).

Rows:
* a PyTorch zip checkpoint (``torch.save`` of large float32 tensors, deleted afterwards),
  scanned by all three tools; our time beside the time for a same-structure tiny checkpoint
  shows the scan is proportional to the pickle, not to the tensor bytes; then once more per
  tool with the file evicted from the page cache (``posix_fadvise(DONTNEED)``), counting the
  bytes really read from disk (``/proc/self/io``);
* a checkpoint of many small tensors (a large pickle), all three tools;
* the picklescan corpus (47 files), all three tools;
* a GGUF file written by the ``gguf`` package (150,000-token vocabulary, 64 MB of tensors, a
  CVE-2024-34359 chat template) and a SavedModel ``saved_model.pb`` of 50,000 nodes with one
  ``EagerPyFunc`` in a library function (crafted with ``tests/scanner/crafted.py``): time and
  whether each tool flags it;
* detection counts on the generated held-out malicious set (``tests/scanner/malicious.py``),
  each file written with a ``.pkl`` name so that the extension-driven peers look at it.
  Ours counts a file as detected at high or critical; picklescan when it reports a
  dangerous global (``infected_files``), modelscan when it reports any issue. Scan errors of
  the peers are given in the note, not counted as detections.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Row, median_seconds
from gates.model import Severity
from gates.scanner import scan_paths
from tests.support.page_cache import disk_read_bytes, evict

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "assets" / "scanner" / "picklescan-corpus"


def _ours(path: Path) -> bool:
    report = scan_paths([path], root=path.parent if path.is_file() else path)
    return any(f.severity.at_least(Severity.HIGH) for f in report.findings)


def _picklescan(path: Path) -> tuple[bool, bool]:
    """(dangerous global found, scan error) for a file, or any over a directory's files."""
    from picklescan.scanner import scan_file_path

    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    infected = errored = False
    for file in files:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                result = scan_file_path(str(file))
            except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # picklescan raises bare Exception (7z without py7zr)
                errored = True
                continue
        infected = infected or result.infected_files > 0
        errored = errored or bool(result.scan_err)
    return infected, errored


def _modelscan(path: Path) -> tuple[bool, bool]:
    from modelscan.modelscan import ModelScan

    logging.getLogger("modelscan").setLevel(logging.CRITICAL)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = ModelScan().scan(path)
    summary = result.get("summary", {})
    issues = summary.get("total_issues", 0) or len(result.get("issues", []))
    return issues > 0, bool(result.get("errors"))


def _modelaudit(path: Path) -> tuple[bool, bool]:
    """(warning or critical issue found, scan error) from ModelAudit's library API."""
    import os

    os.environ.setdefault("PROMPTFOO_DISABLE_TELEMETRY", "1")
    from modelaudit.core import scan_model_directory_or_file

    logging.getLogger("modelaudit").setLevel(logging.CRITICAL)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = scan_model_directory_or_file(str(path))
    severities = {str(getattr(i, "severity", "")).lower().rsplit(".", 1)[-1] for i in result.issues}
    return bool(severities & {"critical", "warning"}), bool(result.has_errors)


def _peers() -> dict[str, Callable[[Path], tuple[bool, bool]]]:
    peers: dict[str, Callable[[Path], tuple[bool, bool]]] = {"picklescan": _picklescan, "modelscan": _modelscan}
    try:
        import modelaudit  # noqa: F401
    except ImportError:
        return peers
    peers["modelaudit"] = _modelaudit
    return peers


def _timed(fn: Callable[[], object], repeats: int) -> float:
    return median_seconds(fn, repeats=repeats, warmup=1)


def _cold(fn: Callable[[], object], path: Path) -> tuple[float, float | None]:
    """(seconds, MB read from disk) of one run with the file evicted from the page cache."""
    evict(path)
    before = disk_read_bytes()
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    after = disk_read_bytes()
    return seconds, (after - before) / 1e6 if before is not None and after is not None else None


def _cold_rows(big: Path) -> list[Row]:
    ours_s, ours_mb = _cold(lambda: _ours(big), big)
    out = []
    for name, fn in (("picklescan", _picklescan), ("modelscan", _modelscan)):
        peer_s, peer_mb = _cold(lambda fn=fn: fn(big), big)  # type: ignore[misc]
        out.append(Row("cold cache: time", ours_s, "s", name, peer_s))
        if ours_mb is not None and peer_mb is not None:
            out.append(Row("cold cache: read from disk", ours_mb, "MB", name, peer_mb,
                                note=f"file is {big.stat().st_size / 1e6:.0f} MB"))
    return out


def _checkpoint(directory: Path, total_bytes: int, tensors: int) -> Path:
    import torch

    per_tensor = max(1, total_bytes // tensors // 4)
    path = directory / f"checkpoint-{total_bytes >> 20}MB.pt"
    torch.save({f"layer{i}.weight": torch.zeros(per_tensor) for i in range(tensors)}, path)
    return path


def _checkpoint_rows(quick: bool) -> list[Row]:
    size = (300 << 20) if quick else (2 << 30)
    repeats = 3 if quick else 5
    out: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-scanner-") as tmp:
        big = _checkpoint(Path(tmp), size, 16)
        tiny = _checkpoint(Path(tmp), 16 * 1024, 16)
        label = f"scan {big.stat().st_size / 1e9:.2f} GB torch checkpoint (16 tensors)"
        ours = _timed(lambda: _ours(big), repeats)
        ours_tiny = _timed(lambda: _ours(tiny), repeats)
        for name, peer in _peers().items():
            out.append(Row(label, ours, "s", name, _timed(lambda peer=peer: peer(big), repeats)))  # type: ignore[misc]
        out.append(Row("same checkpoint vs a 16 KB one with the same pickle", ours, "s",
                        "ours on 16 KB", ours_tiny, note="ratio ~1: time follows the pickle, not the weights"))
        out.extend(_cold_rows(big))
    return out


def _many_tensor_rows(quick: bool) -> list[Row]:
    import torch

    count = 5_000 if quick else 20_000
    out: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-scanner-") as tmp:
        path = Path(tmp) / "many.pt"
        torch.save({f"block{i}.weight": torch.zeros(2) for i in range(count)}, path)
        label = f"scan checkpoint with {count} tensors ({_pickle_size(path) / 1e6:.1f} MB pickle)"
        ours = _timed(lambda: _ours(path), 3)
        out.append(Row(label, ours, "s", "picklescan", _timed(lambda: _picklescan(path), 3)))
        out.append(Row(label, ours, "s", "modelscan", _timed(lambda: _modelscan(path), 3)))
    return out


def _pickle_size(path: Path) -> int:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return sum(i.file_size for i in archive.infolist() if i.filename.endswith("data.pkl"))


def _corpus_rows(quick: bool) -> list[Row]:
    repeats = 3 if quick else 7
    ours = _timed(lambda: scan_paths([CORPUS], root=CORPUS), repeats)
    files = sum(1 for _ in CORPUS.iterdir())
    label = f"scan picklescan corpus ({files} files)"
    return [Row(label, ours, "s", "picklescan", _timed(lambda: _picklescan(CORPUS), repeats)),
            Row(label, ours, "s", "modelscan", _timed(lambda: _modelscan(CORPUS), repeats))]


def _gguf_file(directory: Path) -> Path:
    import gguf
    import numpy as np

    path = directory / "model.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_token_list([f"token{i}" for i in range(150_000)])
    writer.add_chat_template("{{ cycler.__init__.__globals__.os.popen('id').read() }}")
    writer.add_tensor("token_embd.weight", np.zeros((16, 1 << 20), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _saved_model_file(directory: Path) -> Path:
    from tests.scanner import crafted

    nodes = [crafted.node_def(f"dense_{i}/MatMul", "MatMul") for i in range(50_000)]
    graph = crafted.graph_def(nodes, [("__inference_call", [crafted.node_def("py", "EagerPyFunc")])])
    path = directory / "saved_model" / "saved_model.pb"
    path.parent.mkdir()
    path.write_bytes(crafted.saved_model(graph))
    return path


def _format_rows(quick: bool) -> list[Row]:
    repeats = 3 if quick else 5
    out: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as tmp:
        for label, path in (("GGUF, 150k-token vocab, 64 MB tensors, malicious template", _gguf_file(Path(tmp))),
                            ("SavedModel, 50,000 nodes, EagerPyFunc in a function", _saved_model_file(Path(tmp)))):
            ours = _timed(lambda path=path: _ours(path), repeats)  # type: ignore[misc]
            flagged = _ours(path)
            for name, peer in _peers().items():
                peer_s = _timed(lambda peer=peer, path=path: peer(path), repeats)  # type: ignore[misc]
                hit, err = peer(path)
                out.append(Row(f"scan {label}", ours, "s", name, peer_s,
                               note=f"flagged: ours {'yes' if flagged else 'NO'}, {name} "
                                    f"{'yes' if hit else 'no'}{' (scan error)' if err else ''}"))
    return out


def _detection_rows() -> list[Row]:
    from tests.scanner.malicious import HELD_OUT

    with tempfile.TemporaryDirectory(prefix="bench-heldout-") as tmp:
        paths = []
        for case in HELD_OUT:
            path = Path(tmp) / f"{case.name}.pkl"
            path.write_bytes(case.data)
            paths.append(path)
        started = time.perf_counter()
        ours = sum(_ours(p) for p in paths)
        ours_s = time.perf_counter() - started
        peers = {name: [peer(p) for p in paths] for name, peer in _peers().items()}
    total = len(HELD_OUT)
    out = []
    for name, results in peers.items():
        found = sum(1 for hit, _err in results if hit)
        errors = sum(1 for hit, err in results if err and not hit)
        out.append(Row(f"held-out malicious files detected (of {total})", ours, "files", name, found,
                        note=f"{name}: {errors} more ended in a scan error; ours took {ours_s:.2f}s"))
    return out


def rows(quick: bool) -> list[Row]:
    """All scanner rows."""
    return [*_checkpoint_rows(quick), *_format_rows(quick), *_many_tensor_rows(quick), *_corpus_rows(quick),
            *_detection_rows()]
