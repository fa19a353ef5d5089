"""One engine-neutral issue type for bandit and pylint, and its conversion into findings.

An :class:`Issue` keeps what the engine said (rule, location, severity, confidence, the
offending source lines). :func:`to_findings` fingerprints issues from the rule, the path and
the normalised source (never the line number, duplicates counted) and marks the ones a
baseline holds with a BASELINE suppression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gates.fingerprint import fingerprints, loose_key, new_since_moved
from gates.model import Finding, Severity, Suppression, SuppressionKind

PARSE_ERROR_RULE = "parse-error"


@dataclass(frozen=True)
class Issue:
    """One problem an engine reported on one place of one file."""

    tool: str  # "bandit" or "pylint": the SARIF run
    rule_id: str  # B602, W0123, parse-error
    title: str  # bandit test name / pylint symbol
    message: str
    path: str  # POSIX, relative to the scanned root
    line: int | None
    severity: Severity
    confidence: str  # engine's own word: HIGH, MEDIUM, LOW, INFERENCE, UNDEFINED
    context: str  # the offending source lines (fingerprint material)
    column: int | None = None  # 1-based
    end_line: int | None = None
    cwe: tuple[int, ...] = ()
    help_uri: str | None = None
    symbol: str | None = None  # pylint symbol, kept so waivers may name it

    @property
    def is_parse_error(self) -> bool:
        """A file the engine could not analyse: always blocking, never baselined."""
        return self.rule_id == PARSE_ERROR_RULE

    @property
    def loose_key(self) -> str:
        """The path-independent key (rule and normalised code): survives moves and renames."""
        return loose_key(f"{self.tool}:{self.rule_id}", self.context)

    @property
    def fingerprint_key(self) -> tuple[str, str, str]:
        """(rule, path, context) as :func:`gates.fingerprint.fingerprints` wants it."""
        return (f"{self.tool}:{self.rule_id}", self.path, self.context)


def issue_fingerprints(issues: Sequence[Issue]) -> list[str]:
    """Fingerprints of ``issues`` in order (duplicates numbered in order of appearance), then their loose keys."""
    ordered = _in_file_order(issues)
    return fingerprints(issue.fingerprint_key for issue in ordered) + [issue.loose_key for issue in ordered]


def _in_file_order(issues: Sequence[Issue]) -> list[Issue]:
    return sorted(issues, key=sort_key)


def sort_key(issue: Issue) -> tuple[str, int, int, str, str]:
    """Order issues by path, line, column, tool and rule: how duplicates get their index."""
    return (issue.path, issue.line or 0, issue.column or 0, issue.tool, issue.rule_id)


def to_findings(issues: Sequence[Issue], baseline: Sequence[str] | None, baseline_name: str = "") -> list[Finding]:
    """Findings for ``issues`` (sorted by location); with a baseline, old ones are suppressed.

    ``baseline`` is a list of fingerprints (a multiset: one entry covers one occurrence);
    ``None`` means no baseline applies. Parse errors never match a baseline.
    """
    ordered = _in_file_order(issues)
    prints = fingerprints(issue.fingerprint_key for issue in ordered)
    if baseline is None:
        new = [True] * len(ordered)
    else:
        new = new_since_moved([(fp, issue.loose_key) for fp, issue in zip(prints, ordered)], baseline)
    findings = []
    for issue, fp, is_new in zip(ordered, prints, new):
        suppression = None
        if not is_new and not issue.is_parse_error:
            suppression = Suppression(SuppressionKind.BASELINE, f"already present in {baseline_name or 'the baseline'}")
        findings.append(_finding(issue, fp, suppression))
    return findings


def _finding(issue: Issue, fp: str, suppression: Suppression | None) -> Finding:
    properties: dict[str, object] = {"confidence": issue.confidence, "loose_key": issue.loose_key}
    if issue.symbol:
        properties["symbol"] = issue.symbol
    aliases = (issue.symbol,) if issue.symbol and issue.symbol != issue.rule_id else ()
    return Finding(
        rule_id=issue.rule_id,
        severity=issue.severity,
        message=issue.message,
        fingerprint=fp,
        path=issue.path,
        line=issue.line,
        column=issue.column,
        end_line=issue.end_line,
        help_uri=issue.help_uri,
        cwe=issue.cwe,
        tool=issue.tool,
        title=issue.title,
        aliases=aliases,
        suppression=suppression,
        properties=properties,
    )
