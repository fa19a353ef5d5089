"""One garak run for the adversarial gate, from generator options to cleaned-up scratch files.

garak receives the app's system prompt (with the planted canary) and a model name, never the
endpoint URL as a name. Its report is read and scanned for leaked secrets while the raw files
exist; then the report, hit log, HTML digest and log are copied to ``<report-dir>/garak/`` with
every secret redacted, and the raw files are deleted, whatever happened (timeout included).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.config.settings import EndpointSettings
from gates.garak import engine
from gates.garak.leaks import GarakLeak, redact_file, scan_report
from gates.garak.report import GarakReport, read_report
from gates.garak.target import write_generator_file
from gates.proc import Completed


@dataclass(frozen=True)
class Secrets:
    """What garak is given and what must never show in its kept files."""

    system_prompt: str | None
    canaries: tuple[str, ...]
    other: tuple[str, ...] = ()  # e.g. the API key: redacted, not searched for in replies

    @property
    def redacted(self) -> tuple[str, ...]:
        return self.canaries + self.other


@dataclass(frozen=True)
class Session:
    """What a garak run left: its exit, the kept (redacted) files, leaks and the report."""

    done: Completed
    kept: tuple[Path, ...]
    leaks: tuple[GarakLeak, ...]
    report: GarakReport | None  # None when garak wrote no report


def run_session(endpoint: EndpointSettings, settings: engine.RunSettings, work: Path, home: Path,
                destination: Path, timeout: float, secrets: Secrets, *, name: str | None = None,
                cancelled: threading.Event | None = None) -> Session:
    """Run garak once; keep redacted copies of its files in ``destination``; delete the rest."""
    generator = write_generator_file(endpoint, work, secrets.system_prompt, name)
    kept: Sequence[Path] = ()
    try:
        pass_env = [endpoint.api_key_env] if endpoint.api_key_env else []  # garak reads the key itself
        done = engine.run_garak(work, generator, settings, timeout, home, pass_env=pass_env, cancelled=cancelled)
        report_path, hitlog_path = engine.report_paths(work)
        report = read_report(report_path, hitlog_path) if report_path.is_file() else None
        leaks = scan_report(report_path, secrets.canaries, secrets.system_prompt) if report is not None else []
    finally:
        try:
            kept = engine.keep_artifacts(work, home, destination)
            for path in kept:
                redact_file(path, secrets.redacted)
        finally:
            engine.remove_scratch(work, home)
    return Session(done, tuple(kept), tuple(leaks), report)
