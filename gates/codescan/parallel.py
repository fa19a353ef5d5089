"""Run bandit over every core: bandit's own file discovery, then one bandit process per batch.

bandit is single-process. Its file discovery (targets, ``-x`` excludes, the config file's
``exclude_dirs`` and ``include``) runs once, in a child interpreter started in the scanned
root exactly as the bandit CLI would see it (isolated mode: nothing is imported from the
workspace). The files are then split into batches of about equal size (largest first),
:data:`BATCHES_PER_JOB` per job on large trees (never below :data:`BATCH_BYTES` each) so that a
core whose batch turned out cheap takes the next one,
and each batch goes to its own ``bandit`` process with the same options, ``jobs`` at a time;
each batch's report is read by :func:`~gates.codescan.bandit_runner.run_bandit` and
the results are concatenated, lines of code and ``nosec`` counts summed. Every file is
analysed by exactly one process with the same tests and settings, so the findings are the
ones a single run gives (checked by the tests and ``python -m bench code_security``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gates import proc
from gates.codescan.bandit_runner import BanditScan, bandit_version, run_bandit
from gates.codescan.options import ScanOptions
from gates.errors import ToolError

MIN_FILES_PER_JOB = 8  # below this, one more process costs more than it saves
BATCHES_PER_JOB = 3  # bytes are not time: smaller batches, handed out as cores free up, even the load out
BATCH_BYTES = 4 << 20  # ...but each bandit process costs ~1 s to start: no batch much smaller than this

_DISCOVER = """
import json, sys
from bandit.core import config, manager
conf = config.BanditConfig(config_file=sys.argv[1] or None)
if sys.argv[4]:
    conf._config["include"] = [sys.argv[4]]
mgr = manager.BanditManager(conf, "file", quiet=True)
mgr.discover_files(json.loads(sys.argv[2]), True, sys.argv[3])
print(json.dumps(sorted(mgr.files_list)))
"""


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def discover(root: Path, opts: ScanOptions, targets: Sequence[str], timeout: float, include: str = "") -> list[str]:
    """The files bandit would analyse for ``targets`` in ``root``, spelled as bandit spells them.

    ``include``: another file glob than bandit's (``*.ipynb`` finds the notebooks, same excludes).
    A missing bandit is :class:`~gates.errors.EngineMissing` (naming the extra), never a traceback.
    """
    bandit_version()
    args = [sys.executable, "-I", "-c", _DISCOVER, str(opts.bandit_config or ""), json.dumps(list(targets)),
            ",".join(opts.exclude), include]
    done = proc.run(args, timeout=timeout, cwd=root, tool="bandit")
    try:
        files = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError) as exc:
        raise ToolError(f"bandit's file discovery gave no file list ({exc})", tool="bandit",
                        stderr=done.stderr) from None
    return [str(f) for f in files]


def batches(root: Path, files: Sequence[str], most: int) -> list[list[str]]:
    """``files`` in at most ``most`` batches of about equal bytes (largest file first to the lightest batch)."""
    count = max(1, min(most, len(files) // MIN_FILES_PER_JOB))
    sized = sorted(files, key=lambda f: (-_size(root / f), f))
    loads = [0] * count
    out: list[list[str]] = [[] for _ in range(count)]
    for name in sized:
        lightest = loads.index(min(loads))
        out[lightest].append(name)
        loads[lightest] += _size(root / name) or 1
    return [sorted(b) for b in out if b]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def run_bandit_parallel(root: Path, opts: ScanOptions, targets: Sequence[str], work_dir: Path, timeout: float,
                        jobs: int, files: Sequence[str] | None = None) -> BanditScan:
    """Like :func:`run_bandit` on ``targets``, with the work spread over ``jobs`` processes.

    ``files``: what :func:`discover` gave for ``targets``, when the caller already asked.
    """
    if jobs <= 1:
        return run_bandit(root, opts, targets, work_dir, timeout)
    version = bandit_version()
    files = discover(root, opts, targets, timeout) if files is None else files
    total = sum(_size(root / name) for name in files)
    groups = batches(root, files, max(jobs, min(jobs * BATCHES_PER_JOB, total // BATCH_BYTES)))
    if len(groups) <= 1:
        return run_bandit(root, opts, targets, work_dir, timeout)
    with ThreadPoolExecutor(max_workers=min(jobs, len(groups)), thread_name_prefix="bandit") as pool:
        scans = list(pool.map(lambda item: run_bandit(root, opts, item[1], work_dir / f"batch-{item[0]}", timeout),
                              enumerate(groups)))
    return BanditScan(tuple(i for s in scans for i in s.issues), tuple(sorted(f for s in scans for f in s.files)),
                      tuple(sorted(p for s in scans for p in s.parse_errors)), sum(s.loc for s in scans),
                      sum(s.nosec for s in scans), version)
