"""Turning verification results and trust issues into gate findings with stable fingerprints.

Rule ids carry the gate's prefix (``DATA-`` or ``MODEL-``) for file results, e.g.
DATA-MODIFIED, MODEL-MISSING; trust issues keep their own ids (MANIFEST-CHANGED,
SIGNATURE-INVALID, ...). Against a signature a mismatch is critical, otherwise high.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from gates.fingerprint import fingerprints
from gates.manifest.model import Manifest, TrustLevel, VerifyReport
from gates.manifest.trust import TrustIssue
from gates.model import Finding, Severity

_PROBLEM_RULES = {  # kind -> (rule suffix, severity, title, CWE)
    "unreadable": ("UNREADABLE", Severity.HIGH, "File cannot be read", 345),
    "symlink-escapes-root": ("SYMLINK-ESCAPE", Severity.HIGH, "Symlink leaves the root", 59),
    "broken-symlink": ("BROKEN-SYMLINK", Severity.HIGH, "Broken symlink", 59),
    "symlinked-directory": ("SYMLINKED-DIRECTORY", Severity.MEDIUM, "Symlinked directory not followed", 59),
    "special-file": ("SPECIAL-FILE", Severity.HIGH, "Not a regular file", 345),
    "non-utf8-name": ("NON-UTF8-NAME", Severity.HIGH, "File name is not UTF-8", 345),
}
_INTEGRITY_CWE = 345  # Insufficient Verification of Data Authenticity
_PATH_CWE = 22  # a manifest entry escaping the root


@dataclass(frozen=True)
class _Raw:
    rule: str
    severity: Severity
    message: str
    path: str | None
    context: str
    title: str
    line: int | None = None
    properties: dict[str, Any] | None = None
    cwe: int = _INTEGRITY_CWE


def _join(prefix: str, path: str | None) -> str | None:
    if path is None:
        return None
    return posixpath.normpath(posixpath.join(prefix, path)) if prefix else path


def build_findings(prefix: str, report: VerifyReport | None, manifest: Manifest | None, issues: tuple[TrustIssue, ...],
                   level: TrustLevel, *, root_rel: str, manifest_rel: str | None, tool: str) -> list[Finding]:
    """Findings for one manifest check; paths relative to the workspace (``root_rel`` + entry path)."""
    raw: list[_Raw] = []
    for issue in issues:
        raw.append(_Raw(issue.rule, issue.severity, issue.message, issue.path, issue.message.split(":")[0],
                        issue.rule.replace("-", " ").capitalize(), issue.line))
    if manifest is not None:
        for problem in manifest.problems:
            raw.append(_Raw("MANIFEST-INVALID", Severity.HIGH, f"{manifest_rel}: {problem.message}", manifest_rel,
                            f"{problem.kind} {problem.path or problem.line}", "Malformed manifest entry", problem.line,
                            cwe=_PATH_CWE if problem.kind == "escapes-root" else _INTEGRITY_CWE))
    tampered = Severity.CRITICAL if level is TrustLevel.SIGNATURE else Severity.HIGH
    if report is not None:
        for m in report.modified:
            how = (f"size {m.expected_size} bytes expected, {m.actual_size} found" if m.reason == "size"
                   else f"{report.algorithm.value} {m.expected} expected, {m.actual} found")
            raw.append(_Raw(f"{prefix}-MODIFIED", tampered, f"{m.path} differs from the {level.value} manifest ({how})",
                            _join(root_rel, m.path), m.actual or str(m.actual_size), "File modified",
                            properties={"expected": m.expected, "actual": m.actual, "trust": level.value}))
        for path in report.missing:
            raw.append(
                _Raw(
                    f"{prefix}-MISSING",
                    tampered,
                    f"{path} is listed in the {level.value} manifest but missing",
                    _join(root_rel, path),
                    "missing",
                    "File missing",
                )
            )
        for path in report.unexpected:
            raw.append(_Raw(f"{prefix}-UNEXPECTED", tampered, f"{path} is not listed in the {level.value} manifest: "
                            "add it with `manifest create` (and get that approved) or remove it",
                            _join(root_rel, path), "unexpected", "Unexpected file"))
        for problem in report.problems:
            suffix, severity, title, cwe = _PROBLEM_RULES.get(problem.kind,
                                                              ("UNSAFE-PATH", Severity.HIGH, "Unsafe path", _PATH_CWE))
            raw.append(_Raw(f"{prefix}-{suffix}", severity, problem.message, _join(root_rel, problem.path),
                            problem.kind, title, cwe=cwe))
    prints = fingerprints([(r.rule, r.path, r.context) for r in raw])
    return [Finding(rule_id=r.rule, severity=r.severity, message=r.message, fingerprint=fp, path=r.path, line=r.line,
                    title=r.title, tool=tool, cwe=(r.cwe,), properties=r.properties or {"trust": level.value})
            for r, fp in zip(raw, prints)]
