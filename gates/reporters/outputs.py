"""Step outputs in ``$GITHUB_OUTPUT``: status, failed-gates, report, sarif."""

from __future__ import annotations

from gates.ghactions import append_outputs
from gates.model import RunResult, Status
from gates.reporters.base import ReportEnv, Reporter


class OutputsReporter(Reporter):
    """Writes the step outputs when ``$GITHUB_OUTPUT`` is set."""

    name = "outputs"

    def active(self, env: ReportEnv) -> bool:  # noqa: D102
        return env.github.output_file is not None

    def write(self, run: RunResult, env: ReportEnv) -> None:  # noqa: D102
        assert env.github.output_file is not None
        append_outputs(env.github.output_file, outputs(run, env))


def outputs(run: RunResult, env: ReportEnv) -> dict[str, str]:
    """The output values (failed-gates lists every gate that blocks: failed or error)."""
    return {
        "status": run.status.value,
        "failed-gates": ",".join(g.name for g in run.gates_with(Status.FAILED, Status.ERROR)),
        "report": str(env.report_path),
        "sarif": str(env.sarif_path),
    }
