"""code-security gate vs bandit alone on a large real tree (target: gate >= 1.8 x faster than bandit
alone on 2 cores, with identical findings; the gate with ``jobs: 1`` is shown beside it).

    .venv/bin/python -m bench code_security [--quick]

The tree is the Python source of real projects installed in this environment (pylint, astroid,
numpy, pip, setuptools, pygments, garak, ... : about 2,300 files; ``--quick``: about 300),
copied (``.py`` files only) into a temporary directory. Both sides scan the same files:

- peer: ``python -m bandit -r corpus -f json -o out.json -q`` (bandit alone, as its action runs it);
- ours: ``CodeSecurityGate().run(ctx)`` with ``paths: [corpus]``: bandit's JSON, parse errors,
  fingerprints, the Markdown table (push event, no baseline).
- ours, pull request: the same tree committed as the base, ten files edited on top, PR event:
  the gate also scans the base versions of the changed files that have findings.

Runs are interleaved (peer, ours, ours-PR, then the reverse order, ...) so that load from other processes on the
machine hits both sides alike; the median wall time of each is reported, and the median CPU
time (this process and its children: bandit, git) as a second, load-insensitive view.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import Row
from gates import proc
from gates.config.settings import GitHubEnv
from gates.model import Checked
from gates.plugins.base import GateContext
from gates.plugins.code_security import CodeSecurityGate

QUICK_PACKAGES = ("requests", "urllib3", "yaml", "jsonschema", "packaging", "bandit", "astroid")
FULL_PACKAGES = QUICK_PACKAGES + ("pylint", "numpy", "pip", "setuptools", "pygments", "rich", "garak")
EDITED_FILES = 10


def build_corpus(dest: Path, packages: tuple[str, ...]) -> int:
    """Copy the ``.py`` files of the installed ``packages`` below ``dest``; return the file count."""
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"bench_code_security: package {name!r} is not installed in this environment")
        source = Path(list(spec.submodule_search_locations)[0])
        shutil.copytree(source, dest / name, ignore=_only_python)
    return sum(1 for _ in dest.rglob("*.py"))


def _only_python(directory: str, names: list[str]) -> list[str]:
    return [
        n
        for n in names
        if n == "__pycache__" or (not n.endswith(".py") and not os.path.isdir(os.path.join(directory, n)))
    ]


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return proc.run(["git", "-C", str(repo), *args], timeout=600, env=env).stdout.strip()


def _timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process and its children, result) of one call."""
    before = _cpu()
    started = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - started
    return wall, _cpu() - before, result


def _cpu() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def rows(quick: bool) -> list[Row]:
    """Gate vs bandit alone (push and pull request), wall and child CPU time."""
    packages = QUICK_PACKAGES if quick else FULL_PACKAGES
    repeats = 5 if quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-code-security-") as tmp:
        workspace = Path(tmp) / "ws"
        files = build_corpus(workspace / "corpus", packages)
        base = _git_base(workspace)
        gate = CodeSecurityGate()
        push_ctx = _context(workspace, Path(tmp) / "push", {})
        pr_ctx = _context(
            workspace, Path(tmp) / "pr", {"pull_request": {"base": {"sha": base}, "head": {"sha": "0" * 40}}}
        )
        out = Path(tmp) / "bandit.json"
        peer_cmd = [*proc.python_tool("bandit"), "-r", "corpus", "-f", "json", "-o", str(out), "-q"]
        serial_ctx = _context(workspace, Path(tmp) / "serial", {}, jobs=1)
        runs: dict[str, list[tuple[float, float]]] = {"peer": [], "push": [], "serial": [], "pr": []}
        results: dict[str, object] = {}
        sides: list[tuple[str, Callable[[], object]]] = [
            ("peer", lambda: proc.run(peer_cmd, timeout=3600, cwd=workspace, ok_codes=(0, 1))),
            ("push", lambda: gate.run(push_ctx)),
            ("serial", lambda: gate.run(serial_ctx)),
            ("pr", lambda: gate.run(pr_ctx)),
        ]
        for repeat in range(repeats):
            for key, fn in sides if repeat % 2 == 0 else reversed(sides):  # alternate who goes first
                wall, cpu, results[key] = _timed(fn)
                runs[key].append((wall, cpu))
        push, pr, serial = results["push"], results["pr"], results["serial"]
        assert isinstance(push, Checked) and isinstance(pr, Checked) and isinstance(serial, Checked), (push, pr)
        same = sorted(f.fingerprint for f in push.findings) == sorted(f.fingerprint for f in serial.findings)
        assert same and push.metrics["loc"] == serial.metrics["loc"], "parallel bandit changed the findings"
        peer_results = len(json.loads(out.read_text(encoding="utf-8"))["results"])
        ours_results = sum(1 for f in push.findings if f.rule_id != "parse-error")
        note = f"{files} files, {push.metrics['loc']} LOC, {ours_results} findings (bandit alone: {peer_results})"
        pr_note = f"{EDITED_FILES} files edited; {pr.metrics['new']} new, {pr.metrics['baselined']} baselined"
    walls = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpus = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    label = "quick" if quick else "full"
    return [
        Row(f"code-security gate wall ({label}, jobs auto = {os.cpu_count()})", walls["push"], "s", "bandit -r -f json",
            walls["peer"], f"{note}; speed-up {walls['peer'] / walls['push']:.2f}x; identical to jobs: 1"),
        Row(f"code-security gate wall ({label}, jobs 1)", walls["serial"], "s", "bandit -r -f json", walls["peer"], ""),
        Row(
            f"code-security gate CPU ({label})",
            cpus["push"],
            "s",
            "bandit -r -f json",
            cpus["peer"],
            "user+sys, this process and its children",
        ),
        Row(
            f"code-security gate on a PR CPU ({label})",
            cpus["pr"],
            "s",
            "bandit -r -f json",
            cpus["peer"],
            "user+sys, this process and its children",
        ),
        Row(
            f"code-security gate on a PR wall ({label})", walls["pr"], "s", "bandit -r -f json", walls["peer"], pr_note
        ),
    ]


def _git_base(workspace: Path) -> str:
    """Commit the corpus as the base, then edit ten files (lines moved, one new import); the base sha."""
    _git(workspace, "init", "-q", "-b", "main")
    _git(workspace, "add", "-A")
    _git(workspace, "commit", "-q", "-m", "base")
    base = _git(workspace, "rev-parse", "HEAD")
    edited = sorted(workspace.glob("corpus/*/*.py"))[:EDITED_FILES]
    for path in edited:
        text = path.read_text(encoding="utf-8", errors="replace")
        path.write_text(
            "# edited on the PR: every line moves down\n" + text + "\n\nimport subprocess  # new on the PR\n",
            encoding="utf-8",
        )
    return base


def _context(workspace: Path, scratch: Path, event: dict[str, Any], jobs: int | str = "auto") -> GateContext:
    return GateContext(name="code-security", workspace=workspace, options={"paths": ["corpus"], "jobs": jobs},
                       report_dir=scratch / "report", work_dir=scratch / "work", github=GitHubEnv(event=event),
                       log=lambda _msg: None)
