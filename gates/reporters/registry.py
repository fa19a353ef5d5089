"""The registry of reporters: adding one is a module in this package plus one line here.

The order is the order they run: the files first (report.json, SARIF, summary), then what
points at them (outputs, annotations, the check run), the console last so it closes the log.
"""

from __future__ import annotations

from gates.errors import UsageError
from gates.reporters.annotations import AnnotationsReporter
from gates.reporters.base import Reporter
from gates.reporters.check_run import CheckRunReporter
from gates.reporters.console import ConsoleReporter
from gates.reporters.json_report import JsonReporter
from gates.reporters.markdown import MarkdownReporter
from gates.reporters.outputs import OutputsReporter
from gates.reporters.sarif import SarifReporter

REPORTERS: tuple[type[Reporter], ...] = (
    JsonReporter,
    SarifReporter,
    MarkdownReporter,
    OutputsReporter,
    AnnotationsReporter,
    CheckRunReporter,
    ConsoleReporter,
)


def reporter_names() -> tuple[str, ...]:
    """Every registered reporter's name, in run order."""
    return tuple(cls.name for cls in REPORTERS)


def parse_reporter_list(text: str) -> frozenset[str]:
    """``json,sarif,...`` → the chosen names; an unknown name is a usage error listing the choices."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in reporter_names()]
    if unknown or not names:
        raise UsageError(f"reporters: unknown {', '.join(unknown) or '(empty list)'}; "
                         f"choose from {', '.join(reporter_names())}")
    return frozenset(names)
