"""``report.json``: the machine-readable report (schema 1, see CONTRACT.md)."""

from __future__ import annotations

import json

from gates.files import write_text_atomic
from gates.model import RunResult
from gates.reporters.base import REPORT_JSON, ReportEnv, Reporter
from gates.reporters.serialize import run_to_dict


class JsonReporter(Reporter):
    """Writes every gate, metric and finding (suppressed ones included) to report.json."""

    name = "json"
    files = (REPORT_JSON,)

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        write_text_atomic(env.report_path, json.dumps(run_to_dict(run), indent=2, ensure_ascii=False) + "\n")
