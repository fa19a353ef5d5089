"""Run pip-audit on one dependency source and read its JSON report.

pip-audit exits 1 both when it finds vulnerabilities and when it fails (a crash, an
unreachable service, an unreadable requirement), so success is decided by the JSON report it
writes with ``-o``: no report means it failed, and the tail of its stderr is the cause.
Failed runs are retried a bounded number of times with a short backoff.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates import proc
from gates.backoff import retry_delay
from gates.errors import EngineMissing, GateError, ToolError
from gates.osv.sources import AuditSource, SourceKind

TOOL = "pip-audit"


@dataclass(frozen=True)
class ServiceSettings:
    """How pip-audit looks vulnerabilities up and resolves dependencies."""

    service: str  # "osv" or "pypi"
    osv_url: str | None  # the OSV query URL (``.../v1/query``) when service is osv
    request_timeout: int  # pip-audit --timeout (seconds per network request)
    index_url: str | None = None  # for resolving unpinned requirements files
    retries: int = 2


@dataclass(frozen=True)
class ReportedVuln:
    """One vulnerability pip-audit reported for a dependency."""

    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    description: str
    severity_label: str | None = None  # a source's own label (safety's CVSS v3 base severity)


@dataclass(frozen=True)
class AuditedDependency:
    """A dependency pip-audit audited (``version`` set) or skipped (``skip_reason`` set)."""

    name: str
    version: str | None
    vulns: tuple[ReportedVuln, ...] = ()
    skip_reason: str | None = None


@dataclass(frozen=True)
class AuditReport:
    """pip-audit's answer for one source."""

    source: AuditSource
    dependencies: tuple[AuditedDependency, ...]
    attempts: int
    duration_s: float


def command(source: AuditSource, settings: ServiceSettings, output: Path, cache_dir: Path,
            generated: Path | None = None) -> list[str]:
    """The pip-audit argv for ``source`` (``generated``: the requirement lines of a read lock file)."""
    args = proc.python_tool("pip_audit") + ["-f", "json", "-o", str(output), "--progress-spinner", "off",
                                            "--aliases", "on", "--desc", "on", "--cache-dir", str(cache_dir),
                                            "--timeout", str(settings.request_timeout),
                                            "--vulnerability-service", settings.service]
    if settings.service == "osv" and settings.osv_url:
        args += ["--osv-url", settings.osv_url]
    if source.kind in (SourceKind.REQUIREMENTS, SourceKind.LOCKFILE, SourceKind.CONDA):
        args += ["-r", str(generated if source.requirements else source.path)]
        if source.pinned:  # a complete lock: every package of the tree is listed with its exact version
            args += ["--no-deps", "--disable-pip"]
        elif settings.index_url:
            args += ["--index-url", settings.index_url]
    elif source.kind is SourceKind.PYPROJECT:
        assert source.path is not None
        args.append(str(source.path.parent))
    elif source.kind is SourceKind.LOCK:
        args += ["--locked", str(source.path)]
    elif source.kind is SourceKind.ENVIRONMENT:
        pass  # no input: pip-audit audits the environment (PIPAPI_PYTHON_LOCATION picks the interpreter)
    return args


def parse_report(text: str, source: AuditSource, attempts: int = 1, duration_s: float = 0.0) -> AuditReport:
    """Read pip-audit's ``-f json`` report; raise :class:`ToolError` when it is not one."""
    try:
        data: Any = json.loads(text)
        deps = []
        for dep in data["dependencies"]:
            vulns = tuple(ReportedVuln(str(v["id"]), tuple(str(a) for a in v.get("aliases") or ()),
                                       tuple(str(f) for f in v.get("fix_versions") or ()),
                                       str(v.get("description") or "")) for v in dep.get("vulns") or ())
            deps.append(AuditedDependency(str(dep["name"]), dep.get("version"), vulns, dep.get("skip_reason")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ToolError(f"pip-audit wrote an unreadable JSON report for {source.label}: {exc!r}", tool=TOOL) from None
    return AuditReport(source, tuple(deps), attempts, duration_s)


def audit(source: AuditSource, settings: ServiceSettings, work_dir: Path, *, remaining: Callable[[], float],
          log: Callable[[str], None] = print) -> AuditReport:
    """Audit ``source``; raise :class:`GateError` with the cause after ``settings.retries`` retries."""
    work_dir.mkdir(parents=True, exist_ok=True)
    output = work_dir / "pip-audit.json"
    cache_dir = work_dir / "pip-audit-cache"
    generated = work_dir / "pip-audit-requirements.txt"
    if source.kind in (SourceKind.LOCKFILE, SourceKind.CONDA):
        if not source.requirements:
            return AuditReport(source, (), 0, 0.0)
        generated.write_text("".join(f"{line}\n" for line in source.requirements), encoding="utf-8")
    env = {"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if source.kind is SourceKind.ENVIRONMENT and source.python:
        env["PIPAPI_PYTHON_LOCATION"] = source.python
    cause = ""
    started = time.monotonic()
    attempts = settings.retries + 1
    for attempt in range(1, attempts + 1):
        output.unlink(missing_ok=True)
        try:
            done = proc.run(command(source, settings, output, cache_dir, generated), timeout=remaining(), env=env,
                            ok_codes=(0, 1), tool=TOOL)
            if output.is_file():
                return parse_report(output.read_text(encoding="utf-8"), source, attempt, time.monotonic() - started)
            cause = _cause(done.stderr) or f"pip-audit exited {done.returncode} without a report"
        except ToolError as exc:
            if "not installed" in str(exc):
                raise
            cause = str(exc)
        if attempt < attempts and remaining() > 5:
            log(f"pip-audit failed on {source.label} (attempt {attempt} of {attempts}): {cause}; retrying")
            time.sleep(retry_delay(attempt, base_s=1.0, cap_s=4.0))
        else:
            break
    resolving = "" if source.pinned or source.kind in (SourceKind.LOCK, SourceKind.ENVIRONMENT) else (
        " (it is not a complete lock, so pip had to resolve its dependencies from a package index: make one "
        "reachable with index-url, or audit a lock file: uv.lock, poetry.lock, pylock.toml, hashed requirements)")
    raise GateError(f"pip-audit could not audit {source.label} after {attempt} attempt(s): {cause}{resolving}")


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\b")


def _cause(stderr: str) -> str:
    """The most telling lines of pip-audit's stderr: its exception lines, else its last lines."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and not ln.startswith("WARNING:")]
    errors = [ln for ln in lines if _EXCEPTION_LINE.match(ln)]
    return " | ".join(errors[-3:] if errors else lines[-3:])[-1500:]


def version() -> str:
    """pip-audit's version (from its metadata), or raise :class:`ToolError` when it is not installed."""
    try:
        return importlib.metadata.version("pip-audit")
    except importlib.metadata.PackageNotFoundError:
        raise EngineMissing("pip-audit", "deps") from None
