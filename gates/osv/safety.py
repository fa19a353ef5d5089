"""Safety (pyupio/safety) as an optional second source of vulnerabilities.

Runs ``safety check -r FILE --output json`` (its legacy, scriptable command) for each
requirements file. Safety has no offline mode of its own. Safety 2 could read a local database
directory (``safety-db``: ``insecure.json`` and ``insecure_full.json``, the layout of
pyupio/safety-db) instead of its service; safety 3 (checked with 3.8.1) connects to Safety's
platform as soon as its command line starts, even with ``--db`` and ``SAFETY_DB_DIR``, so it
needs its online service (an API key in an environment variable, and network access).
:func:`preflight` checks this *before anything runs* and says plainly what is missing; when
safety then fails (no network), the gate ends in error with safety's last error line, not its
traceback. Exit status 64 means "vulnerabilities found"; any other status is a failure.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from gates import proc
from gates.errors import GateError, ToolError
from gates.osv.pipaudit import AuditedDependency, ReportedVuln
from gates.osv.sources import AuditSource

TOOL = "safety"
_FOUND = 64


def available() -> bool:
    """True when the ``safety`` package can be imported by our interpreter."""
    return importlib.util.find_spec("safety") is not None


def version() -> str:
    """safety's installed version (``missing`` when it is not installed)."""
    try:
        return importlib.metadata.version("safety")
    except importlib.metadata.PackageNotFoundError:
        return "missing"


DB_FILES = ("insecure.json", "insecure_full.json")


def preflight(db: Path | None, key_env: str) -> None:
    """Raise :class:`GateError` when safety is enabled but cannot run here (checked before any audit)."""
    if not available():
        raise GateError("safety is enabled (option 'safety: true') but not installed: `pip install safety` "
                        "(it needs an API key or a local database), or turn the option off")
    if not os.environ.get(key_env) and _online_only():
        raise GateError(f"safety {version()} cannot run offline: it connects to Safety's platform when it starts, even "
                        f"with a local database ('safety-db'), so it needs its online service (an API key in "
                        f"${key_env} and network access). pip-audit already audits offline with advisory-db: turn "
                        "'safety' off, or provide the key")
    if db is not None:
        missing = [name for name in DB_FILES if not (db / name).is_file()]
        if missing:
            raise GateError(f"safety-db {db} is not a safety database (missing {', '.join(missing)}); "
                            "give a copy of pyupio/safety-db's data directory")
        return
    if not os.environ.get(key_env):
        raise GateError(f"safety needs its online service (an API key in ${key_env} and network access to "
                        "Safety's platform) or a local database ('safety-db'); neither is set, so it cannot run. "
                        "pip-audit already audits offline with advisory-db: turn 'safety' off, or provide one")


def _online_only() -> bool:
    """True for safety 3 and later, whose command line always reaches Safety's platform."""
    try:
        return Version(version()).major >= 3
    except InvalidVersion:
        return True


def failure(label: str, done: proc.Completed) -> GateError:
    """The gate's error for a safety run that failed: one line of safety's own error, never its traceback."""
    return GateError(f"safety could not audit {label} (exit status {done.returncode}): {_last_error(done)}; safety "
                     "reaches Safety's platform over the network whenever it runs")


def _last_error(done: proc.Completed) -> str:
    """Safety's own error in one line: the last line of its output that is not a traceback frame."""
    lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("File ", "Traceback", "^", "~"))]
    return (lines[-1] if lines else f"exit status {done.returncode}")[:300]


def run_safety(source: AuditSource, *, timeout: float, db: Path | None, key_env: str) -> tuple[AuditedDependency, ...]:
    """Audit one requirements file with safety; raise :class:`GateError` when safety cannot."""
    preflight(db, key_env)
    args = proc.python_tool("safety") + ["check", "-r", str(source.path), "--output", "json"]
    if db is not None:
        args += ["--db", str(db)]
    key = os.environ.get(key_env)
    env = {"SAFETY_API_KEY": key} if key else {}  # safety reads it from there: never on a command line
    try:
        done = proc.run(args, timeout=timeout, env=env, ok_codes=range(256), tool=TOOL)
    except ToolError as exc:
        raise GateError(f"safety could not audit {source.label}: {str(exc)[:300]}") from None
    if done.returncode not in (0, _FOUND):
        raise failure(source.label, done)
    return parse_safety(done.stdout, source)


def parse_safety(text: str, source: AuditSource) -> tuple[AuditedDependency, ...]:
    """Read ``safety check --output json``: one AuditedDependency per vulnerable package."""
    start = text.find("{")
    try:
        data: Any = json.loads(text[start:]) if start >= 0 else None
        vulns = data["vulnerabilities"]
        by_package: dict[tuple[str, str], list[ReportedVuln]] = {}
        for vuln in vulns:
            ids = [str(vuln["vulnerability_id"])]
            cve = vuln.get("CVE")
            aliases = tuple(str(c) for c in (cve if isinstance(cve, list) else [cve]) if c)
            fixed = tuple(str(f) for f in vuln.get("fixed_versions") or ())
            key = (str(vuln["package_name"]), str(vuln["analyzed_version"]))
            by_package.setdefault(key, []).append(
                ReportedVuln(f"SAFETY-{ids[0]}" if ids[0].isdigit() else ids[0], aliases, fixed,
                             str(vuln.get("advisory") or ""), safety_severity(vuln)))
    except (ValueError, KeyError, TypeError) as exc:
        raise GateError(f"safety wrote unreadable JSON for {source.label}: {exc!r}") from None
    return tuple(AuditedDependency(name, version, tuple(vs)) for (name, version), vs in by_package.items())


def safety_severity(vuln: Any) -> str | None:
    """A severity label from a safety vulnerability record when it carries one (CVSS v3 base severity)."""
    severity = vuln.get("severity") if isinstance(vuln, dict) else None
    if isinstance(severity, dict):
        cvss = severity.get("cvssv3") or {}
        if isinstance(cvss, dict) and cvss.get("base_severity"):
            return str(cvss["base_severity"])
    return None
